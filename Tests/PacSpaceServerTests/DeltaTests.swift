import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import SQLKit
import Testing

/// The delta write path: emit, batch, status, receipts (docs/api.md §5, docs/verification.md).
@Suite struct DeltaTests {
    @Test(arguments: Backend.all)
    func emittedDeltaBecomesVerifiedWithAReceiptAnyoneCanCheck(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let emitted = try await api.balance(
                .post,
                "/delta",
                key: key,
                body: """
                    {"customerId":"cust_1","delta":12.50,"reason":"GPU hours","referenceId":"inv-1","metadata":{"units":3,"region":"eu"}}
                    """
            )
            #expect(emitted.status == .created)
            let data = emitted.data
            #expect(
                data.keys.isSuperset(of: [
                    "recordId", "receiptId", "status", "customerId", "delta", "reason", "referenceId", "sequenceNumber", "contentHash", "createdAt",
                ])
            )
            #expect(data["status"] == "QUEUED")
            #expect(data["delta"] == .number("12.5"))
            #expect(data["sequenceNumber"] == 1)
            // The content hash is recomputable from the answer's own fields.
            let content = DeltaContent(
                recordID: data["recordId"]?.string ?? "",
                customerID: "cust_1",
                sequenceNumber: 1,
                delta: try Amount(parsing: "12.5"),
                reason: "GPU hours",
                referenceID: "inv-1",
                metadata: try data["metadata"].map { try CanonicalJSON($0) },
                adjusts: nil,
                createdAt: try #require(Self.millis(data["createdAt"]?.string))
            )
            #expect(content.contentHash().prefixedHex == data["contentHash"]?.string)

            let verified = try await api.waitForDelta(data["recordId"]?.string ?? "", key: key)
            #expect(verified.data["status"] == "VERIFIED")
            #expect(verified.data["logIndex"] == 0)
            let proof = try #require(verified.data["proof"])
            #expect(proof.keys == ["leafData", "logIndex", "treeSize", "inclusionProof", "checkpoint", "receipt", "witnessed"])
            #expect(proof["witnessed"] == .null, "no witness policy: never witnessed")
            // The log holds a commitment to the delta's leaf, never the leaf (docs/verification.md).
            let opening = LogEntry.delta(receiptID: data["receiptId"]?.string ?? "", contentHash: content.contentHash()).leafData
            let leaf = LeafCommitment.leaf(committingTo: opening)
            #expect(proof["leafData"]?.string == String(decoding: leaf, as: UTF8.self))

            // Offline check with the environment's verifier key from the contracts list.
            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            guard case .array(let items) = contracts.data, let publicKey = items.first?["publicKey"]?.string else { throw TestFailure("no key") }
            let receipt = try TlogProof(parsing: proof["receipt"]?.string ?? "")
            let checkpoint = try receipt.verify(leafData: leaf, verifier: NoteVerifier(verifierKey: publicKey))
            #expect(checkpoint.size >= 1)
            #expect(receipt.checkpoint == proof["checkpoint"]?.string)
            #expect(throws: NoteError.self, "a changed leaf must not verify") {
                try receipt.verify(leafData: leaf + [0x20], verifier: NoteVerifier(verifierKey: publicKey))
            }
        }
    }

    static func millis(_ iso: String?) -> Int64? {
        guard let iso else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: iso).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    @Test(arguments: Backend.all)
    func sequenceNumbersCountPerCustomer(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            var seen: [String: [JSONValue]] = [:]
            for (index, customer) in ["a", "b", "a", "a", "b"].enumerated() {
                let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"\#(customer)","delta":-1,"reason":"r\#(index)"}"#)
                seen[customer, default: []].append(reply.data["sequenceNumber"] ?? .null)
            }
            #expect(seen["a"] == [1, 2, 3])
            #expect(seen["b"] == [1, 2])
        }
    }
}

@Suite struct DeriveTests {
    @Test(arguments: Backend.all)
    func balanceIsTheSumOfVerifiedDeltas(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            var last = ""
            for amount in ["10.25", "-3.000001", "0.75", "100"] {
                last =
                    try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"acct-9","delta":\#(amount),"reason":"usage"}"#)
                    .data["recordId"]?.string ?? ""
            }
            _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"other","delta":5,"reason":"usage"}"#)
            _ = try await api.waitForDelta(last, key: key)
            let derived = try await api.balance(.get, "/derive/acct-9?startingBalance=1.5&limit=2&offset=1", key: key)
            #expect(derived.status == .ok)
            #expect(derived.data["computedBalance"] == .number("109.499999"))
            #expect(derived.data["startingBalance"] == .number("1.5"))
            #expect(derived.data["deltasCount"] == 4)
            guard case .array(let page)? = derived.data["deltas"] else { throw TestFailure("no deltas") }
            #expect(page.map { $0["delta"] ?? .null } == [.number("-3.000001"), .number("0.75")])
            #expect(derived.data["latestReceiptId"]?.string?.hasPrefix("rcpt_") == true)

