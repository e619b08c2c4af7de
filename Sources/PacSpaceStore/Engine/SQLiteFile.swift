import Foundation
import Logging
import SQLKit
import Synchronization

/// An SQLite database file in WAL mode, opened as one writer, a few readers and a
/// checkpointer, each its own connection on a thread of its own (``PinnedSQLiteConnection``):
/// SQLite calls block their thread, so a slow read or a checkpoint's fsync never delays a
/// commit, and a transaction runs on its connection's thread from BEGIN to COMMIT.
///
/// - The **writer** runs every transaction, one at a time (``SerialLock``; one connection
///   must not interleave transactions, stack-notes §5.2). `synchronous=FULL`: a commit
///   returns after the WAL is fsynced.
/// - **Readers** (`query_only`) run each read in its own snapshot, beside the writer:
///   WAL readers never wait for the writer, so a status lookup does not queue behind a
///   sequencer batch.
/// - The **checkpointer** copies committed WAL frames into the database file in the
///   background (``checkpointContinuously()``), so commits do not pay for it. The
///   writer's own automatic checkpoint stays on, at a larger threshold, in case nothing
///   runs the background one (CLI commands, tests).
final class SQLiteFile: Sendable {
    /// WAL pages after which the writer checkpoints by itself (40 MiB at 4 KiB pages).
    static let writerCheckpointPages = 10_000
    /// How often the checkpointer runs.
    static let checkpointInterval = Duration.milliseconds(100)

    private let writer: PinnedSQLiteConnection
    private let writerLock = SerialLock()
    private let readers: [(connection: PinnedSQLiteConnection, lock: SerialLock)]
    private let nextReader = Atomic<Int>(0)
    private let checkpointer: PinnedSQLiteConnection
    private let logger: Logger

    private init(writer: PinnedSQLiteConnection, readers: [PinnedSQLiteConnection], checkpointer: PinnedSQLiteConnection, logger: Logger) {
        self.writer = writer
        self.readers = readers.map { ($0, SerialLock()) }
        self.checkpointer = checkpointer
        self.logger = logger
    }

    /// Opens `path` (creating it) with `readerCount` read connections.
    static func open(path: String, readerCount: Int = 2, logger: Logger) async throws -> SQLiteFile {
        var opened: [PinnedSQLiteConnection] = []
        do {
            // The writer first: it switches the file to WAL before the others open it.
            // 64 MiB of page cache: large group-commit transactions otherwise spill pages mid-transaction (measured).
            let writer = try await connect(
                path,
                "sqlite-writer",
                [
                    "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                    "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY",
                    "PRAGMA wal_autocheckpoint=\(writerCheckpointPages)",
                ],
                logger,
                &opened
            )
            var readers: [PinnedSQLiteConnection] = []
            for index in 0..<readerCount {
                readers.append(
                    try await connect(
                        path,
                        "sqlite-reader-\(index)",
                        ["PRAGMA query_only=1", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-16384", "PRAGMA temp_store=MEMORY"],
                        logger,
                        &opened
                    )
                )
            }
            let checkpointer = try await connect(
                path,
                "sqlite-wal-ckpt",
                ["PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000", "PRAGMA wal_autocheckpoint=0"],
                logger,
                &opened
            )
            return SQLiteFile(writer: writer, readers: readers, checkpointer: checkpointer, logger: logger)
        } catch {
            for connection in opened { connection.close() }
            throw error
        }
    }

    private static func connect(
        _ path: String,
        _ name: String,
        _ pragmas: [String],
        _ logger: Logger,
        _ opened: inout [PinnedSQLiteConnection]
    ) async throws -> PinnedSQLiteConnection {
        let connection = try PinnedSQLiteConnection.open(path: path, name: name, logger: logger)
        opened.append(connection)
        try await connection.run {
            for pragma in pragmas { try connection.execute(pragma, []) { _ in } }
        }
        return connection
    }

    /// Runs `body` in one read snapshot on one of the readers.
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let reader = readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
        return try await reader.lock.withLock { try await Self.inTransaction("BEGIN", reader.connection, body) }
    }

    /// Runs `body` in one write transaction: all of it commits (fsynced) or none of it does.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writerLock.withLock { try await Self.inTransaction("BEGIN IMMEDIATE", writer, body) }
    }

    /// `begin`, `body`, then COMMIT — or ROLLBACK when `body` throws — on the connection's thread.
    private static func inTransaction<T: Sendable>(
        _ begin: String,
        _ connection: PinnedSQLiteConnection,
        _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await connection.run {
            try connection.execute(begin, []) { _ in }
            do {
                let result = try await body(connection.sql())
                try connection.execute("COMMIT", []) { _ in }
                return result
            } catch {
                // Statements do not look at task cancellation, so the ROLLBACK runs even in a
                // cancelled task (a ROLLBACK skipped once left a reader inside its transaction,
                // every later BEGIN on it failing: SQLiteCancellationTests). It fails, harmlessly,
                // when SQLite has already rolled back (an I/O error, a full disk).
                try? connection.execute("ROLLBACK", []) { _ in }
                throw error
            }
        }
    }

    /// Copies committed WAL frames into the database file every ``checkpointInterval``
    /// until the task is cancelled. A failed checkpoint is logged and tried again: the
    /// frames stay in the WAL, which is as durable as the file.
    func checkpointContinuously() async {
        while !Task.isCancelled {
            do {
                try await checkpointer.run { try checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)", []) { _ in } }
            } catch {
                logger.warning("WAL checkpoint failed; retrying", metadata: ["error": .string("\(error)")])
            }
            try? await Task.sleep(for: Self.checkpointInterval)
        }
    }

    /// Closes every connection, after the transaction or read in progress.
    func close() async throws {
        try await writerLock.withLock { writer.close() }
        for reader in readers { try await reader.lock.withLock { reader.connection.close() } }
        checkpointer.close()
    }
}
