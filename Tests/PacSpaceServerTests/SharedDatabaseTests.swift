import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Several servers on one PostgreSQL database (docs/operations.md): each sequencer verifies
/// every environment, so two take on the same batch all the time. One of them writes it;
/// the other gives it up quietly — no failed batch, no halted environment, no backoff.
@Suite struct SharedDatabaseTests {
    @Test(arguments: Backend.all.filter { if case .postgres = $0 { true } else { false } })
    func twoSequencersShareALogWithoutHalting(backend: Backend) async throws {
        var first = TestServer(backend)
        try await first.isolateDatabase()  // only these two servers on it
        var second = TestServer(backend)
        second.configuration.databaseURL = first.configuration.databaseURL
        let other = second
        try await first.run { api in
            try await other.run { _ in
                let account = try await api.account()
                let key = try await api.apiKey(account)
                var last = ""
                for round in 0..<20 {
                    let items = (0..<100).map { _ in #"{"customerId":"shared-\#(round % 3)","delta":1,"reason":"r"}"# }.joined(separator: ",")
                    let batch = try await api.balance(.post, "/delta/batch", key: key, body: #"{"deltas":[\#(items)]}"#)
                    guard case .array(let results)? = batch.data["results"], let recordID = results.last?["recordId"]?.string else {
                        throw TestFailure("no batch: \(batch.text)")
                    }
                    last = recordID
                    try await Task.sleep(for: .milliseconds(15))  // batches across many sequencer rounds
                }
                #expect(try await api.waitForDelta(last, key: key, within: .seconds(20)).data["status"] == "VERIFIED")
                let totals = try await api.balance(.get, "/customers/shared-0", key: key)
                #expect(totals.data["verifiedDeltas"] == 700, "\(totals.text)")
            }
        }
        for server in [first, second] {
            let halts = server.logs.all.filter { $0.contains("environment halted") }
            #expect(halts.isEmpty, "\(halts.prefix(3))")
        }
    }

    /// Two servers' group commits — and on each server its delta and record writers — write
    /// to the same environments, records and credit accounts at once, each group in its own
    /// order of arrival. Taking their locks in one order (LockOrder), none deadlocks: no
    /// group fails with PostgreSQL's deadlock error, and every write is acknowledged — at
    /// once, or on the retry a client makes after a 503 (same referenceId or Idempotency-Key,
    /// so never twice). A retry is allowed because a 503 has another cause than a deadlock
    /// here: under the whole suite on 2 cores, groups were starved past the 10 s operation
    /// limit (39 of 120 writes once, "no answer within 10.0 seconds"), a slowness the server
    /// answers as it should.
    @Test(arguments: Backend.all.filter { if case .postgres = $0 { true } else { false } })
    func concurrentWritersOnTwoServersNeverDeadlock(backend: Backend) async throws {
        var first = TestServer(backend)
        first.configuration.freeCredits = Amount(micros: 10_000_000_000)
        try await first.isolateDatabase()
        var second = TestServer(backend)
        second.configuration.databaseURL = first.configuration.databaseURL
        let (one, other) = (first, second)
        try await one.run { api in
            let keys = try await (0..<3).asyncMap { _ in try await api.apiKey(try await api.account(), environment: "mainnet") }
            try await other.run { otherAPI in
                @Sendable func write(_ index: Int) async throws -> Reply {
                    let client = index % 2 == 0 ? api : otherAPI
                    let key = keys[(index / 2) % 3]
                    if index % 3 == 0 {
                        let items = (0..<3).map { #"{"customerId":"c\#(($0 + index) % 4)","delta":1,"reason":"r"}"# }
                        return try await client.balance(
                            .post,
                            "/delta/batch",
                            key: key,
                            body: #"{"deltas":[\#(items.joined(separator: ","))]}"#,
                            headers: DashboardCustomersTests.headers([("Idempotency-Key", "shared-batch-\(index)")])
                        )
                    }
                    return try await client.record(
                        .post,
                        "machine-action-record/shared-\(index % 5)/transitions",
                        key: key,
                        body: RecordsTests.entry(referenceId: "r\(index)")
                    )
                }
                let replies = try await concurrently(120) { try await write($0) }
                let logs = one.logs.all + other.logs.all
                let deadlocks = logs.filter { $0.lowercased().contains("deadlock") }
                #expect(deadlocks.isEmpty, "\(deadlocks.prefix(3))")
                let unconfirmed = replies.indices.filter { replies[$0].status == .serviceUnavailable }
                #expect(replies.allSatisfy { $0.status == .created || $0.status == .serviceUnavailable }, "only 2xx, or 503 to retry")
                for index in unconfirmed {
                    let retried = try await write(index)
                    #expect(retried.status.code / 100 == 2, "write \(index) retried: \(retried.status) \(retried.text.prefix(200))")
                }
            }
        }
    }
}

extension Sequence {
    /// `transform` over the elements one at a time, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
