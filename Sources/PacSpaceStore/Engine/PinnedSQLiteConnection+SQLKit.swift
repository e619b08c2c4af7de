import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import VaporCSQLite

extension PinnedSQLiteConnection {
    /// The connection as SQLKit's database: what the stores' statements are written against.
    /// Binds are encoded and rows decoded by SQLiteKit's coders, as through SQLiteNIO.
    func sql() -> any SQLDatabase { PinnedSQLDatabase(connection: self) }
}

/// SQLKit's view of a ``PinnedSQLiteConnection``; ``RowBatch`` reaches the connection through it.
struct PinnedSQLDatabase: SQLDatabase {
    let connection: PinnedSQLiteConnection

    var logger: Logger { connection.logger }
    /// Only for SQLKit's legacy future-based API, which the stores do not use.
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let encoder = SQLiteDataEncoder()
        let binds = try serializer.binds.map { try encoder.encode($0) }
        try connection.execute(serializer.sql, binds) { onRow($0) }
    }
}

/// One row a ``PinnedSQLiteConnection`` statement gave.
struct PinnedSQLiteRow: SQLRow {
    /// A statement's column names, shared by all its rows.
    final class Columns: Sendable {
        let names: [String]
        let offsets: [String: Int]
        var count: Int { names.count }

        init(_ statement: OpaquePointer) {
            let names = (0..<sqlite_nio_sqlite3_column_count(statement)).map { column in
                sqlite_nio_sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""
            }
            self.names = names
            // The first of two columns with one name wins, as with SQLiteNIO.
            self.offsets = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.offsets[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let offset = columns.offsets[column] else { return true }
        return values[offset] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let offset = columns.offsets[column] else { throw MissingColumn(column: column) }
        return try SQLiteDataDecoder().decode(D.self, from: values[offset])
    }

    /// A column the statement did not select.
    struct MissingColumn: Error, CustomStringConvertible {
        let column: String
        var description: String { "no column \(column) in the row" }
    }
}
