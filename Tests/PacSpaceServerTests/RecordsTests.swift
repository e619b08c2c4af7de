import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Testing

/// The Records API (issue 15, docs/records.md): entries admitted, stored, committed to the
/// log, and checked offline from their receipts.
@Suite struct RecordsTests {
    static let digest = String(repeating: "ab", count: 32)

    /// A machine-action-record entry's body.
    static func entry(
        title: String = "Deployed model v7",
        lifecycle: String = "recorded",
        extra: String = "",
        referenceId: String? = nil
    ) -> String {
        let reference = referenceId.map { #","referenceId":"\#($0)""# } ?? ""
        return #"""
            {"lifecycle":"\#(lifecycle)","content":{"title":"\#(title)","occurredAt":"2026-11-30T10:00:00Z","actorId":"agent-7",
             "payloads":[{"alg":"sha-256","digest":"\#(digest)","byteLength":"1024"}]\#(extra)}\#(reference)}
            """#
    }

    @Test(arguments: Backend.all)
    func anEntryIsCommittedWithAReceiptAnyoneCanCheckOffline(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let written = try await api.record(.post, "machine-action-record/run%2F42/transitions", key: key, body: Self.entry())
            #expect(written.status == .created, "\(written.text)")
            #expect(written.data["seq"] == .number("0") && written.data["entry"] == .number("1"))
            #expect(written.data["entityId"] == .string("run/42"))
            let answer = try await api.waitForRecordEntry("run%2F42", seq: 0, key: key)
            let receipt = try #require(answer.data["receipt"])
            #expect(receipt["schema"] == .string("semantic-receipt/v3"))
            #expect(receipt["recordHash"] == written.data["recordHash"])
            let tlog = try #require(receipt["logCheckpoint"]?["receipt"]?.string)
            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            guard case .array(let items) = contracts.data, let verifierKey = items.first?["publicKey"]?.string else { throw TestFailure("no key") }
            let report = try OfflineVerification.verify(recordEntry: receipt, tlogProof: tlog, verifierKey: verifierKey)
            #expect(report.seq == 0 && report.fields == 4)
            // One changed field, or a receipt for another place in the record, does not verify.
            let edited = try JSONParser.parse(Array(answer.text.replacingOccurrences(of: "Deployed model v7", with: "Deployed model v8").utf8))
            #expect(throws: OfflineVerification.Failure.self) {
                try OfflineVerification.verify(recordEntry: edited["data"]?["receipt"] ?? .null, tlogProof: tlog, verifierKey: verifierKey)
            }
            let moved = try JSONParser.parse(Array(answer.text.replacingOccurrences(of: #""seq":0"#, with: #""seq":1"#).utf8))
            #expect(throws: OfflineVerification.Failure.self) {
                try OfflineVerification.verify(recordEntry: moved["data"]?["receipt"] ?? .null, tlogProof: tlog, verifierKey: verifierKey)
            }
            // The public log's leaf names neither the record nor what it says.
            let leaf = receipt["logCheckpoint"]?["leafData"]?.string ?? ""
            #expect(LeafCommitment.isCommitment(Array(leaf.utf8)) && !leaf.contains("run/42") && !leaf.contains("Deployed"))
        }
    }

    @Test(arguments: Backend.all)
    func referencesLifecycleAndAmendsFollowTheLayout(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            let path = "machine-action-record/contract-9/transitions"
            // A first entry starts the record.
            let amendedFirst = try await api.record(.post, path, key: key, body: Self.entry(lifecycle: "amended"))
            #expect(amendedFirst.status == .conflict && amendedFirst.errorCode == "RECORD_LIFECYCLE_INVALID", "\(amendedFirst.text)")
            let first = try await api.record(.post, path, key: key, body: Self.entry(referenceId: "ref-1"))
            #expect(first.status == .created)
            let recordKey = first.data["recordKey"]?.string ?? ""
            // The same referenceId: the same entry again, or a conflict.
            let again = try await api.record(.post, path, key: key, body: Self.entry(referenceId: "ref-1"))
            #expect(again.status == .ok && again.data["seq"] == .number("0") && again.data["receiptId"] == first.data["receiptId"])
            // The first answer is built from the values written, the replay from the stored row:
            // the same entry either way (only its status may have moved on).
            func withoutStatus(_ data: JSONValue) -> JSONValue {
                guard case .object(let members) = data else { return data }
                return .object(members.filter { $0.0 != "status" })
            }
            #expect(withoutStatus(again.data) == withoutStatus(first.data), "\(first.text)\n\(again.text)")
            let reused = try await api.record(.post, path, key: key, body: Self.entry(title: "Other", referenceId: "ref-1"))
            #expect(reused.status == .conflict && reused.errorCode == "IDEMPOTENCY_CONFLICT")
            // amends: an earlier entry of this record, never one it does not have.
            let amends = #","amends":{"recordKey":"\#(recordKey)","seq":0}"#
            let amended = try await api.record(.post, path, key: key, body: Self.entry(lifecycle: "amended", extra: amends))
            #expect(amended.status == .created && amended.data["lifecycle"] == .string("amended"), "\(amended.text)")
            let ahead = #","amends":{"recordKey":"\#(recordKey)","seq":9}"#
            let badAmends = try await api.record(.post, path, key: key, body: Self.entry(lifecycle: "amended", extra: ahead))
            #expect(badAmends.status == .badRequest && badAmends.errorCode == "RECORD_AMENDS_INVALID")
            let foreign = #","amends":{"recordKey":"0x\#(String(repeating: "11", count: 32))","seq":0}"#
            #expect(
                try await api.record(.post, path, key: key, body: Self.entry(lifecycle: "amended", extra: foreign)).errorCode
                    == "RECORD_AMENDS_INVALID"
            )
            // Closed, then a word the layout forbids after closed: recorded as an attempt, state unchanged.
            #expect(try await api.record(.post, path, key: key, body: Self.entry(lifecycle: "closed")).status == .created)
            let attempt = try await api.record(.post, path, key: key, body: Self.entry(lifecycle: "recorded"))
            #expect(attempt.status == .created && attempt.data["attempted"] == .string("recorded") && attempt.data["lifecycle"] == .string("closed"))
            let receipt = try await api.waitForRecordEntry("contract-9", seq: 3, key: key).data["receipt"]
            guard case .array(let revealed)? = receipt?["revealed"] else { throw TestFailure("no revealed fields") }
            #expect(revealed.contains { $0["pointer"] == .string("/attemptedTarget") && $0["value"] == .string("recorded") })
            // Another record references this one: references are recorded as given.
            let references = #","references":[{"recordKey":"\#(recordKey)","seq":2}]"#
            #expect(
                try await api.record(.post, "machine-action-record/other/transitions", key: key, body: Self.entry(extra: references)).status
                    == .created
            )
        }
    }

    @Test(arguments: Backend.all)
    func historyPagesThroughEveryEntry(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            for index in 0..<5 {
                #expect(
                    try await api.record(.post, "machine-action-record/job-1/transitions", key: key, body: Self.entry(title: "step \(index)")).status
                        == .created
                )
            }
            _ = try await api.waitForRecordEntry("job-1", seq: 4, key: key)
            var seen: [String] = []
            var next: String? = "0"
            while let from = next {
                let page = try await api.record(.get, "machine-action-record/job-1/history?fromSeq=\(from)&limit=2", key: key)
                #expect(page.status == .ok && page.json["schema"] == .string("record-history-bundle/v1"), "\(page.text)")
                guard case .array(let receipts)? = page.json["receipts"] else { throw TestFailure("no receipts") }
                seen += receipts.compactMap {
                    $0["revealed"].flatMap { revealed in
                        if case .array(let fields) = revealed { fields.first { $0["pointer"] == .string("/title") }?["value"]?.string } else { nil }
                    }
                }
                next = page.headers[HTTPField.Name("x-next-from-seq") ?? .via]
            }
            #expect(seen == (0..<5).map { "step \($0)" })
            let bundle = try await api.record(.get, "machine-action-record/job-1/bundle?fromSeq=1&toSeq=2", key: key)
            #expect(bundle.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            // The digest is over the RFC 8785 text of the rest of the document (streamed, not built whole).
            guard case .object(let members) = bundle.json else { throw TestFailure("no bundle") }
            let rest = JSONValue.object(members.filter { $0.0 != "bundleDigest" })
            #expect(bundle.json["bundleDigest"] == .string(Hash.sha256(try JSONWriter.canonical(rest)).prefixedHex))
            guard case .array(let entries)? = bundle.json["entries"] else { throw TestFailure("no entries") }
            #expect(entries.map { $0["seq"] } == [.number("1"), .number("2")] && entries.allSatisfy { $0["status"] == .string("committed") })
            #expect(try await api.record(.get, "machine-action-record/none/history", key: key).errorCode == "RECORD_NOT_FOUND")
            #expect(try await api.record(.get, "machine-action-record/job-1/history?fromSeq=3&toSeq=1", key: key).status == .badRequest)
        }
    }

    /// Each tenant's record ids are its own: the same id in another tenant is another record.
    @Test func aRecordIdIsTheTenantsOwn() async throws {
        try await TestServer().run { api in
            let b = try await api.apiKey(try await api.account())
            let a = try await api.apiKey(try await api.account())
            let theirs = try await api.record(.post, "machine-action-record/shared-name/transitions", key: b, body: Self.entry(title: "B's"))
            let mine = try await api.record(.post, "machine-action-record/shared-name/transitions", key: a, body: Self.entry(title: "A's"))
            #expect(theirs.data["seq"] == .number("0") && mine.data["seq"] == .number("0"))
            #expect(theirs.data["recordKey"] != mine.data["recordKey"])
            _ = try await api.waitForRecordEntry("shared-name", seq: 0, key: b)
            let history = try await api.record(.get, "machine-action-record/shared-name/history", key: b)
            #expect(history.json["entryCount"] == .number("1") && !history.text.contains("A's"))
        }
    }

    @Test func hostileEntriesAreClearRefusals() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            func code(_ body: String, _ route: String = "machine-action-record/r/transitions") async throws -> String {
                let reply = try await api.record(.post, route, key: key, body: body)
                return "\(reply.status.code) \(reply.errorCode ?? "")"
            }
            #expect(try await code(Self.entry(), "no-such-type/r/transitions") == "400 RECORD_TYPE_UNKNOWN")
            #expect(try await code(Self.entry(), "Bad_Type/r/transitions") == "400 VALIDATION_ERROR")
            #expect(try await code(Self.entry(), "machine-action-record/\(String(repeating: "x", count: 300))/transitions") == "400 VALIDATION_ERROR")
            #expect(try await code(Self.entry(lifecycle: "deleted")) == "400 RECORD_STATE_UNKNOWN")
            #expect(try await code(Self.entry(title: String(repeating: "t", count: 121))) == "400 RECORD_TITLE_TOO_LONG")
            #expect(try await code(Self.entry(extra: #","note":"\#(String(repeating: "n", count: 70_000))""#)) == "413 RECORD_ENTRY_TOO_LARGE")
            #expect(try await code(Self.entry(extra: #","n":1e400"#)) == "400 RECORD_CONTENT_INVALID")
            #expect(try await code(#"{"lifecycle":"recorded","content":[]}"#) == "400 RECORD_CONTENT_INVALID")
            // An envelope makes it an encrypted entry, which carries no content in clear.
            #expect(try await code(#"{"lifecycle":"recorded","content":{"title":"t"},"envelope":{}}"#) == "400 VALIDATION_ERROR")
            #expect(try await code(#"{"lifecycle":"recorded","content":{"title":"t"},"amends":{}}"#) == "400 VALIDATION_ERROR")
            #expect(try await code(#"{"content":{}}"#) == "400 VALIDATION_ERROR")
            #expect(
                try await code(Self.entry(extra: #","payloads2":[{"alg":"hmac-sha-256","digest":"\#(Self.digest)","byteLength":"01"}]"#))
                    == "400 RECORD_CONTENT_INVALID"
            )
            // More than 65,535 list items cannot fit in 65,536 canonical bytes: the size refuses first.
            let many = (0..<66_000).map { _ in "0" }.joined(separator: ",")
            #expect(try await code(Self.entry(extra: #","bulk":[\#(many)]"#)) == "413 RECORD_ENTRY_TOO_LARGE")
            #expect(try await api.record(.get, "machine-action-record/r/receipts/-1", key: key).status == .badRequest)
            #expect(try await api.record(.get, "machine-action-record/r/receipts/99999999999999999999", key: key).status == .badRequest)
            #expect(try await api.record(.get, "machine-action-record/r/receipts/0", key: key).errorCode == "RECORD_NOT_FOUND")
            // Nothing refused was stored: the record has no entry.
            #expect(try await api.record(.get, "machine-action-record/r/history", key: key).errorCode == "RECORD_NOT_FOUND")
        }
    }

    /// `pacspace audit` recomputes every committed entry's record hash: an entry edited in
    /// the database is a finding.
    @Test func theAuditFindsAnEditedEntry() async throws {
        let server = TestServer()
        try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/audited/transitions", key: key, body: Self.entry())
            _ = try await api.waitForRecordEntry("audited", seq: 0, key: key)
        }
        let clean = try await server.withDatabase { try await Audit(database: $0) { _ in }.run(witnessDirectory: nil) }
        #expect(clean.findings.isEmpty, "\(clean.findings)")
        let edited = try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw("UPDATE record_entries SET content = REPLACE(content, 'Deployed model v7', 'Deployed model v8')").run()
            }
            return try await Audit(database: database) { _ in }.run(witnessDirectory: nil)
        }
        #expect(edited.findings.contains { $0.problem.contains("does not give its record hash") }, "\(edited.findings)")
    }

    /// The verification page of an entry: the proof for anyone with its receipt id; what the
    /// entry says only through the receipt's link (k); the JSON verify endpoint agrees.
    @Test func anEntrysPageShowsItsFieldsOnlyThroughItsLink() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            let written = try await api.record(.post, "machine-action-record/paged/transitions", key: key, body: Self.entry(title: "Private title"))
            let receipt = try await api.waitForRecordEntry("paged", seq: 0, key: key).data["receipt"]
            let id = try #require(written.data["receiptId"]?.string)
            #expect(id.hasPrefix("ent_"))
            let link = try #require(receipt?["verifyUrl"]?.string)
            #expect(link.hasPrefix("\(TestServer.publicURL)/verify/\(id)?k="))
            let local = String(link.dropFirst(TestServer.publicURL.count))
            let open = try await api.call(.get, local)
            #expect(open.status == .ok && open.text.contains("Private title") && open.text.contains(#"data-verdict="verified""#))
            let bare = try await api.call(.get, "/verify/\(id)")
            #expect(bare.status == .ok && !bare.text.contains("Private title") && bare.text.contains("data-kind=\"record-entry\""))
            #expect(try await api.call(.get, "/verify/\(id)/entry.json").status == .notFound)
            let file = try await api.call(.get, local.replacingOccurrences(of: "?k=", with: "/entry.json?k="))
            #expect(file.status == .ok && file.json["schema"] == .string("semantic-receipt/v3"))
            #expect(try await api.call(.get, "/verify/\(id)?k=\(String(repeating: "0", count: 32))").text.contains("Private title") == false)
            let verified = try await api.call(.get, "/api/v1/verify/\(id)")
            #expect(verified.status == .ok && verified.data["verified"] == .bool(true) && !verified.text.contains("Private"), "\(verified.text)")
        }
    }

    /// Appends written together (one transaction per group): each record's entries get
    /// distinct consecutive seqs, one reference is one entry however many send it at once,
    /// and a refused entry in the group refuses nothing else and leaves no record behind.
    @Test(arguments: Backend.all)
    func concurrentAppendsAreNumberedOnceAndRefusalsStayAlone(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            let replies = try await withThrowingTaskGroup(of: (String, Reply).self) { group in
                for index in 0..<60 {
                    group.addTask {
                        switch index % 3 {
                        case 0:
                            (
                                "busy",
                                try await api.record(.post, "machine-action-record/busy/transitions", key: key, body: Self.entry(title: "n\(index)"))
                            )
                        case 1:
                            (
                                "same",
                                try await api.record(.post, "machine-action-record/same/transitions", key: key, body: Self.entry(referenceId: "once"))
                            )
                        default:
                            (
                                "refused",
                                try await api.record(
                                    .post,
                                    "machine-action-record/never-\(index)/transitions",
                                    key: key,
                                    body: Self.entry(lifecycle: "amended")
                                )
                            )
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let busy = replies.filter { $0.0 == "busy" }.map(\.1)
            #expect(busy.allSatisfy { $0.status == .created }, "\(busy.filter { $0.status != .created }.map(\.text))")
            let seqs = busy.compactMap { reply -> Int? in if case .number(let text)? = reply.data["seq"] { Int(text) } else { nil } }
            #expect(seqs.sorted() == Array(0..<20))
            let same = replies.filter { $0.0 == "same" }.map(\.1)
            #expect(Set(same.compactMap { $0.data["receiptId"]?.string }).count == 1)
            #expect(
                same.filter { $0.status == .created }.count == 1 && same.filter { $0.status == .ok }.count == 19,
                "\(same.filter { $0.status != .ok }.map(\.text))"
            )
            #expect(replies.filter { $0.0 == "refused" }.allSatisfy { $0.1.errorCode == "RECORD_LIFECYCLE_INVALID" })
            #expect(try await api.record(.get, "machine-action-record/never-2/history", key: key).errorCode == "RECORD_NOT_FOUND")
            let history = try await api.record(.get, "machine-action-record/busy/history", key: key)
            #expect(history.json["entryCount"] == .number("20"))
        }
    }
}
