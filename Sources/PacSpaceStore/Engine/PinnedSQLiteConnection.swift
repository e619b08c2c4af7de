import Foundation
import Logging
import NIOCore
import SQLiteNIO
import VaporCSQLite

/// One SQLite connection whose work runs on a thread of its own (``ThreadExecutor``), with
/// its prepared statements kept for reuse.
///
/// - ``run(_:)`` runs a body with the thread as its task executor: the statements of a
///   transaction run there one after the other, with no hop between them (one hop in, one
///   out, for the whole transaction).
/// - Statements are prepared once per SQL text and reset after each use: parsing every
///   statement anew took 4.6 % of a single emit's CPU (perf, issue 28). At most
///   ``statementCacheLimit`` are kept; past it the cache starts again, so texts that differ
///   each time (IN lists of varying length) cannot grow it without bound.
///
/// Callers serialize their use of one connection (``SQLiteFile``'s locks); SQLite's own
/// mutex (`SQLITE_OPEN_FULLMUTEX`) guards it as well. It is the same SQLite library that
/// SQLiteNIO links (VaporCSQLite): two copies in one process would break each other's
/// POSIX locks on the file.
final class PinnedSQLiteConnection: @unchecked Sendable {
    // @unchecked: `handle` and `statements` are used only under the callers' serialization.
    /// Prepared statements kept at most.
    static let statementCacheLimit = 256

    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let executor: ThreadExecutor
    let logger: Logger

    private init(handle: OpaquePointer?, executor: ThreadExecutor, logger: Logger) {
        self.handle = handle
        self.executor = executor
        self.logger = logger
    }

    /// Opens (creating) the file at `path`; its thread is named `name`.
    static func open(path: String, name: String, logger: Logger) throws -> PinnedSQLiteConnection {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK else {
            let failure = SQLiteFailure(code: code, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open \(path)")
            sqlite_nio_sqlite3_close(handle)
            throw failure
        }
        return PinnedSQLiteConnection(handle: handle, executor: ThreadExecutor(name: name), logger: logger)
    }

    /// Runs `body` with this connection's thread as its task executor.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) { try await body() }
    }

    /// Runs one statement with `binds`, calling `onRow` for each row it gives.
    func execute(_ sql: String, _ binds: [SQLiteData], onRow: (PinnedSQLiteRow) throws -> Void) throws {
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        let statement = try prepared(sql, handle)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        try bindAll(binds[...], statement, handle)
        var columns: PinnedSQLiteRow.Columns?
        while true {
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, handle) }
            let names = columns ?? PinnedSQLiteRow.Columns(statement)
            columns = names
            try onRow(PinnedSQLiteRow(columns: names, values: try (0..<Int32(names.count)).map { try Self.value(at: $0, statement) }))
        }
    }

    /// Runs one statement (no rows back: an INSERT) once per row of `binds`, `width` binds a
    /// row, laid end to end: the statement is found or prepared once for all of them.
    func executeEach(_ sql: String, width: Int, _ binds: [SQLiteData]) throws {
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        guard width > 0, binds.count % width == 0 else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "\(binds.count) binds are no whole number of rows of \(width)")
        }
        let statement = try prepared(sql, handle)
        defer { sqlite_nio_sqlite3_clear_bindings(statement) }
        for start in stride(from: 0, to: binds.count, by: width) {
            defer { sqlite_nio_sqlite3_reset(statement) }
            try bindAll(binds[start..<start + width], statement, handle)
            let code = sqlite_nio_sqlite3_step(statement)
            guard code == SQLITE_DONE else { throw failure(code, handle) }
        }
    }

    /// Finalizes every statement, closes the connection and ends its thread.
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        sqlite_nio_sqlite3_close(handle)
        handle = nil
        executor.shutdown()
    }

    private func prepared(_ sql: String, _ handle: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        if statements.count >= Self.statementCacheLimit {
            for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
            statements = [:]
        }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, handle) }
        statements[sql] = statement
        return statement
    }

    /// Binds `binds` to the statement's parameters 1, 2, …
    private func bindAll(_ binds: ArraySlice<SQLiteData>, _ statement: OpaquePointer, _ handle: OpaquePointer) throws {
        for (offset, bind) in binds.enumerated() {
            try check(Self.bind(bind, at: Int32(offset + 1), statement), handle)
        }
    }

    private func check(_ code: Int32, _ handle: OpaquePointer) throws {
        guard code == SQLITE_OK else { throw failure(code, handle) }
    }

    private func failure(_ code: Int32, _ handle: OpaquePointer) -> SQLiteFailure {
        SQLiteFailure(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }

    private static func bind(_ value: SQLiteData, at index: Int32, _ statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let value): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        case .float(let value): sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let value):
            // SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
            value.utf8.withContiguousStorageIfAvailable { bytes in
                sqlite_nio_sqlite3_bind_text64(statement, index, bytes.baseAddress, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
            } ?? sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let buffer):
            buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress, UInt64(bytes.count), transient)
            }
        }
    }

    private static func value(at column: Int32, _ statement: OpaquePointer) throws -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default:
            throw SQLiteFailure(code: SQLITE_MISMATCH, message: "a column of an unknown type")
        }
    }
}

/// SQLite's `SQLITE_TRANSIENT` destructor: the bytes are copied before the bind returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A failed SQLite call: its (extended) result code and SQLite's message.
struct SQLiteFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    /// The primary result code (`SQLITE_IOERR` for `SQLITE_IOERR_FSYNC`, …).
    var primaryCode: Int32 { code & 0xFF }

    var description: String { "SQLite error \(code): \(message)" }
}
