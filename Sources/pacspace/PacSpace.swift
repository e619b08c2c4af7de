import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PacSpaceServer
import PacSpaceStore

/// `pacspace`: the PacSpace Server executable. Argument parsing only; the work is in
/// the libraries.
@main
struct PacSpace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pacspace",
        abstract: "PacSpace Server: usage-based settlement with verifiable receipts.",
        subcommands: [
            Serve.self, Migrate.self, VerifyReceipt.self, Credits.self, AuditCommand.self, Keys.self, WitnessCommand.self, ServerLogCommand.self,
            MonitorCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Options every command that touches the data shares. A flag beats its environment
/// variable, which beats the default.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (SQLite file, secrets, mail outbox). Env: PACSPACE_DATA_DIR. Default ./data")
    var dataDir: String?

    @Option(name: .long, help: "PostgreSQL URL postgres://user:pass@host:port/db; absent = SQLite in the data dir. Env: DATABASE_URL")
    var databaseURL: String?

    @OptionGroup var log: LogOptions

    func configuration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        do {
            try configuration.apply(environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        if let dataDir { configuration.dataDirectory = dataDir }
        if let databaseURL { configuration.databaseURL = databaseURL }
        return configuration
    }

    func logger() throws -> Logger { try log.logger() }
}

/// How a command logs.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical. Env: PACSPACE_LOG_LEVEL")
    var logLevel: String?

    @Option(name: .long, help: "Log format: text or json. Env: PACSPACE_LOG_FORMAT")
    var logFormat: String?

    func logger() throws -> Logger {
        let environment = ProcessInfo.processInfo.environment
        let levelText = logLevel ?? environment["PACSPACE_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else { throw ValidationError("unknown log level \(levelText)") }
        let formatText = logFormat ?? environment["PACSPACE_LOG_FORMAT"] ?? "text"
        guard let format = LineLogHandler.Format(rawValue: formatText) else {
            throw ValidationError("unknown log format \(formatText); use text or json")
        }
        LoggingSystem.bootstrap { LineLogHandler(label: $0, format: format) }
        var logger = Logger(label: "pacspace")
        logger.logLevel = level
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (applies pending migrations first).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on. Env: PACSPACE_HOST. Default 127.0.0.1")
    var host: String?

    @Option(name: .long, help: "Port to listen on. Env: PACSPACE_PORT. Default 8080")
    var port: Int?

    @Option(name: .long, help: "Public base URL for mail links and log origins. Env: PUBLIC_URL. Default http://localhost:8080")
    var publicURL: String?

    func run() async throws {
        var configuration = try common.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let publicURL { configuration.publicURL = publicURL }
        try configuration.checkMailTransport()
        let logger = try common.logger()
        logger.info(
            "starting PacSpace Server",
            metadata: [
                "host": .string(configuration.host), "port": .stringConvertible(configuration.port),
                "dataDir": .string(configuration.dataDirectory), "publicURL": .string(configuration.publicURL),
            ]
        )
        let app = try await buildApplication(configuration, logger: logger)
        try await app.application.runService()
        logger.info("stopped")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger()
        let database = try await openDatabase(configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            let applied = try await Migrations.apply(to: database, logger: logger, now: configuration.now())
            logger.info(
                "migrations done",
                metadata: ["applied": .stringConvertible(applied), "schemaVersion": .stringConvertible(Migrations.latestVersion)]
            )
            group.cancelAll()
        }
    }
}

extension CommonOptions {
    /// Runs `body` on the configured database once its migrations are applied: what an
    /// operator's command that reads or changes rows does first.
    func withMigratedDatabase(_ body: @escaping @Sendable (Database, ServerConfiguration) async throws -> Void) async throws {
        let configuration = try configuration()
        let logger = try logger()
        let database = try await openDatabase(configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            defer { group.cancelAll() }
            try await Migrations.apply(to: database, logger: logger, now: configuration.now())
            try await body(database, configuration)
        }
    }
}
