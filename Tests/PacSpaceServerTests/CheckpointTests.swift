import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Checkpoints: sealing a period, its proofRoot, its log entry, public verification.
@Suite struct CheckpointTests {
    @Test(arguments: Backend.all)
    func checkpointSealsAPeriodAndIsVerifiable(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            var emitted: [JSONValue] = []
            for amount in ["4", "-1.5", "10"] {
                emitted.append(
                    try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"chk-c","delta":\#(amount),"reason":"r"}"#).data
                )
            }
            _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"other","delta":99,"reason":"r"}"#)
            let lastRecord = emitted.last?["recordId"]?.string ?? ""
            _ = try await api.waitForDelta(lastRecord, key: key)

            let created = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"chk-c"}"#)
            #expect(created.status == .created)
            let data = created.data
            #expect(data["deltaCount"] == 3)
            #expect(data["netChange"] == .number("12.5"))
            #expect(data["startingBalance"] == 0)
            #expect(data["endingBalance"] == .number("12.5"))
            #expect(data["scope"]?["customerId"] == "chk-c")
            // proofRoot recomputed from the deltas' own content hashes, in log order.
            let hashes = emitted.compactMap { $0["contentHash"]?.string.flatMap(Hash.init(prefixedHex:)) }
            // v2: bound to the environment's log origin and the checkpoint's scope as the answer states it.
            let origin = try await api.logOrigin(account)
            let scope = try #require(data["scope"])
            #expect(data["proofRoot"]?.string == (try PeriodRoot.root(.v2, of: hashes, origin: origin, scope: scope)).prefixedHex)

            let again = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"chk-c","timePreset":"current_month"}"#)
            #expect(again.status == .ok)
            #expect(again.data["checkpointId"] == data["checkpointId"])

            // The entry joins the log and becomes VERIFIED with a receipt.
            var verified = again
            var pause = PollingPause()
            for _ in 0..<1000 where verified.data["status"] != "VERIFIED" {  // up to ~100 s: a hang
                try await pause.wait()
                verified = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"chk-c"}"#)
            }
            #expect(verified.data["status"] == "VERIFIED")
            let receipt = try #require(verified.data["logCheckpoint"]?["receipt"]?.string)
            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            guard case .array(let items) = contracts.data, let publicKey = items.first?["publicKey"]?.string else { throw TestFailure("no key") }
            let leaf = Array((verified.data["logCheckpoint"]?["leafData"]?.string ?? "").utf8)
            #expect(try TlogProof(parsing: receipt).verify(leafData: leaf, verifier: NoteVerifier(verifierKey: publicKey)).size >= 5)
            // The log holds a commitment to the checkpoint's entry, rebuilt here from its fields.
            let sealed = verified.data
            let opening = try LogEntry.checkpointLeaf(
                .v2,
                checkpointID: sealed["checkpointId"]?.string ?? "",
                proofRoot: try #require(Hash(prefixedHex: sealed["proofRoot"]?.string ?? "")),
                scope: sealed["scope"] ?? .null,
                deltaCount: Int64(sealed["deltaCount"]?.numberText ?? "") ?? -1,
                netChange: try Amount(parsing: sealed["netChange"]?.numberText ?? sealed["netChange"]?.string ?? "")
            )
            #expect(leaf == LeafCommitment.leaf(committingTo: opening))

            // Public verification by proofRoot: the summary, no customer.
            let proofRoot = data["proofRoot"]?.string ?? ""
            for source in ["db", "chain", "both"] {
                let public_ = try await api.call(.get, "/api/v1/verify/\(proofRoot)?source=\(source)")
                #expect(public_.status == .ok)
                #expect(public_.data["kind"] == "checkpoint")
                #expect(public_.data["verified"] == true, "\(source)")
                #expect(public_.data["summary"]?["recordCount"] == 3)
                #expect(public_.data["summary"]?["endingBalance"] == .number("12.5"))
                #expect(!public_.text.contains("chk-c"))
            }

            // Whole environment, listing, a checkpoint start.
            let whole = try await api.balance(.post, "/checkpoint", key: key, body: #"{}"#)
            #expect(whole.status == .created)
            #expect(whole.data["deltaCount"] == 4)
            #expect(whole.data["customerId"] == .null)
            let after = try await api.balance(
                .post,
                "/checkpoint",
                key: key,
                body: #"{"customerId":"chk-c","startingCheckpoint":"\#(emitted[0]["recordId"]?.string ?? "")"}"#
            )
            #expect(after.data["deltaCount"] == 2)
            #expect(after.data["startingBalance"] == 4)
            #expect(after.data["endingBalance"] == .number("12.5"))
            let list = try await api.balance(.get, "/checkpoints?customerId=chk-c", key: key)
            #expect(list.data["total"] == 2)
            #expect(try await api.balance(.get, "/checkpoints", key: key).data["total"] == 3)
            for bad in ["limit=0", "limit=101", "offset=-1", "period=2026-13", "offset=", "limit=1&limit=2", "customerId=", "customerId=bad%20id"] {
                #expect(try await api.balance(.get, "/checkpoints?\(bad)", key: key).status == .badRequest, "\(bad)")
            }

            for (body, code) in [
                (#"{"customerId":"nobody"}"#, "CUSTOMER_NOT_FOUND"), (#"{"period":"2026-10","timePreset":"custom"}"#, "INVALID_SCOPE_COMBINATION"),
                (#"{"customerId":"chk-c","period":"2999-01"}"#, "VALIDATION_ERROR"), (#"{"startingCheckpoint":"rec_x"}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"bad id"}"#, "VALIDATION_ERROR"), (#"{"mode":"x"}"#, "VALIDATION_ERROR"),
            ] {
                #expect(try await api.balance(.post, "/checkpoint", key: key, body: body).errorCode == code, "\(body)")
            }
            // Deltas after the checkpoint entry still verify (the queue is shared).
            let later = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"chk-c","delta":1,"reason":"later"}"#)
            #expect(try await api.waitForDelta(later.data["recordId"]?.string ?? "", key: key).data["status"] == "VERIFIED")
        }
    }
}

@Suite struct CheckpointStartTests {
    @Test func deriveFromAPeriodCheckpointsProofRoot() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            let first = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"cs","delta":3,"reason":"before"}"#)
            _ = try await api.waitForDelta(first.data["recordId"]?.string ?? "", key: key)
            // A window that ends now seals the first delta; later deltas fall after it.
            let now = Date()
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let sealed = try await api.balance(
                .post,
                "/checkpoint",
                key: key,
                body: """
                    {"customerId":"cs","startDate":"\(formatter.string(from: now.addingTimeInterval(-3600)))",
                    "endDate":"\(formatter.string(from: now.addingTimeInterval(0.001)))"}
                    """
            )
            #expect(sealed.data["deltaCount"] == 1)
            try await Task.sleep(for: .milliseconds(20))
            let later = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"cs","delta":4,"reason":"after"}"#)
            _ = try await api.waitForDelta(later.data["recordId"]?.string ?? "", key: key)
            let root = sealed.data["proofRoot"]?.string ?? ""
            let derived = try await api.balance(
                .get,
                "/derive/cs?startingCheckpoint=\(root)&startingCheckpointType=proofRoot&startingBalance=3",
                key: key
            )
            #expect(derived.status == .ok, "\(derived.text)")
            #expect(derived.data["deltasCount"] == 1)
            #expect(derived.data["computedBalance"] == 7)
            #expect(
                try await api.balance(.get, "/derive/cs?startingCheckpoint=0x\(String(repeating: "ab", count: 32))", key: key).errorCode
                    == "VALIDATION_ERROR"
            )
        }
    }
}
