import Crypto
import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import SQLKit
import Testing

/// The server log (docs/witnesses.md): a log of the environments' signed checkpoints, one
/// checkpoint per publication interval at most, only for the environments that moved,
/// readable as C2SP tlog-tiles like any log.
@Suite struct ServerLogTests {
    @Test(arguments: Backend.all)
    func theServerLogHoldsEveryEnvironmentsCheckpoints(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.publishInterval = .milliseconds(100)
        let started = ContinuousClock.now
        try await server.run { api in
            // Two tenants, each with a log that moves.
            var logs: [(contract: String, key: String, verifier: NoteVerifier)] = []
            for _ in 0..<2 {
                let (key, contract, publicKey, _) = try await PublicLogTests.verifiedDeltas(api, count: 3)
                logs.append((contract, key, try NoteVerifier(verifierKey: publicKey)))
            }
            // Published once the server log holds each log's current checkpoint.
            let info = try await Self.waitForServerLog(api) { info in
                let leaves = try await Self.published(api, info)
                for log in logs where !leaves.contains(try await api.call(.get, "/api/v1/log/\(log.contract)/checkpoint").text) { return false }
                return true
            }
            #expect(info.data["origin"] == "pacspace.test/api/v1/server-log")
            #expect(info.data["tilesPrefix"] == "https://pacspace.test/api/v1/server-log" && info.data["publishIntervalMillis"] == 100)
            let verifier = try NoteVerifier(verifierKey: info.data["publicKey"]?.string ?? "")
            #expect(verifier.name == "pacspace.test/api/v1/server-log")

            // Every leaf is an environment's checkpoint, signed by its key; the latest of each
            // environment is its log's current checkpoint; the tiles make the signed root.
            let leaves = try await Self.published(api, info)
            let note = try await api.call(.get, "/api/v1/server-log/checkpoint")
            #expect(note.headers[.cacheControl] == "public, max-age=2")
            let signed = try Checkpoint.open(note.text, verifier: verifier)
            #expect(Int(signed.size) == leaves.count)
            let tile = try await api.call(.get, "/api/v1/server-log/tile/0/000.p/\(leaves.count)")
            #expect(tile.bytes == leaves.flatMap { Merkle.leafHash(Array($0.utf8)).bytes })
            #expect(PublicLogTests.treeHash(leaves.map { Merkle.leafHash(Array($0.utf8)) }) == signed.root)
            for log in logs {
                let mine = leaves.compactMap { try? Checkpoint.open($0, verifier: log.verifier) }
                #expect(!mine.isEmpty && mine.map(\.size) == mine.map(\.size).sorted(), "published in order")
                let current = try await api.call(.get, "/api/v1/log/\(log.contract)/checkpoint")
                #expect(leaves.last { (try? Checkpoint.open($0, verifier: log.verifier)) != nil } == current.text)
            }
            #expect(
                leaves.allSatisfy { $0.hasPrefix("pacspace.test/tnt_") && $0.contains("\n\n\u{2014} pacspace.test/tnt_") },
                "no leaf but the environments' signed checkpoints"
            )

            // Idle logs are not published again: the server log stands still.
            try await Task.sleep(for: .milliseconds(500))
            let later = try await Self.published(api, try await api.call(.get, "/api/v1/server-log"))
            #expect(later == leaves, "published while idle: \(later.dropFirst(leaves.count).map { $0.prefix(60) })")

            // One environment moves many times within an interval: one leaf for it per round.
            for index in 0..<20 {
                _ = try await api.balance(.post, "/delta", key: logs[0].key, body: #"{"customerId":"c","delta":1,"reason":"r\#(index)"}"#)
            }
            let moved = try await Self.waitForServerLog(api) { try await Self.published(api, $0).count > leaves.count }
            #expect(moved.data["treeSize"] != info.data["treeSize"])
        }
        // At most one server-log checkpoint per interval, whatever moved.
        let elapsed = ContinuousClock.now - started
        let signed = try await server.withDatabase { database in
            try await database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM server_log_checkpoints").first()?.decode(column: "n", as: Int64.self) ?? 0
            }
        }
        let rounds = Int64(elapsed / .milliseconds(100)) + 2
        #expect(signed >= 3 && signed <= rounds, "\(signed) server-log checkpoints in \(elapsed)")
    }

    /// Malformed paths and tiles past the tree are 404, as for an environment's log.
    @Test func tilesPastTheTreeAreNotFound() async throws {
        var server = TestServer()
        server.configuration.publishInterval = .milliseconds(50)
        try await server.run { api in
            _ = try await PublicLogTests.verifiedDeltas(api, count: 1)
            let info = try await Self.waitForServerLog(api) { try await Self.published(api, $0).count >= 1 }
            let size = Int(info.data["treeSize"]?.numberText ?? "") ?? 0
            for path in ["0/000", "0/000.p/\(size + 200)", "entries/000.p/\(size + 200)", "0/0", "x", "1/000.p/1"] {
                let reply = try await api.call(.get, "/api/v1/server-log/tile/" + path)
                #expect(reply.status == .notFound && reply.errorCode == "NOT_FOUND", "\(path)")
            }
        }
    }

    /// `witnessedAt` (docs/witnesses.md, "When an entry is witnessed"): null on a server
    /// without a witness policy, however often it publishes; under `quorum none` every
    /// publication is witnessed at once, so a delta and a record entry get a time no earlier
    /// than their commit, in the delta's shape, the entry's receipt and both dashboard pages.
    @Test(arguments: Backend.all)
    func deltasAndEntriesShowWhenTheyWereWitnessed(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.publishInterval = .milliseconds(50)
        try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"r"}"#)
            _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            _ = try await Self.waitForServerLog(api) { $0.data["treeSize"] != 0 }
            try await Task.sleep(for: .milliseconds(300))
            let delta = try await api.balance(.get, "/delta/\(emitted.data["recordId"]?.string ?? "")", key: key)
            #expect(delta.data["status"] == "VERIFIED" && delta.data["witnessedAt"] == .null, "no policy, no witness: \(delta.text)")
            _ = try await api.record(.post, "machine-action-record/unseen/transitions", key: key, body: RecordsTests.entry())
            _ = try await api.waitForRecordEntry("unseen", seq: 0, key: key)
            let history = try await api.record(.get, "machine-action-record/unseen/history", key: key)
            #expect(history.status == .ok && history.json["witnessed"] == .null, "\(history)")
        }
        server.configuration.witnessPolicy = try WitnessPolicy(parsing: "quorum none\n")
        try await server.run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"seen","delta":2,"reason":"r"}"#)
            let recordID = emitted.data["recordId"]?.string ?? ""
            #expect(emitted.data["witnessedAt"] == .null, "an answer to a write is never witnessed yet")
            _ = try await api.waitForDelta(recordID, key: key)
            let written = try await api.record(.post, "machine-action-record/job/transitions", key: key, body: RecordsTests.entry())
            #expect(written.status == .created, "\(written.text)")
            _ = try await api.waitForRecordEntry("job", seq: 0, key: key)

            var delta = try await api.balance(.get, "/delta/\(recordID)", key: key)
            var receipt = try await api.record(.get, "machine-action-record/job/receipts/0", key: key)
            let start = ContinuousClock.now
            var pause = PollingPause()
            while delta.data["witnessedAt"] == .null || receipt.data["receipt"]?["witnessedAt"] == .null, ContinuousClock.now - start < .seconds(10) {
                try await pause.wait()
                delta = try await api.balance(.get, "/delta/\(recordID)", key: key)
                receipt = try await api.record(.get, "machine-action-record/job/receipts/0", key: key)
            }
            let witnessed = delta.data["witnessedAt"]?.string ?? ""
            #expect(!witnessed.isEmpty && witnessed >= (delta.data["verifiedAt"]?.string ?? "~"), "\(delta.text)")
            let entryWitnessed = receipt.data["receipt"]?["witnessedAt"]?.string ?? ""
            #expect(!entryWitnessed.isEmpty && entryWitnessed >= (receipt.data["receipt"]?["committedAt"]?.string ?? "~"), "\(receipt.text)")
            // The receipt, once witnessed, is against the environment checkpoint the server log
            // holds, and carries the chain to its witnessed checkpoint (none asked: no cosignature).
            let proof = delta.data["proof"]
            let serverLogReceipt = proof?["witnessed"]?["serverLogReceipt"]?.string ?? ""
            let report = try OfflineVerification.verifyWitnesses(
                environmentCheckpoint: proof?["checkpoint"]?.string ?? "",
                serverLogReceipt: serverLogReceipt,
                policy: try WitnessPolicy(
                    parsing: "log \(try await api.call(.get, "/api/v1/server-log").data["publicKey"]?.string ?? "")\nquorum none\n"
                )
            )
            #expect(report.quorumMet && report.witnesses.isEmpty && proof?["witnessed"]?["witnessedAt"]?.string == witnessed)
            #expect(receipt.data["receipt"]?["logCheckpoint"]?["witnessed"]?["serverLogReceipt"] != nil)
            let again = try await api.balance(.get, "/delta/\(recordID)", key: key)
            #expect(again.data["proof"] == proof, "a witnessed receipt is the same at every read")
            // A history page is proved against the witnessed checkpoint holding its last entry,
            // and carries that checkpoint's chain once, in its head.
            let history = try await api.record(.get, "machine-action-record/job/history", key: key)
            let single = receipt.data["receipt"]?["logCheckpoint"]
            let paged = history.json["receipts"]?.arrayValue?.first?["logCheckpoint"]
            #expect(history.json["witnessed"]?["witnessedAt"]?.string == entryWitnessed, "\(history)")
            #expect(paged?["receipt"] == single?["receipt"] && paged?["witnessed"] == .null, "\(history)")
            let pageChain = try OfflineVerification.verifyWitnesses(
                environmentCheckpoint: paged?["checkpoint"]?.string ?? "",
                serverLogReceipt: history.json["witnessed"]?["serverLogReceipt"]?.string ?? "",
                policy: try WitnessPolicy(
                    parsing: "log \(try await api.call(.get, "/api/v1/server-log").data["publicKey"]?.string ?? "")\nquorum none\n"
                )
            )
            #expect(pageChain.quorumMet)
            // A Shared Record link's seal history likewise.
            let shared = try await api.record(.post, "machine-action-record/job/share", key: key, body: #"{"ttlHours":1,"accessCode":false}"#)
            let seals = try await api.call(.get, "/api/v1/c/\(try #require(shared.data["handle"]?.string, "\(shared)"))/history")
            #expect(seals.json["witnessed"] == history.json["witnessed"], "\(seals)")
            #expect(seals.json["entries"]?.arrayValue?.first?["checkpoint"] == paged?["checkpoint"], "\(seals)")
            let page = try await api.call(.get, "/verify/\(delta.data["receiptId"]?.string ?? "")")
            #expect(page.text.contains(#"id="server-log-receipt""#) && page.text.contains("The policy’s quorum is met."))

            let listed = try await api.balance(.get, "/customers/seen", key: key)
            #expect(listed.text.contains(witnessed), "the list reads the same column: \(listed.text.prefix(400))")

            var browser = DashboardPagesTests.Browser()
            _ = try await browser.login(api, account)
            let customer = try await browser.get(api, "/app/customers/seen?environment=testnet")
            #expect(customer.status == .ok && customer.text.contains("<th scope=\"col\">Witnessed</th>") && customer.text.contains(witnessed))
            let record = try await browser.get(api, "/app/records/machine-action-record/job?environment=testnet")
            #expect(record.status == .ok && record.text.contains(entryWitnessed) && !record.text.contains("<td>—</td>"))
        }
    }

    /// A halted server log (docs/witnesses.md, "A split view"; the fork itself is
    /// Tests/e2e/test_witness.py's): nothing more is published, the operator's `/readyz` and
    /// `/metrics` and every tenant's environments page say so, and resuming publishes again.
    @Test(arguments: Backend.all)
    func aHaltedServerLogSaysSoAndPublishesNothing(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.publishInterval = .milliseconds(50)
        server.configuration.metricsToken = MetricsTests.token
        try await server.run { [server] api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"r"}"#)
            _ = try await Self.waitForServerLog(api) { $0.data["treeSize"] != 0 }
            try await server.withDatabase {
                try await ServerLogStore(database: $0).halt(reason: "witness W: the witness holds another root at size 1")
            }
            try await Task.sleep(for: .milliseconds(100))  // a round under way when it halted ends
            let before = try await api.call(.get, "/api/v1/server-log")
            let ready = try await api.call(.get, "/readyz", token: MetricsTests.token)
            #expect(ready.status == .ok && ready.data["serverLogHalted"]?.string?.contains("another root") == true, "\(ready.text)")
            #expect(try await api.call(.get, "/readyz").text.contains("another root") == false, "the reason is the operator's")
            let metrics = try await api.call(.get, "/metrics", token: MetricsTests.token)
            #expect(metrics.text.contains("pacspace_server_log_halted 1.0"))
            var browser = DashboardPagesTests.Browser()
            _ = try await browser.login(api, account)
            let page = try await browser.get(api, "/app/environments")
            #expect(page.text.contains("Witnessing is stopped") && !page.text.contains("another root"))
            // How to follow the logs: the server log's key and the environment's, in a policy to
            // complete, and the command with both tiles prefixes.
            let serverLogKey = before.data["publicKey"]?.string ?? "?"
            let contract = try await api.call(.get, "/dashboard/contracts", token: account.accessToken).data[0]
            #expect(page.text.contains("log \(serverLogKey)\nlog \(contract?["publicKey"]?.string ?? "?")\n"), "\(page)")
            let prefix = TestServer.publicURL
            #expect(
                page.text.contains(
                    "pacspace monitor --log \(prefix)/api/v1/server-log --environment \(prefix)/api/v1/log/\(contract?["id"]?.string ?? "?")"
                )
            )

            _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"halted"}"#)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await api.call(.get, "/api/v1/server-log").data["treeSize"] == before.data["treeSize"], "published while halted")

            let resumed = try await server.withDatabase { try await ServerLogStore(database: $0).resume() }
            #expect(resumed?.contains("another root") == true)
            _ = try await Self.waitForServerLog(api) { $0.data["treeSize"] != before.data["treeSize"] }
            #expect(!(try await browser.get(api, "/app/environments")).text.contains("Witnessing is stopped"))
        }
    }

    /// Polls `GET /api/v1/server-log` until `done` holds of it.
    static func waitForServerLog(_ api: API, until done: (Reply) async throws -> Bool) async throws -> Reply {
        let start = ContinuousClock.now
        var pause = PollingPause()
        while ContinuousClock.now - start < .seconds(10) {
            let reply = try await api.call(.get, "/api/v1/server-log")
            if reply.status == .ok, try await done(reply) { return reply }
            try await pause.wait()
        }
        throw TestFailure("the server log did not get there in 10 s")
    }

    /// The server log's leaves, read from its entry bundles (gzip left out).
    static func published(_ api: API, _ info: Reply) async throws -> [String] {
        let size = Int(info.data["treeSize"]?.numberText ?? "") ?? 0
        var leaves: [String] = []
        for index in 0..<(size + 255) / 256 {
            let width = min(256, size - index * 256)
            guard let tile = Tile(level: 0, index: UInt64(index), width: width) else { break }
            let bundle = try await api.call(.get, "/api/v1/server-log/" + tile.entriesPath, headers: [.acceptEncoding: "identity"])
            leaves += (EntryBundle.decode(bundle.bytes) ?? []).map { String(decoding: $0, as: UTF8.self) }
        }
        return leaves
    }
}

