import ArgumentParser
import PacSpaceServer
import PacSpaceStore

/// `pacspace server-log status|resume`: the operator's view of the server log's publication
/// (docs/witnesses.md, "A split view"). A witness that saw another history stops it; only an
/// operator, having found why (a restored database, a second server with the same key, a
/// witness that lost its state), resumes it.
struct ServerLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server-log",
        abstract: "Show or resume the server log's publication to witnesses.",
        subcommands: [Status.self, Resume.self]
    )

    /// Runs `body` on the server log of `common`'s migrated database.
    static func withServerLog(_ common: CommonOptions, _ body: @escaping @Sendable (ServerLogStore) async throws -> Void) async throws {
        try await common.withMigratedDatabase { database, _ in try await body(ServerLogStore(database: database)) }
    }

    /// `pacspace server-log status`: publishing or halted (with why), and the latest size.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the server log is published, or why not.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await ServerLogCommand.withServerLog(common) { store in
                let size = try await store.latestCheckpoint()?.treeSize ?? 0
                if let reason = try await store.halted() {
                    print("halted at size \(size): \(reason)")
                    throw ExitCode.failure
                }
                print("publishing: size \(size), witnessed up to \(try await store.witnessedSize())")
            }
        }
    }

    /// `pacspace server-log resume`: publication goes on from the stored tree.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume publication after a halt, once its cause is understood.",
            discussion: """
                A witness halted it because it holds another history than this database. Resuming does not \
                reconcile them: a witness that cosigned a larger or different tree goes on refusing this one.
                """
        )
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await ServerLogCommand.withServerLog(common) { store in
                if let reason = try await store.resume() {
                    print("resumed; it was halted: \(reason)")
                } else {
                    print("the server log was not halted")
                }
            }
        }
    }
}
