import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import Testing

/// The sequencer refuses to sign over a database restored from an older copy: the last
/// checkpoint it signed (kept outside the database) is not in the restored tree.
@Suite struct RestoreTests {
    @Test func restoredOlderDatabaseIsDetectedAndNotSignedOver() async throws {
        var operated = TestServer()
        operated.configuration.metricsToken = "operator-token"
        let server = operated
        let file = (server.configuration.dataDirectory as NSString).appendingPathComponent("pacspace.sqlite")
        let backup = file + ".backup"
        let key = try await server.run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            for index in 0..<3 {
                let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"before \#(index)"}"#)
                _ = try await api.waitForDelta(reply.data["recordId"]?.string ?? "", key: key)
            }
            return key
        }
        // A copy of the database after three entries (the server is stopped: no WAL left behind).
        try FileManager.default.copyItem(atPath: file, toPath: backup)
        try await server.run { api in
            for index in 0..<3 {
                let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"after \#(index)"}"#)
                #expect(try await api.waitForDelta(reply.data["recordId"]?.string ?? "", key: key).data["status"] == "VERIFIED")
            }
        }
        // Restore the older copy; the witness directory still remembers the size-6 checkpoint.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        try FileManager.default.moveItem(atPath: backup, toPath: file)
        try await server.run { api in
            let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"after restore"}"#)
            #expect(reply.status == .created, "accepting (durably queueing) is still safe")
            try await Task.sleep(for: .milliseconds(300))
            let status = try await api.balance(.get, "/delta/\(reply.data["recordId"]?.string ?? "")", key: key)
            #expect(status.data["status"] == "QUEUED", "nothing may be signed over the restored tree")
            // One halted environment leaves the server ready (its other tenants are served);
            // why it halted is the operator's to read, not the public's.
            let ready = try await api.call(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(!ready.text.contains("inconsistent"), "\(ready.text)")
            let detail = try await api.call(.get, "/readyz", token: "operator-token")
            #expect(detail.status == .ok)
            #expect(detail.text.contains("inconsistent with its last signed checkpoint"), "\(detail.text)")
            #expect(try await api.call(.get, "/readyz", token: "wrong-token").status == .unauthorized)
        }
        #expect(server.logs.all.contains { $0.contains("refusing to sign") && $0.contains("size 3") && $0.contains("size 6") })
    }

    /// The witness files are written after the batch, off the sequencer's path
    /// (`WitnessFiles`); one that cannot be written halts its environment — nothing more is
    /// signed while the evidence cannot be kept — until it can again, then it resumes by itself.
    @Test func anUnwritableWitnessFileHaltsItsEnvironmentUntilItCanBeWritten() async throws {
        var operated = TestServer()
        operated.configuration.metricsToken = "operator-token"
        let server = operated
        let witnesses = (server.configuration.dataDirectory as NSString).appendingPathComponent("witness")
        try await server.run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            func emit(_ reason: String) async throws -> String {
                let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"\#(reason)"}"#)
                return reply.data["recordId"]?.string ?? ""
            }
            #expect(try await api.waitForDelta(try await emit("first"), key: key).data["status"] == "VERIFIED")
            // The file is written after the batch's commit, soon.
            func files() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: witnesses)) ?? []).filter { $0.hasSuffix(".checkpoint") }
            }
            for _ in 0..<100 where files().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            try #require(files().count == 1)
            let file = (witnesses as NSString).appendingPathComponent(files()[0])
            func size() -> Substring? {
                String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self).split(separator: "\n").dropFirst().first
            }
            #expect(size() == "1")
            // A directory where the file is written first (the previous one kept there goes):
            // open() fails (EISDIR), even for root.
            try? FileManager.default.removeItem(atPath: file + ".partial")
            try FileManager.default.createDirectory(atPath: file + ".partial", withIntermediateDirectories: false)
            // Its batch commits (the file is written after), and the failure is found before the next batch.
            #expect(try await api.waitForDelta(try await emit("second"), key: key).data["status"] == "VERIFIED")
            try await Task.sleep(for: .milliseconds(300))
            let held = try await emit("third")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await api.balance(.get, "/delta/\(held)", key: key).data["status"] == "QUEUED")
            let detail = try await api.call(.get, "/readyz", token: "operator-token")
            #expect(detail.text.contains("cannot be written"), "\(detail.text)")
            #expect(size() == "1")
            try FileManager.default.removeItem(atPath: file + ".partial")
            #expect(try await api.waitForDelta(held, key: key).data["status"] == "VERIFIED")
        }
        // After a graceful stop the file names the whole tree: all three entries.
        let files = try FileManager.default.contentsOfDirectory(atPath: witnesses).filter { $0.hasSuffix(".checkpoint") }
        let note = files.first.flatMap { FileManager.default.contents(atPath: (witnesses as NSString).appendingPathComponent($0)) }
        #expect(String(decoding: note ?? Data(), as: UTF8.self).split(separator: "\n").dropFirst().first == "3")
    }

    /// A witness file that is no signed checkpoint is read with the log's own note parser
    /// (`WitnessFile`): the sequencer halts its environment rather than sign without the
    /// evidence, `pacspace audit` reports it, and the environment resumes once the file is
    /// whole again.
    @Test func aDamagedWitnessFileHaltsItsEnvironmentAndIsAnAuditFinding() async throws {
        var operated = TestServer()
        operated.configuration.metricsToken = "operator-token"
        let server = operated
        let witnesses = (server.configuration.dataDirectory as NSString).appendingPathComponent("witness")
        @Sendable func emit(_ api: API, _ key: String, _ reason: String) async throws -> String {
            let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"\#(reason)"}"#)
            return reply.data["recordId"]?.string ?? ""
        }
        let key = try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            #expect(try await api.waitForDelta(try await emit(api, key, "first"), key: key).data["status"] == "VERIFIED")
            return key
        }
        // Stopped: the file names the whole tree.
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: witnesses).first { $0.hasSuffix(".checkpoint") })
        let file = (witnesses as NSString).appendingPathComponent(name)
        let whole = try #require(FileManager.default.contents(atPath: file))
        try Data("not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: file))
        let audit = try await server.withDatabase { try await Audit(database: $0) { _ in }.run(witnessDirectory: witnesses) }
        #expect(audit.findings.contains { "\($0)".contains("damaged") }, "\(audit.findings)")
        try await server.run { api in
            let held = try await emit(api, key, "second")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await api.balance(.get, "/delta/\(held)", key: key).data["status"] == "QUEUED")
            let detail = try await api.call(.get, "/readyz", token: "operator-token")
            #expect(detail.text.contains("damaged"), "\(detail.text)")
            try whole.write(to: URL(fileURLWithPath: file))
            #expect(try await api.waitForDelta(held, key: key).data["status"] == "VERIFIED")
        }
    }
}
