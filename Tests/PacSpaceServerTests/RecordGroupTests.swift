import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Testing

/// A group commit of record entries is decided in memory and written once (issue 28): each
/// entry must still be decided against what the entries before it in the same group left,
/// exactly as if each had been written on its own. Requests only meet in one group by
/// chance, so the group is made here, on the server's database, and then read over HTTP.
@Suite struct RecordGroupTests {
    static let type = "machine-action-record"

    static func submission(
        _ entity: String,
        _ lifecycle: String,
        title: String,
        reference: String? = nil,
        extra: String = ""
    )
        throws -> RecordSubmission
    {
        let content = try JSONParser.parse(
            Array(
                #"""
                {"title":"\#(title)","occurredAt":"2026-11-30T10:00:00Z","actorId":"agent-7",
                 "payloads":[{"alg":"sha-256","digest":"\#(RecordsTests.digest)","byteLength":"1024"}]\#(extra)}
                """#.utf8
            )
        )
        let layout = try RecordAdmission.admit(recordType: type, lifecycle: lifecycle, content: content)
        return RecordSubmission(
            recordType: type,
            entityID: entity,
            layout: layout,
            lifecycle: lifecycle,
            content: content,
            referenceID: reference
        )
    }

    @Test(arguments: Backend.all)
    func eachEntryOfAGroupIsDecidedAfterTheOnesBeforeIt(backend: Backend) async throws {
        let server = TestServer(backend)
        let run = UUID().uuidString.prefix(8).lowercased()
        let (a, b, closing, amending, refused) = ("a-\(run)", "b-\(run)", "d-\(run)", "c-\(run)", "e-\(run)")
        let (key, earlier, closingKey) = try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            let earlier = try await api.record(.post, "\(Self.type)/\(b)/transitions", key: key, body: RecordsTests.entry(referenceId: "r1"))
            let closing = try await api.record(.post, "\(Self.type)/\(closing)/transitions", key: key, body: RecordsTests.entry())
            #expect(earlier.status == .created && closing.status == .created)
            return (key, earlier.data["receiptId"]?.string ?? "", closing.data["recordKey"]?.string ?? "")
        }
        try await server.withDatabase { database in
            let environment = try await database.read { db in
                try await db.raw("SELECT environment_id FROM records WHERE entity_id = \(bind: b)").first()?
                    .decode(column: "environment_id", as: String.self)
            }
            let environmentID = try #require(environment)
            let amends = #","amends":{"recordKey":"\#(closingKey)","seq":0},"references":[{"recordKey":"\#(closingKey)","seq":0}]"#
            let group: [RecordSubmission] = [
                try Self.submission(a, "recorded", title: "first", reference: "x"),
                try Self.submission(a, "recorded", title: "second"),
                try Self.submission(a, "recorded", title: "first", reference: "x"),  // a replay of the group's first entry
                try Self.submission(a, "recorded", title: "other", reference: "x"),  // its reference, reused
                try Self.submission(b, "recorded", title: "Deployed model v7", reference: "r1"),  // a replay of a stored entry
                try Self.submission(closing, "closed", title: "closed"),
                // Valid only once the entry before it closed that record, in this same group.
                try Self.submission(amending, "recorded", title: "amends", extra: amends),
                try Self.submission(refused, "closed", title: "refused"),  // not a first word: refused, no row
            ]
            let answers = try await RecordStore(database: database).append(group.map { ($0, environmentID, nil) }, now: 1_780_000_000_000)
            #expect(answers.count == group.count)
            let entries = try [0, 1, 2, 3, 4, 5, 6].map { index in
                index == 3 ? try answers[0].get() : try answers[index].get()  // 3 is refused, below
            }
            #expect(entries[0].0.seq == 0 && entries[0].created && entries[1].0.seq == 1 && entries[1].created)
            #expect(entries[2].0.entryID == entries[0].0.entryID && !entries[2].created)
            #expect(throws: RecordRefusal.referenceReused(seq: 0, claimKid: nil)) { try answers[3].get() }
            #expect(entries[4].0.entryID == earlier && !entries[4].created)
            #expect(entries[5].0.seq == 1 && entries[5].0.lifecycle == "closed")
            #expect(entries[6].0.seq == 0 && entries[6].0.lifecycle == "recorded", "\(answers[6])")
            #expect(throws: RecordRefusal.self) { try answers[7].get() }
            let rows = try await database.read { db in
                try await db.raw(
                    """
                    SELECT entity_id, entry_count, lifecycle FROM records WHERE environment_id = \(bind: environmentID)
                    ORDER BY entity_id
                    """
                ).all().map {
                    "\(try $0.decode(column: "entity_id", as: String.self)) \(try $0.decode(column: "entry_count", as: Int.self)) "
                        + (try $0.decode(column: "lifecycle", as: String.self))
                }
            }
            #expect(rows == ["\(a) 2 recorded", "\(b) 1 recorded", "\(amending) 1 recorded", "\(closing) 2 closed"])
        }
        // The group's entries took their places in the log's queue: each one is committed.
        try await server.run { api in
            for (record, seq) in [(a, 1), (closing, 1), (amending, 0)] {
                let receipt = try await api.waitForRecordEntry(record, seq: seq, key: key)
                #expect(receipt.data["receipt"]?["status"] == .string("committed"), "\(receipt.text)")
            }
            let history = try await api.record(.get, "\(Self.type)/\(a)/history", key: key)
            #expect(history.json["entryCount"] == .number("2"))
        }
    }
}
