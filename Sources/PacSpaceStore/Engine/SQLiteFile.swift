import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization

/// An SQLite database file in WAL mode, opened as one writer, a few readers and a
/// checkpointer, each its own connection.
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
///
/// The writer and the checkpointer each have a thread of their own (SQLite calls block
/// their thread), so a slow read or a checkpoint's fsync never delays a commit; readers
/// share NIO's blocking pool.
final class SQLiteFile: Sendable {
    /// WAL pages after which the writer checkpoints by itself (40 MiB at 4 KiB pages).
    static let writerCheckpointPages = 10_000
    /// How often the checkpointer runs.
    static let checkpointInterval = Duration.milliseconds(100)

    private let writer: SQLiteConnection
    private let writerLock = SerialLock()
    private let threads: [NIOThreadPool]
    private let readers: [(connection: SQLiteConnection, lock: SerialLock)]
    private let nextReader = Atomic<Int>(0)
    private let checkpointer: SQLiteConnection
    private let logger: Logger

    private init(
        writer: SQLiteConnection,
        readers: [SQLiteConnection],
        checkpointer: SQLiteConnection,
        threads: [NIOThreadPool],
        logger: Logger
    ) {
        self.writer = writer
        self.threads = threads
        self.readers = readers.map { ($0, SerialLock()) }
        self.checkpointer = checkpointer
        self.logger = logger
    }

    /// Opens `path` (creating it) with `readerCount` read connections.
    static func open(path: String, readerCount: Int = 2, logger: Logger) async throws -> SQLiteFile {
        var opened: [SQLiteConnection] = []
        let threads = [NIOThreadPool(numberOfThreads: 1), NIOThreadPool(numberOfThreads: 1)]
        for thread in threads { thread.start() }
        do {
            // The writer first: it switches the file to WAL before the others open it.
            // 64 MiB of page cache: large group-commit transactions otherwise spill pages mid-transaction (measured).
            let writer = try await connect(
                path,
                [
                    "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                    "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY",
                    "PRAGMA wal_autocheckpoint=\(writerCheckpointPages)",
                ],
                threads[0],
                logger,
                &opened
            )
            var readers: [SQLiteConnection] = []
            for _ in 0..<readerCount {
                readers.append(
                    try await connect(
                        path,
                        [
                            "PRAGMA query_only=1", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-16384",
                            "PRAGMA temp_store=MEMORY",
                        ],
                        .singleton,
                        logger,
                        &opened
                    )
                )
            }
            let checkpointer = try await connect(
                path,
                ["PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000", "PRAGMA wal_autocheckpoint=0"],
                threads[1],
                logger,
                &opened
            )
            return SQLiteFile(writer: writer, readers: readers, checkpointer: checkpointer, threads: threads, logger: logger)
        } catch {
            for connection in opened { try? await connection.close().get() }
            for thread in threads { try? await thread.shutdownGracefully() }
            throw error
        }
    }

    private static func connect(
        _ path: String,
        _ pragmas: [String],
        _ thread: NIOThreadPool,
        _ logger: Logger,
        _ opened: inout [SQLiteConnection]
    ) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path),
            threadPool: thread,
            logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any()
        ).get()
        opened.append(connection)
        for pragma in pragmas { try await connection.sql().raw(SQLQueryString(pragma)).run() }
        return connection
    }

    /// Runs `body` in one read snapshot on one of the readers.
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let reader = readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
        return try await reader.lock.withLock { try await Self.inTransaction("BEGIN", reader.connection.sql(), body) }
    }

    /// Runs `body` in one write transaction: all of it commits (fsynced) or none of it does.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writerLock.withLock { try await Self.inTransaction("BEGIN IMMEDIATE", writer.sql(), body) }
    }

    /// `begin`, `body`, then COMMIT — or ROLLBACK when `body` throws.
    private static func inTransaction<T: Sendable>(
        _ begin: SQLQueryString,
        _ db: any SQLDatabase,
        _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await db.raw(begin).run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // In a task of its own: a cancelled task's statements fail before they run, and a
            // ROLLBACK skipped left the connection inside the transaction, every later BEGIN
            // on it failing ("cannot start a transaction within a transaction"). A customer
            // page whose concurrent reads were cancelled took a reader down so
            // (SQLiteCancellationTests).
            _ = try? await Task { try await db.raw("ROLLBACK").run() }.value
            throw error
        }
    }

    /// Copies committed WAL frames into the database file every ``checkpointInterval``
    /// until the task is cancelled. A failed checkpoint is logged and tried again: the
    /// frames stay in the WAL, which is as durable as the file.
    func checkpointContinuously() async {
        while !Task.isCancelled {
            do {
                try await checkpointer.sql().raw("PRAGMA wal_checkpoint(PASSIVE)").run()
            } catch {
                logger.warning("WAL checkpoint failed; retrying", metadata: ["error": .string("\(error)")])
            }
            try? await Task.sleep(for: Self.checkpointInterval)
        }
    }

    /// Closes every connection, after the transaction or read in progress.
    func close() async throws {
        try await writerLock.withLock { try await writer.close().get() }
        for reader in readers { try await reader.lock.withLock { try await reader.connection.close().get() } }
        try await checkpointer.close().get()
        for thread in threads { try await thread.shutdownGracefully() }
    }
}