            let unknown = try await api.balance(.get, "/derive/nobody", key: key)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "CUSTOMER_NOT_FOUND")
            for bad in [
                "limit=0", "limit=1001", "offset=-1", "startingBalance=abc", "startingBalance=0.0000001", "period=2026-13",
                "period=2999-01", "timePreset=yesterday", "startDate=2026-11-02&endDate=2026-11-01",
                // Every query parameter, not only integers: given empty or twice is 400.
                "period=", "period=2026-01&period=2026-02", "startingBalance=1&startingBalance=2",
            ] {
                #expect(try await api.balance(.get, "/derive/acct-9?\(bad)", key: key).errorCode == "VALIDATION_ERROR", "\(bad)")
            }
        }
    }
}

@Suite struct ScopedDeriveTests {
    @Test(arguments: Backend.all)
    func scopesSelectTheRightDeltas(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            var records: [String] = []
            for amount in [5, 7, -2] {
                records.append(
                    try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"s","delta":\#(amount),"reason":"r"}"#)
                        .data["recordId"]?.string ?? ""
                )
            }
            _ = try await api.waitForDelta(records[2], key: key)
            let now = Date()
            let formatter = ISO8601DateFormatter()
            let month = String(formatter.string(from: now).prefix(7))
            let previous = String(formatter.string(from: now.addingTimeInterval(-40 * 86_400)).prefix(7))
            let start = formatter.string(from: now.addingTimeInterval(-3600))
            let end = formatter.string(from: now.addingTimeInterval(3600))
            let expectations: [(String, JSONValue, Int)] = [
                ("", 10, 3), ("period=\(month)", 10, 3), ("timePreset=current_month", 10, 3), ("period=\(previous)", 0, 0),
                ("timePreset=custom&startDate=\(start)&endDate=\(end)", 10, 3),
                ("startDate=\(start)&endDate=\(end)&startingBalance=1.5", .number("11.5"), 3),
                ("startingCheckpoint=\(records[0])", 5, 2),
                ("startingCheckpoint=\(records[1])&startingCheckpointType=recordId&startingBalance=12", 10, 1),
            ]
            for (query, balance, count) in expectations {
                let reply = try await api.balance(.get, "/derive/s?\(query)", key: key)
                #expect(reply.status == .ok, "\(query): \(reply.text)")
                #expect(reply.data["computedBalance"] == balance, "\(query)")
                #expect(reply.data["deltasCount"] == .int(count), "\(query)")
                #expect(reply.data["deltas"]?.count == count, "\(query)")
            }
            #expect(try await api.balance(.get, "/derive/s?period=\(month)", key: key).data["scope"]?["startDate"]?.string?.hasPrefix(month) == true)
            for query in [
                "period=\(month)&timePreset=current_month", "startingCheckpoint=\(records[0])&period=\(month)",
                "startDate=\(start)", "timePreset=custom&endDate=\(end)", "timePreset=current_month&startDate=\(start)&endDate=\(end)",
            ] {
                #expect(try await api.balance(.get, "/derive/s?\(query)", key: key).errorCode == "INVALID_SCOPE_COMBINATION", "\(query)")
            }
            #expect(try await api.balance(.get, "/derive/s?startDate=2020-01-01&endDate=2026-01-01", key: key).errorCode == "SCOPE_TOO_WIDE")
            #expect(try await api.balance(.get, "/derive/s?startingCheckpoint=rec_unknown", key: key).status == .badRequest)
        }
    }

    /// The sequencer reads the queue in a window of positions just past its tree
    /// (`LogStore.queued`): positions never given out, more than a window's worth, cannot
    /// leave the next delta QUEUED.
    @Test(arguments: Backend.all)
    func aGapInQueuePositionsDoesNotStallTheLog(backend: Backend) async throws {
        let server = TestServer(backend)
        let (key, first) = try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            let first = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"before"}"#)
            let record = first.data["recordId"]?.string ?? ""
            #expect(try await api.waitForDelta(record, key: key).data["status"] == "VERIFIED")
            return (key, record)
        }
        // Only this test's environment: PostgreSQL's test database is shared, and a hole in
        // every environment's queue once made all the servers of a run plan each of them at
        // every poll (tests timed out waiting for their deltas).
        try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw(
                    """
                    UPDATE environments SET queue_position = queue_position + 20000
                    WHERE id = (SELECT environment_id FROM deltas WHERE record_id = \(bind: first))
                    """
                ).run()
            }
        }
        try await server.run { api in
            let next = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"after the gap"}"#)
            #expect(try await api.waitForDelta(next.data["recordId"]?.string ?? "", key: key).data["status"] == "VERIFIED")
        }
    }
}
