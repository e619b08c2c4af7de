import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Testing

/// Record hash versions (docs/records.md, "Record hash"): a new encrypted record takes
/// version 3, whose receipts carry a seal anyone can reproduce and whose leaf commits to the
/// version; a record begun under version 2 keeps to it.
@Suite struct RecordHashVersionTests {
    static let kid = String(repeating: "a", count: 64)
    static let recordHash = "0x" + String(repeating: "b", count: 64)

    /// An encrypted write under `kid`, with `version` (none: the field is left out).
    static func sealed(lifecycle: String = "recorded", reference: String, version: Int?) -> String {
        let stated = version.map { #","recordHashVersion":\#($0)"# } ?? ""
        return #"{"lifecycle":"\#(lifecycle)","referenceId":"\#(reference)","recordHash":"\#(recordHash)"\#(stated),"#
            + #""contentTag":"\#(String(repeating: "A", count: 43))","envelope":{"v":1,"alg":"A256GCM","kid":"\#(kid)","#
            + #""iv":"AAAAAAAAAAAAAAAA","ct":"\#(String(repeating: "A", count: 363))"}}"#
    }

    @Test(arguments: Backend.all)
    func aNewEncryptedRecordIsUnderVersion3AndItsSealsReproduce(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            func write(_ body: String) async throws -> Reply {
                try await api.record(.post, "machine-action-record/v3/transitions", key: key, body: body)
            }
            for retired in [2, nil] {
                let reply = try await write(Self.sealed(reference: "r0", version: retired))
                #expect(reply.status == .badRequest && reply.errorCode == "RECORD_FORMAT_RETIRED", "\(reply.text)")
            }
            #expect(try await api.record(.get, "machine-action-record/v3/history", key: key).status == .notFound)
            #expect(try await write(Self.sealed(reference: "r0", version: 3)).status == .created)
            #expect(try await write(Self.sealed(lifecycle: "closed", reference: "r1", version: 3)).status == .created)
            // An attempt (closed → recorded) is a row of the record, under version 3 too.
            #expect(try await write(Self.sealed(reference: "r2", version: 3)).data["attempted"] == .string("recorded"))
            #expect(try await write(Self.sealed(reference: "r3", version: 2)).errorCode == "RECORD_FORMAT_RETIRED")

            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            guard case .array(let items) = contracts.data, let verifierKey = items.first?["publicKey"]?.string else { throw TestFailure("no key") }
            let layout = try #require(RecordLayout.layouts(of: "machine-action-record").first)
            for (seq, schema) in [(0, "semantic-receipt/v5"), (2, "semantic-receipt/v6")] {
                let receipt = try #require(try await api.waitForRecordEntry("v3", seq: seq, key: key).data["receipt"])
                #expect(receipt["schema"] == .string(schema) && receipt["recordHashVersion"] == .number("3"))
                #expect(receipt["committed"]?["recordHashVersion"] == .number("3"))
                // The seal: the word's low 160 bits, over the version 3 input with the entry's opening.
                let opening = try #require(receipt["recordOpening"]?.string.flatMap(Hash.init(prefixedHex:)))
                let hash = try #require(Hash(prefixedHex: Self.recordHash))
                let seal = RecordSeal(layout: layout, lifecycle: seq == 0 ? "recorded" : "closed", attempt: seq == 2, seq: Int64(seq))
                #expect(receipt["newWord"] == .string(seal.word(recordHash: hash, version: .v3, opening: opening).prefixedHex))
                #expect(receipt["newWord"] != .string(seal.word(recordHash: hash, version: .v2, opening: opening).prefixedHex))
                #expect(receipt["layoutDigest"] == .string(layout.digest.prefixedHex))
                // Offline: the leaf commits to version 3; the same receipt claiming version 2 fails.
                let tlog = try #require(receipt["logCheckpoint"]?["receipt"]?.string)
                let report = try OfflineVerification.verify(recordEntry: receipt, tlogProof: tlog, verifierKey: verifierKey)
                #expect(report.seq == Int64(seq) && report.fields == nil)
                let claimed = try JSONParser.parse(
                    Array(
                        String(decoding: JSONWriter.serialize(receipt), as: UTF8.self)
                            .replacingOccurrences(of: #""recordHashVersion":3"#, with: #""recordHashVersion":2"#).utf8
                    )
                )
                #expect(throws: OfflineVerification.Failure.self) {
                    try OfflineVerification.verify(recordEntry: claimed, tlogProof: tlog, verifierKey: verifierKey)
                }
            }
            let history = try await api.record(.get, "machine-action-record/v3/history", key: key)
            #expect(history.json["schema"] == .string("record-history-bundle/v3"))
            #expect(history.json["refused"]?[0]?["seq"] == .number("2"))
        }
    }

