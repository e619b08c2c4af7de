import ArgumentParser
import Foundation
import PacSpaceServer

/// `pacspace monitor`: follows a server log and environment logs by their tiles, and fails
/// loudly on a fork, a rollback or a missing quorum (docs/witnesses.md, "Following a log").
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Follow a server log and environment logs by their tiles; fail on a fork, a rollback or a missing quorum.",
        discussion: """
            --log is the server log's tiles prefix (tilesPrefix in GET /api/v1/server-log); each --environment an \
            environment log's prefix (<server>/api/v1/log/<contractId>). --policy is a c2sp.org/tlog-policy file: a \
            `log <vkey>` line for the server log's key and one for each environment's key (publicKey in GET \
            /dashboard/contracts), the witnesses and the quorum. --state keeps the last checkpoint of each log between \
            runs. --receipts is a folder of receipts (*.json: delta status answers, record entry receipts) whose entries \
            must all be in the logs followed. Exit status: 0 all checks passed; 1 a log misbehaved (fork, rollback, \
            invalid log, a receipt not in its log; the evidence is written to the state folder); 2 the latest server-log \
            checkpoint lacks the quorum; 3 the check could not be made (unreachable, unreadable files).
            """
    )

    @Option(help: "The server log's tiles prefix, e.g. https://pacspace.example/api/v1/server-log") var log: String
    @Option(help: "An environment log's tiles prefix (repeatable).") var environment: [String] = []
    @Option(help: "A c2sp.org/tlog-policy file: the logs' keys, the witnesses, the quorum.") var policy: String
    @Option(help: "Folder for the monitor's state and evidence (created if absent).") var state: String
    @Option(help: "Folder of receipts (*.json) to find in the logs.") var receipts: String?
    @Option(name: .customLong("quorum-wait"), help: "Seconds to wait for the latest checkpoint's cosignatures. Default 30")
    var quorumWait = 30
    @Option(help: "Run again every this many seconds, until a check fails (default: run once).") var watch: Int?

    func validate() throws {
        guard (0...3600).contains(quorumWait) else { throw ValidationError("--quorum-wait is 0 to 3600 seconds") }
        if let watch { guard (1...86_400).contains(watch) else { throw ValidationError("--watch is 1 to 86400 seconds") } }
    }

    func run() async throws {
        let run = MonitorRun(
            serverLog: log,
            environments: environment,
            policyPath: policy,
            stateDirectory: state,
            receiptsDirectory: receipts,
            quorumWait: .seconds(quorumWait),
            say: { print($0) }
        )
        while true {
            do {
                if try await run.run() == .missingQuorum { throw ExitCode(2) }
            } catch let failure as MonitorRun.Failure {
                FileHandle.standardError.write(Data("✗ \(failure)\n".utf8))
                throw ExitCode(failure.exitCode)
            }
            guard let watch else { return }
            try await Task.sleep(for: .seconds(watch))
        }
    }
}
