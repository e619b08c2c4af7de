import ArgumentParser
import Foundation
import PacSpaceServer
import PacSpaceStore

/// `pacspace audit`: recomputes every log root, signature, balance and credit total
/// from the stored data (read only) and reports any mismatch; exits 1 if there is one.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Recompute every log root, checkpoint signature, balance and credit total from stored data; exit 1 on any mismatch."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger()
        let database = try await openDatabase(configuration, logger: logger)
        let started = ContinuousClock.now
        let report = try await withThrowingTaskGroup(of: AuditReport?.self) { group in
            group.addTask {
                try await database.run()
                return nil
            }
            defer { group.cancelAll() }
            let audit = Audit(database: database) { line in FileHandle.standardError.write(Data("audit: \(line)\n".utf8)) }
            return try await audit.run(witnessDirectory: (configuration.dataDirectory as NSString).appendingPathComponent("witness"))
        }
        let elapsed = ContinuousClock.now - started
        print(
            """
            audited \(configuration.databaseDescription) in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))):
              \(report.environments) environments, \(report.leaves) leaves, \(report.nodes) subtree hashes, \
            \(report.signedCheckpoints) signed checkpoints,
              \(report.deltas) deltas, \(report.customers) customers, \(report.tenants) credit accounts
            """
        )
        guard report.clean else {
            print("\(report.findings.count) mismatches:")
            for finding in report.findings { print("  \(finding)") }
            throw ExitCode(1)
        }
        print("clean: every root, signature, balance and credit total agrees with the stored data")
    }
}