    /// A record from before version 3 was served (its rows as migration 24 leaves them) keeps
    /// to version 2: a version 3 write is `RECORD_HASH_VERSION_NOT_ENABLED` (the SDK resends
    /// under 2), a version 2 one is appended, its receipts are v4, and the audit is clean.
    @Test(arguments: Backend.all)
    func aRecordBegunUnderVersion2KeepsToIt(backend: Backend) async throws {
        let server = TestServer(backend)
        let key = try await server.run { api in try await api.apiKey(try await api.account()) }
        try await server.withDatabase { database in
            try await database.transaction { db in
                guard let publicID = APIKey(parsing: key)?.publicID,
                    let environmentID = try await db.raw(
                        """
                        SELECT e.id FROM environments e JOIN api_keys k ON k.tenant_id = e.tenant_id
                        WHERE k.public_id = \(bind: publicID) AND e.environment = 'testnet'
                        """
                    ).first()?.decode(column: "id", as: String.self),
                    let position = try await db.raw(
                        "UPDATE environments SET queue_position = queue_position + 1 WHERE id = \(bind: environmentID) RETURNING queue_position"
                    ).first()?.decode(column: "queue_position", as: Int64.self)
                else { throw TestFailure("no environment") }
                let recordKey = Hash.sha256([2])
                let leaf = RecordEntryHash(
                    recordType: "machine-action-record",
                    recordKey: recordKey,
                    seq: 0,
                    lifecycle: "recorded",
                    recordHash: Hash.sha256([3]),
                    recordHashVersion: .v2
                ).leaf
                let envelope =
                    #"{"v":1,"alg":"A256GCM","kid":"\#(Self.kid)","iv":"AAAAAAAAAAAAAAAA","ct":"\#(String(repeating: "A", count: 363))"}"#
                let entryID = Identifier.make("ent")
                try await db.raw(
                    """
                    INSERT INTO records (environment_id, record_type, entity_id, record_key, entry_count, lifecycle, encryption_kid,
                                         created_at, updated_at)
                    VALUES (\(bind: environmentID), 'machine-action-record', 'legacy', \(bind: recordKey.prefixedHex), 1, 'recorded',
                            \(bind: Self.kid), 0, 0)
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO record_entries (entry_id, environment_id, record_key, seq, lifecycle, reference_id, request_hash, record_hash,
                        salt_key, content, content_tag, leaf_data, queue_position, status, created_at, record_opening)
                    VALUES (\(bind: entryID), \(bind: environmentID), \(bind: recordKey.prefixedHex), 0, 'recorded', 'r0',
                            \(bind: Hash.sha256([4]).prefixedHex), \(bind: Hash.sha256([3]).prefixedHex), '', '{}',
                            \(bind: String(repeating: "A", count: 43)),
                            \(bind: String(decoding: leaf, as: UTF8.self)), \(bind: position), 'QUEUED', 0,
                            \(bind: Hash.sha256([5]).prefixedHex))
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO record_envelopes (entry_id, kid, position, envelope)
                    VALUES (\(bind: entryID), \(bind: Self.kid), 0, \(bind: envelope))
                    """
                ).run()
            }
        }
        try await server.run { api in
            let v3 = try await api.record(.post, "machine-action-record/legacy/transitions", key: key, body: Self.sealed(reference: "r1", version: 3))
            #expect(v3.status == .badRequest && v3.errorCode == "RECORD_HASH_VERSION_NOT_ENABLED", "\(v3.text)")
            let v2 = try await api.record(
                .post,
                "machine-action-record/legacy/transitions",
                key: key,
                body: Self.sealed(reference: "r1", version: nil)
            )
            #expect(v2.status == .created && v2.data["seq"] == .number("1"), "\(v2.text)")
            for seq in [0, 1] {
                let receipt = try await api.waitForRecordEntry("legacy", seq: seq, key: key).data["receipt"]
                #expect(receipt?["schema"] == .string("semantic-receipt/v4") && receipt?["recordHashVersion"] == nil)
                #expect(receipt?["committed"]?["recordHashVersion"] == .number("2"))
            }
        }
        // The audit reads the whole database: on the shared PostgreSQL one, other tests' logs are mid-write.
        guard case .sqlite = backend else { return }
        let audit = try await server.withDatabase { try await Audit(database: $0) { _ in }.run(witnessDirectory: nil) }
        #expect(audit.findings.isEmpty, "\(audit.findings)")
    }

    /// A record numbers at most its layout's seq range (2^24 entries): the last seq is
    /// written, the next entry is `RECORD_FULL` and nothing of it is stored. (The record is
    /// brought to its last seq in the database: 16 million appends would take hours.)
    @Test func aRecordStopsAtItsLastSeq() async throws {
        let server = TestServer()
        let key = try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            #expect(try await api.record(.post, "machine-action-record/full/transitions", key: key, body: RecordsTests.entry()).status == .created)
            return key
        }
        let last: Int64 = (1 << 24) - 1
        try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw("UPDATE records SET entry_count = \(bind: last) WHERE entity_id = 'full'").run()
            }
        }
        try await server.run { api in
            let written = try await api.record(.post, "machine-action-record/full/transitions", key: key, body: RecordsTests.entry(referenceId: "a"))
            #expect(written.status == .created && written.data["seq"] == .number(String(last)), "\(written.text)")
            let full = try await api.record(.post, "machine-action-record/full/transitions", key: key, body: RecordsTests.entry(referenceId: "b"))
            #expect(full.status == .conflict && full.errorCode == "RECORD_FULL", "\(full.text)")
            let history = try await api.record(.get, "machine-action-record/full/history?fromSeq=\(last)", key: key)
            #expect(history.json["entryCount"] == .number(String(last + 1)), "\(history.text)")
        }
    }
}
