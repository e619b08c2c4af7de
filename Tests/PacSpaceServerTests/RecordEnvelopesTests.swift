import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import SQLKit
import Testing

@testable import PacSpaceStore

/// An encrypted entry's envelopes, one per key version (docs/records.md, "Re-keying").
@Suite struct RecordEnvelopesTests {
    /// A re-key adds an envelope to an encrypted entry only: not to a plaintext record, a
    /// missing entry or with a malformed envelope; the entry's record hash stays.
    @Test(arguments: Backend.all)
    func aRekeyAddsAnEnvelopeToAnEncryptedEntryOnly(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            func envelope(_ kid: Character, ct: Int = 363) -> String {
                #"{"v":1,"alg":"A256GCM","kid":"\#(String(repeating: kid, count: 64))","iv":"AAAAAAAAAAAAAAAA","#
                    + #""ct":"\#(String(repeating: "A", count: ct))"}"#
            }
            let sealed =
                #"{"lifecycle":"recorded","referenceId":"r","recordHash":"0x\#(String(repeating: "b", count: 64))","recordHashVersion":3,"#
                + #""contentTag":"\#(String(repeating: "A", count: 43))","envelope":\#(envelope("a"))}"#
            #expect(try await api.record(.post, "machine-action-record/sealed/transitions", key: key, body: sealed).status == .created)
            _ = try await api.record(.post, "machine-action-record/open/transitions", key: key, body: RecordsTests.entry(title: "plain"))
            func rekey(_ path: String, _ body: String) async throws -> String {
                let reply = try await api.record(.put, "machine-action-record/\(path)/envelope", key: key, body: body)
                return "\(reply.status.code) \(reply.errorCode ?? "")"
            }
            #expect(try await rekey("open/entries/0", #"{"envelope":\#(envelope("c"))}"#) == "409 RECORD_ENCRYPTION_MISMATCH")
            #expect(try await rekey("sealed/entries/1", #"{"envelope":\#(envelope("c"))}"#) == "404 RECORD_ENTRY_NOT_FOUND")
            #expect(try await rekey("nowhere/entries/0", #"{"envelope":\#(envelope("c"))}"#) == "404 RECORD_ENTRY_NOT_FOUND")
            #expect(try await rekey("sealed/entries/-1", #"{"envelope":\#(envelope("c"))}"#) == "400 VALIDATION_ERROR")
            #expect(try await rekey("sealed/entries/0", #"{"envelope":\#(envelope("c", ct: 362))}"#) == "400 RECORD_ENVELOPE_MALFORMED")
            #expect(try await rekey("sealed/entries/0", "{}") == "400 VALIDATION_ERROR")
            // Only to a version the workspace registered (issue 25: any kid grew the list without end).
            #expect(try await rekey("sealed/entries/0", #"{"envelope":\#(envelope("c"))}"#) == "409 RECORDS_VERSION_UNKNOWN")
            func register(_ version: Int, _ kid: Character) async throws {
                let body = #"{"kid":"\#(String(repeating: kid, count: 64))"}"#
                #expect(try await api.record(.put, "encryption/versions/\(version)", key: key, body: body).status == .ok)
            }
            try await register(1, "c")
            #expect(try await rekey("sealed/entries/0", #"{"envelope":\#(envelope("c"))}"#) == "200 ")
            let receipt = try await api.record(.get, "machine-action-record/sealed/receipts/0", key: key).data["receipt"]
            guard case .array(let envelopes)? = receipt?["envelopes"] else { throw TestFailure("no envelopes") }
            #expect(envelopes.count == 2 && receipt?["recordHash"] == .string("0x" + String(repeating: "b", count: 64)))
            // The record moved to the new version: a write under the old one is told which.
            let stale = sealed.replacingOccurrences(of: #""referenceId":"r""#, with: #""referenceId":"r2""#)
            let told = try await api.record(.post, "machine-action-record/sealed/transitions", key: key, body: stale)
            #expect(
                told.errorCode == "RECORD_ENCRYPTION_VERSION_MISMATCH"
                    && told.json["error"]?["recordKid"] == .string(String(repeating: "c", count: 64))
            )
            // An entry keeps the envelopes of its newest four versions: the same version again
            // replaces its own, a fifth drops the oldest (the writer's first, unregistered "a").
            #expect(try await rekey("sealed/entries/0", #"{"envelope":\#(envelope("c"))}"#) == "200 ")
            for (version, kid) in zip(2..., "def") {
                try await register(version, kid)
                #expect(try await rekey("sealed/entries/0", #"{"envelope":\#(envelope(kid))}"#) == "200 ")
            }
            let kept = try await api.record(.get, "machine-action-record/sealed/receipts/0", key: key).data["receipt"]?["envelopes"]
            guard case .array(let list)? = kept else { throw TestFailure("no envelopes") }
            #expect(list.compactMap { $0["kid"]?.string?.first }.sorted() == ["c", "d", "e", "f"])
        }
    }

    /// Entries from before envelopes had a table of their own (migration 27) keep theirs:
    /// each list becomes rows, in its order, a kid listed twice keeping its last envelope.
    /// On SQLite through the real migration of a server's file. On PostgreSQL, the
    /// migration's statements run over temporary tables that shadow the real ones inside a
    /// transaction of the shared database: a database of its own (CREATE DATABASE and every
    /// migration) stalled the other tests' commits past their 10 s limit (three full runs).
    @Test(arguments: Backend.all)
    func envelopeListsFromBeforeBecomeRows(backend: Backend) async throws {
        let (first, second) = (String(repeating: "1", count: 64), String(repeating: "2", count: 64))
        @Sendable func envelope(_ kid: String, _ ct: Character) -> String {
            #"{"v":1,"alg":"A256GCM","kid":"\#(kid)","iv":"AAAAAAAAAAAAAAAA","ct":"\#(String(repeating: ct, count: 363))"}"#
        }
        let list = "[\(envelope(first, "A")),\(envelope(second, "B")),\(envelope(first, "C"))]"
        let server = TestServer(backend)
        if case .postgres = backend {
            let rows = try await server.withDatabase { database in
                try await database.transaction { db in
                    try await db.raw("CREATE TEMP TABLE record_entries (entry_id TEXT, content_tag TEXT, envelopes TEXT) ON COMMIT DROP").run()
                    try await db.raw(
                        """
                        CREATE TEMP TABLE record_envelopes (entry_id TEXT NOT NULL, kid TEXT NOT NULL, position BIGINT NOT NULL,
                            envelope TEXT NOT NULL, PRIMARY KEY (entry_id, kid)) ON COMMIT DROP
                        """
                    ).run()
                    try await db.raw("INSERT INTO record_entries VALUES ('ent_old', 'tag', \(bind: list)), ('ent_plain', NULL, NULL)").run()
                    guard let migration = Migrations.all.first(where: { $0.version == 27 }) else { throw TestFailure("no migration 27") }
                    for statement in migration.postgresStatements { try await db.raw(SQLQueryString(statement)).run() }
                    return try await db.raw("SELECT entry_id, kid, envelope FROM record_envelopes ORDER BY entry_id, position").all().map {
                        "\(try $0.decode(column: "entry_id", as: String.self)) \(try $0.decode(column: "kid", as: String.self).prefix(1))"
                            + (try $0.decode(column: "envelope", as: String.self).contains(#""ct":"C"#) ? "C" : "B")
                    }
                }
            }
            #expect(rows == ["ent_old 2B", "ent_old 1C"])
            return
        }
        let key = try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            #expect(try await api.record(.put, "encryption/versions/1", key: key, body: #"{"kid":"\#(first)"}"#).status == .ok)
            let write = RecordKeysTests.sealedEntry(kid: first)
            #expect(try await api.record(.post, "machine-action-record/old/transitions", key: key, body: write).status == .created)
            return key
        }
        // The schema of before, with the entry's list as a re-key without replacement left it.
        try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw("DROP TABLE record_envelopes").run()
                try await db.raw("ALTER TABLE record_entries ADD COLUMN envelopes TEXT").run()
                try await db.raw("UPDATE record_entries SET envelopes = \(bind: list) WHERE content_tag IS NOT NULL").run()
                // Later migrations' tables go too, as they were not there yet.
                for table in [
                    "server_log", "server_log_nodes", "server_log_entries", "server_log_checkpoints", "server_log_publications",
                    "server_log_cosignatures", "server_log_witnesses",
                ] {
                    try await db.raw("DROP TABLE \(unsafeRaw: table)").run()
                }
                // and migration 32's index was the queue's partial one.
                try await db.raw("DROP INDEX record_entries_position").run()
                try await db.raw(
                    "CREATE INDEX record_entries_queue ON record_entries(environment_id, queue_position) WHERE status = 'QUEUED'"
                ).run()
                try await db.raw("DELETE FROM schema_migrations WHERE version >= 27").run()
            }
            #expect(try await Migrations.apply(to: database, logger: server.logs.logger, now: 0) == Migrations.latestVersion - 26)
        }
        try await server.run { api in
            let receipt = try await api.record(.get, "machine-action-record/old/receipts/0", key: key).data["receipt"]
            guard case .array(let list)? = receipt?["envelopes"] else { throw TestFailure("no envelopes") }
            #expect(list.map { "\($0["kid"]?.string?.prefix(1) ?? "")\($0["ct"]?.string?.prefix(1) ?? "")" } == ["2B", "1C"])
        }
    }
}