/// `PACSPACE_WITNESS_POLICY` refusals at start-up: a missing or malformed file (with its
/// line), a witness URL that is not http(s), and more witnesses with a URL than a receipt
/// carries (``ServerConfiguration/maxAskedWitnesses``).
@Suite struct WitnessPolicyConfigurationTests {
    static func witness(_ index: Int, url: String = "https://w.example/") throws -> String {
        let signer = try Cosignature.Signer(name: "witness.test/w\(index)", privateKey: .init())
        return "witness W\(index) \(signer.verifierKey) \(url)"
    }

    static func refusal(_ policy: String?) -> String? {
        let path = Scratch.path("policy-\(UUID().uuidString)")
        if let policy { FileManager.default.createFile(atPath: path, contents: Data(policy.utf8)) }
        var configuration = ServerConfiguration()
        do {
            try configuration.apply(environment: ["PACSPACE_WITNESS_POLICY": path])
            return nil
        } catch { return "\(error)" }
    }

    @Test func badPoliciesStopTheServerWithTheirReason() throws {
        #expect(Self.refusal(nil) != nil, "a missing file")
        #expect(Self.refusal("quorum W1\n")?.contains("line 1") == true)
        #expect(Self.refusal("\(try Self.witness(0, url: "ftp://w.example/"))\nquorum W0\n")?.contains("http(s)") == true)
        let many = try (0...ServerConfiguration.maxAskedWitnesses).map { try Self.witness($0) }.joined(separator: "\n")
        #expect(Self.refusal(many + "\nquorum W0\n")?.contains("at most 32") == true)
        let enough = try (0..<ServerConfiguration.maxAskedWitnesses).map { try Self.witness($0) }.joined(separator: "\n")
        #expect(Self.refusal(enough + "\nquorum W0\n") == nil)
    }
}
