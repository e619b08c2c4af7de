import Foundation
import Logging
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The SQL database behind every store: an embedded SQLite file (the default) or a
/// PostgreSQL server. Callers see one SQLKit interface; dialect differences live in
/// ``Migrations`` and in the few queries that branch on ``dialect``.
public final class Database: Sendable {
    /// Which SQL engine is underneath.
    public enum Dialect: Sendable {
        case sqlite
        case postgres

        /// The engine of a connection handed to a ``Database/read(timeout:_:)`` or
        /// ``Database/transaction(timeout:_:)`` body.
        init(of db: any SQLDatabase) { self = db.dialect.name == "postgresql" ? .postgres : .sqlite }
    }

    private enum Backend: Sendable {
        case sqlite(SQLiteFile)
        case postgres(PostgresClient)
    }

    public let dialect: Dialect
    private let backend: Backend
    private let logger: Logger

    private init(dialect: Dialect, backend: Backend, logger: Logger) {
        self.dialect = dialect
        self.backend = backend
        self.logger = logger
    }

    /// Opens the SQLite file at `path` in WAL mode with `synchronous=FULL`: a committed
    /// transaction is fsynced before the commit returns. Reads run beside the writer.
    public static func sqlite(path: String, logger: Logger) async throws -> Database {
        Database(dialect: .sqlite, backend: .sqlite(try await SQLiteFile.open(path: path, logger: logger)), logger: logger)
    }

    /// Connects to PostgreSQL at a `postgres://user:pass@host:port/db` URL (or a
    /// `?host=/socket/dir` query for a Unix socket). The pool must be run as a service.
    public static func postgres(url: String, maximumConnections: Int = 8, logger: Logger) throws -> Database {
        var configuration = try PostgresClient.Configuration(url: url)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        return Database(
            dialect: .postgres,
            backend: .postgres(PostgresClient(configuration: configuration, backgroundLogger: logger)),
            logger: logger
        )
    }

    /// Runs `body` with the database, outside a write transaction. On SQLite it is read
    /// only and sees one snapshot (every transaction committed before it started, none
    /// after); on PostgreSQL each statement sees what was committed when it started, and
    /// `timeout` bounds it as it bounds a transaction (nil: no limit, for the audit).
    /// A failing database comes back as ``DatabaseError/unavailable(_:)`` on both.
    public func read<T: Sendable>(
        timeout: Duration? = operationTimeout,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite(let file):
            do { return try await file.read(body) } catch { throw Self.classify(error) }
        case .postgres(let client):
            return try await Self.postgres(timeout: timeout) { leased in
                try await client.withConnection { connection in
                    leased(connection)
                    return try await body(connection.sql())
                }
            }
        }
    }

    /// Runs `body` on one snapshot of the database, read only: every statement sees the
    /// transactions committed before it began, none after — what ``read(timeout:_:)``
    /// gives on SQLite, and on PostgreSQL a `REPEATABLE READ READ ONLY` transaction. For
    /// reads whose statements must agree with each other (the sequencer's plan: with
    /// servers sharing a database, another one's commit could land between two of them).
    public func snapshot<T: Sendable>(
        timeout: Duration? = operationTimeout,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite(let file):
            do { return try await file.read(body) } catch { throw Self.classify(error) }
        case .postgres:
            return try await transaction(timeout: timeout) { db in
                try await db.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").run()
                return try await body(db)
            }
        }
    }

    /// Runs `body` in one transaction: all of it commits (durably) or none of it does.
    /// On PostgreSQL it fails (``DatabaseError/unavailable(_:)``) when it has not finished
    /// within `timeout` (nil: no limit, for migrations), or no connection is free within
    /// 5 s; SQLite has no connection to wait for and no network to lose.
    public func transaction<T: Sendable>(
        timeout: Duration? = operationTimeout,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite(let file):
            do { return try await file.transaction(body) } catch { throw Self.classify(error) }
        case .postgres(let client):
            return try await Self.postgres(timeout: timeout) { leased in
                try await client.withTransaction(logger: self.logger) { connection in
                    leased(connection)
                    return try await body(connection.sql())
                }
            }
        }
    }

    /// Runs the connection pool (PostgreSQL) or the WAL checkpointer (SQLite) until
    /// graceful shutdown, then closes the database.
    public func run() async throws {
        switch backend {
        case .sqlite(let file):
            await withDiscardingTaskGroup { group in
                group.addTask { await file.checkpointContinuously() }
                try? await gracefulShutdown()
                group.cancelAll()
            }
            try await file.close()
        case .postgres(let client):
            await client.run()
        }
    }
}

extension Database: Service {}

extension Database {
    /// `FOR NO KEY UPDATE SKIP LOCKED` on PostgreSQL, for a claim subquery: a row another
    /// transaction is claiming or updating is passed over instead of waited for. NO KEY: a
    /// row only referenced by an insert in flight (FOR KEY SHARE, the foreign-key check) is
    /// still taken — FOR UPDATE would skip it too, and nobody would claim it. Nothing on
    /// SQLite, whose one writer never meets a locked row.
    var skipLocked: SQLQueryString { dialect == .postgres ? " FOR NO KEY UPDATE SKIP LOCKED" : "" }
}

extension PostgresClient.Configuration {
    /// Parses `postgres://user:password@host:port/database?host=/socket/dir&sslmode=…&sslrootcert=…`.
    /// `sslmode` and `sslrootcert` mean what they mean to libpq (``PostgresSSLMode``); a Unix
    /// socket never uses TLS, as with libpq.
    init(url text: String) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw DatabaseError.invalidURL("DATABASE_URL must be postgres://user:password@host:port/database")
        }
        let user = url.user ?? "postgres"
        let database = url.path.isEmpty ? nil : String(url.path.dropFirst())
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = url.port ?? 5432
            self.init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: url.password, database: database)
        } else {
            let mode = try PostgresSSLMode(query["sslmode"])
            let tls = try mode.tls(rootCertificate: query["sslrootcert"])
            self.init(host: url.host ?? "127.0.0.1", port: url.port ?? 5432, username: user, password: url.password, database: database, tls: tls)
        }
    }
}

/// Errors opening, configuring or reaching the database.
public enum DatabaseError: Error, CustomStringConvertible {
    case invalidURL(String)
    case migrationFailed(version: Int, underlying: String)
    /// The database was migrated by a newer build than this one (`found` > `known`): this
    /// build would read and write a schema it does not know.
    case newerSchema(found: Int, known: Int)
    /// The database could not be reached, or failed while answering (connection lost,
    /// shutting down, I/O error, disk full). A write may or may not have committed; a
    /// retry with the same Idempotency-Key or referenceId settles it. Answered with 503.
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalidURL(let why): why
        case .migrationFailed(let version, let underlying): "migration \(version) failed: \(underlying)"
        case .newerSchema(let found, let known):
            "the database has schema version \(found), and this build knows versions up to \(known): run the build that migrated it, "
                + "or restore a backup made before the upgrade (docs/operations.md, \"Upgrades\")"
        case .unavailable(let why): "the database is unavailable: \(why)"
        }
    }
}

/// Multi-row statements go in chunks that stay under the engines' bound-parameter limits.
extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
