import Foundation
import NIOHTTP1
import PacSpaceCore

/// One run of `pacspace monitor` (docs/witnesses.md, "Following a log"): reads the policy,
/// the state and the receipts, follows the logs over HTTP through ``LogMonitor``, prints what
/// it checked, and keeps the new state. The checks are Core's; this is the I/O around them.
public struct MonitorRun: Sendable {
    /// How a run ended without a finding.
    public enum Outcome: Sendable {
        case passed
        /// The server log's latest checkpoint lacks the policy's quorum (after the wait).
        case missingQuorum
    }

    /// Why a run failed, with the exit status `pacspace monitor` gives it.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// 1: a log misbehaved (fork, rollback, invalid log, receipt); 3: could not check.
        public let exitCode: Int32
    }

    let serverLog: String
    let environments: [String]
    let policyPath: String
    let directory: MonitorDirectory
    let receiptsDirectory: String?
    let quorumWait: Duration
    let say: @Sendable (String) -> Void

    /// The most receipt files read, and the largest (a receipt with its witness chain is ~12 KiB).
    static let receiptLimit = 100_000
    static let receiptFileLimit = 1 << 20

    public init(
        serverLog: String,
        environments: [String],
        policyPath: String,
        stateDirectory: String,
        receiptsDirectory: String?,
        quorumWait: Duration,
        say: @escaping @Sendable (String) -> Void
    ) {
        self.serverLog = serverLog
        self.environments = environments
        self.policyPath = policyPath
        self.directory = MonitorDirectory(path: stateDirectory)
        self.receiptsDirectory = receiptsDirectory
        self.quorumWait = quorumWait
        self.say = say
    }

    public func run() async throws -> Outcome {
        let policy = try readPolicy()
        do { try directory.lock() } catch { throw Failure(description: "\(error)", exitCode: 3) }
        let receipts = try readReceipts()
        let monitor = try await monitor(policy: policy)
        let deadline = ContinuousClock.now + quorumWait
        let state: MonitorState
        do { state = try directory.state() } catch { throw Failure(description: "\(error)", exitCode: 3) }
        while true {
            // Each pass starts from the state kept, so the report says what changed since the last run.
            let report: LogMonitor.Report
            let next: MonitorState
            do {
                (report, next) = try await monitor.run(state: state, receipts: receipts)
            } catch let finding as LogMonitor.Finding {
                let evidence = (try? directory.record(finding, at: Int64(Date().timeIntervalSince1970))) ?? "(evidence not written)"
                throw Failure(description: "\(finding)\nevidence: \(evidence)", exitCode: 1)
            } catch {
                throw Failure(description: "cannot check: \(error)", exitCode: 3)
            }
            // A checkpoint signed a moment ago may not be cosigned yet: read again until the wait ends.
            if !report.quorumMet, ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(1))
                continue
            }
            // Kept even without the quorum: what the log signed, it must extend.
            do { try directory.save(next) } catch { throw Failure(description: "\(error)", exitCode: 3) }
            print(report)
            return report.quorumMet ? .passed : .missingQuorum
        }
    }

    private func print(_ report: LogMonitor.Report) {
        func grew(_ log: LogMonitor.Report.LogResult) -> String {
            guard let previous = log.previousSize else { return "tree size \(log.size) (first run)" }
            return previous == log.size ? "tree size \(log.size), unchanged" : "tree size \(log.size) (was \(previous)), consistent"
        }
        say("✓ server log \(report.serverLog.origin): \(grew(report.serverLog)); \(report.entriesRead) entries read, each a signed checkpoint")
        for witness in report.witnesses { say(witness.summary) }
        say(
            report.quorumMet
                ? "✓ the policy's quorum is met" : "✗ MISSING QUORUM: the latest server-log checkpoint is not cosigned by the policy's quorum"
        )
        for log in report.environments {
            let witnessed = log.witnessedSize.map { "; witnessed up to size \($0)" } ?? ""
            say("✓ environment \(log.origin): \(grew(log)); \(log.sightingsChecked) of its checkpoints in the server log agree\(witnessed)")
        }
        if receiptsDirectory != nil {
            say("✓ \(report.receipts) receipts: each entry is in its log at the index its receipt names, records in seq order")
        }
    }

    private func readPolicy() throws -> WitnessPolicy {
        guard let data = FileManager.default.contents(atPath: policyPath), let text = String(data: data, encoding: .utf8) else {
            throw Failure(description: "cannot read \(policyPath)", exitCode: 3)
        }
        do { return try WitnessPolicy(parsing: text) } catch { throw Failure(description: "\(policyPath): \(error)", exitCode: 3) }
    }

    private func readReceipts() throws -> [LogMonitor.ReceiptFile] {
        guard let receiptsDirectory else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: receiptsDirectory).filter { $0.hasSuffix(".json") }.sorted() } catch {
            throw Failure(description: "cannot list \(receiptsDirectory): \(error.localizedDescription)", exitCode: 3)
        }
        guard names.count <= Self.receiptLimit else {
            throw Failure(description: "\(receiptsDirectory) holds \(names.count) receipts; at most \(Self.receiptLimit) a run", exitCode: 3)
        }
        return try names.map { name in
            let path = receiptsDirectory + "/" + name
            guard let data = FileManager.default.contents(atPath: path), data.count <= Self.receiptFileLimit,
                let json = try? JSONParser.parse(Array(data))
            else { throw Failure(description: "\(path) is not a JSON receipt of at most 1 MiB", exitCode: 3) }
            return LogMonitor.ReceiptFile(name: name, json: json)
        }
    }

    /// The logs, each matched by its checkpoint to the policy key that signs it.
    private func monitor(policy: WitnessPolicy) async throws -> LogMonitor {
        let keys = policy.logs.map(\.verifier)
        func follow(_ url: String) async throws -> LogMonitor.FollowedLog {
            let tiles = try Self.tiles(at: url)
            let note: String
            do { note = try await tiles.checkpointNote() } catch {
                throw Failure(description: "cannot read \(url)/checkpoint: \(error)", exitCode: 3)
            }
            guard let verifier = LogMonitor.verifier(of: note, among: keys) else {
                throw Failure(
                    description: "no log key of \(policyPath) signs the checkpoint at \(url)/checkpoint: add a `log <vkey>` line with its key",
                    exitCode: 1
                )
            }
            return LogMonitor.FollowedLog(verifier: verifier, tiles: tiles)
        }
        let server = try await follow(serverLog)
        var followed: [LogMonitor.FollowedLog] = []
        for url in environments { followed.append(try await follow(url)) }
        let say = self.say
        return LogMonitor(serverLog: server, environments: followed, policy: policy, progress: { say("… \($0)") })
    }

    /// A log's tiles over HTTP(S): 200 is the body, 404 is nil, anything else fails.
    static func tiles(at prefix: String) throws -> TiledLog {
        let base = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        let root: WebhookTarget
        do { root = try WebhookTarget(base + "/checkpoint") } catch { throw Failure(description: "\(prefix) is not an http(s) URL", exitCode: 3) }
        // The operator named these hosts: loopback and private addresses are allowed.
        let client = OutboundClient(policy: OutboundPolicy(allowedHosts: [root.host]))
        let head = OutboundClient.Head(
            method: .GET,
            userAgent: "PacSpace-Monitor/1",
            headers: [("Accept-Encoding", "identity")],
            answerLimit: answerLimit + 1
        )
        return TiledLog { path in
            let target: WebhookTarget
            do { target = try WebhookTarget(base + "/" + path) } catch { throw TiledLog.Failure("\(base)/\(path) is not a URL") }
            let answer = await client.send(target, head)
            switch answer.status {
            case 200?:
                guard answer.body.count <= answerLimit else { throw TiledLog.Failure("\(path): the answer is past \(answerLimit) bytes") }
                return answer.body
            case 404?: return nil
            case let status?: throw TiledLog.Failure("\(path): HTTP \(status)")
            case nil: throw TiledLog.Failure("\(path): \(answer.error ?? "no answer")")
            }
        }
    }

    /// An entry bundle's most: 256 entries of at most 64 KiB each.
    static let answerLimit = 256 * (2 + 65_535)
}
