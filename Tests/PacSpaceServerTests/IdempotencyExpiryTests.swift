import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Synchronization
import Testing

@testable import PacSpaceServer

/// Idempotency-Key answers are kept 30 days (docs/api.md: at least 30), then the key is free
/// again and the purge deletes them in bounded batches. They used to be kept forever.
@Suite struct IdempotencyExpiryTests {
    @Test(arguments: Backend.all)
    func answersExpireAfterThirtyDaysAndArePurged(backend: Backend) async throws {
        let offset = Mutex<Int64>(0)
        var server = TestServer(backend)
        // Its own database: a purge with a clock 31 days ahead would take every other test's answers with it.
        try await server.isolateDatabase()
        let clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) + offset.withLock { $0 } }
        server.configuration.now = clock
        let keys = (fresh: "expiry-\(UUID().uuidString)", stale: "expiry-\(UUID().uuidString)")
        let start = try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            func emit(_ idempotency: String, _ amount: String) async throws -> Reply {
                var headers = HTTPFields()
                headers[HTTPField.Name("Idempotency-Key") ?? .via] = idempotency
                return try await api.balance(
                    .post,
                    "/delta",
                    key: key,
                    body: #"{"customerId":"c1","delta":\#(amount),"reason":"x"}"#,
                    headers: headers
                )
            }
            #expect(try await emit(keys.fresh, "1").status == .created)
            #expect(try await emit(keys.stale, "1").status == .created)
            #expect(try await emit(keys.fresh, "2").status == .conflict)
            offset.withLock { $0 = 29 * 86_400_000 }
            #expect(try await emit(keys.fresh, "2").status == .conflict, "kept for 30 days")
            offset.withLock { $0 = 31 * 86_400_000 }
            let again = try await emit(keys.fresh, "2")
            #expect(again.status == .created, "a new request after 30 days: \(again.text)")
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed") ?? .via] == nil)
            #expect(try await emit(keys.fresh, "2").headers[HTTPField.Name("Idempotent-Replayed") ?? .via] == "true")
            return clock()
        }
        let remaining = try await server.withDatabase { database in
            let deltas = DeltaStore(database: database)
            let count = { @Sendable in
                try await database.read { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key IN (\(bind: keys.fresh), \(bind: keys.stale))")
                        .first()?.decode(column: "n", as: Int64.self) ?? -1
                }
            }
            // The server's own purge (10 s after its start, then hourly) may have run already
            // on a loaded machine: between it and this one, exactly the stale answer goes.
            let before = try await count()
            #expect((1...2).contains(before))
            var purged = 0
            while true {
                let deleted = try await deltas.purgeIdempotencyKeys(before: start - deltas.idempotencyLifetimeMillis, limit: 1)
                purged += deleted
                if deleted == 0 { break }
            }
            #expect(Int64(purged) == before - 1)
            return try await count()
        }
        #expect(remaining == 1, "the stale answer is purged, the fresh one kept")
    }
}
