import PacSpaceCore
import SQLKit
import SQLiteNIO

/// Many rows with one statement and one bound parameter: the rows travel as a JSON array
/// of arrays that the database unpacks itself (SQLite `json_each`, PostgreSQL
/// `jsonb_array_elements`). Inserts write them; lookups join them against a key.
///
/// A multi-row `VALUES` list binds every cell on its own, and on the write path that
/// binding (SQLKit's expressions, an `Encodable` per cell, parsing a statement of
/// thousands of placeholders) cost more than the inserts themselves. Here the statement
/// text is the same for every batch and the cells are written straight into one buffer.
/// Lookups the same way: 500 customers by key took 41 ms on PostgreSQL as a `UNION ALL`
/// of 250 index lookups twice (planning dominates) and 3.3 ms joined against the array.
///
/// Inserts on SQLite are the exception: there one prepared single-row statement is stepped
/// once per row (``insert(into:columns:_:_:write:)``), cheaper than unpacking JSON in SQL.
///
/// Text cells never hold NUL: request validation refuses control characters, and stored
/// JSON (metadata) keeps its escapes as text.
struct RowBatch {
    /// How a column's cells are written and read back.
    enum Kind { case text, integer }

    /// The cells of one row, written in column order: into JSON text, or, for an insert on
    /// SQLite, as the binds of a prepared single-row statement.
    struct Row {
        fileprivate var json: [UInt8] = []
        fileprivate var binds: [SQLiteData] = []
        /// Cells are binds (``insert`` on SQLite), not JSON.
        fileprivate var bound = false
        fileprivate var cells = 0

        /// A text cell; nil is NULL.
        mutating func text(_ value: String?) {
            cells += 1
            if bound { return binds.append(value.map { .text($0) } ?? .null) }
            separate()
            if let value { JSONWriter.appendString(value, to: &json) } else { json += Self.null }
        }

        /// An integer cell; nil is NULL.
        mutating func integer(_ value: Int64?) {
            cells += 1
            if bound { return binds.append(value.map { .integer(Int($0)) } ?? .null) }
            separate()
            if let value { json.append(contentsOf: String(value).utf8) } else { json += Self.null }
        }

        private mutating func separate() {
            if cells > 1 { json.append(UInt8(ascii: ",")) }
        }

        private static let null = Array("null".utf8)
    }

    /// Rows per statement: bounds the text one statement carries.
    static let rowsPerStatement = 1_000

    /// Inserts one row per element of `items` into `table`; `write` fills each row's
    /// cells in the order of `columns`. `onConflict`, when given, is the statement's
    /// `ON CONFLICT` clause (an upsert; `excluded` names the row given).
    static func insert<Items: Collection>(
        into table: String,
        columns: [(name: String, kind: Kind)],
        onConflict: String? = nil,
        _ items: Items,
        _ db: any SQLDatabase,
        write: (Items.Element, inout Row) -> Void
    ) async throws {
        let clause = onConflict.map { " ON CONFLICT " + $0 } ?? ""
        if let sqlite = db as? PinnedSQLDatabase {
            return try insert(into: table, columns: columns, clause, items, sqlite.connection, write: write)
        }
        for json in arrays(items, cells: columns.count, of: table, write: write) {
            try await db.raw(statement(table, columns, json: json, Database.Dialect(of: db)) + "\(unsafeRaw: clause)").run()
        }
    }

    /// On SQLite, one prepared single-row INSERT stepped once per row. Unpacking JSON in SQL
    /// (`json_each` and `->>` per cell) was a tenth of the writer thread's time under
    /// batches of 1000 (`perf`), and a multi-row statement kept a statement journal besides;
    /// with SQLite in the process a statement costs no round trip, so rows are bound one by
    /// one instead (issue 28).
    private static func insert<Items: Collection>(
        into table: String,
        columns: [(name: String, kind: Kind)],
        _ clause: String,
        _ items: Items,
        _ connection: PinnedSQLiteConnection,
        write: (Items.Element, inout Row) -> Void
    ) throws {
        var rows = Row(bound: true)
        rows.binds.reserveCapacity(items.count * columns.count)
        for item in items {
            rows.cells = 0
            write(item, &rows)
            precondition(rows.cells == columns.count, "a row of \(table) needs \(columns.count) cells, not \(rows.cells)")
        }
        let names = columns.map(\.name).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try connection.executeEach("INSERT INTO \(table) (\(names)) VALUES (\(marks))" + clause, width: columns.count, rows.binds)
    }

    /// The rows of `table` whose `key` columns equal one of `keys`, each `write` filling a
    /// key's cells in the order of `key`. `columns` is the select list, its columns
    /// qualified with `t.` (the table's alias); `filter`, when given, is one more condition
    /// on `t` (a partial index's predicate). Each row comes back at most once per key given.
    /// `locking` rows are locked until the transaction ends on PostgreSQL (`FOR NO KEY
    /// UPDATE`; SQLite has one writer).
    static func select<Keys: Collection>(
        _ columns: String,
        from table: String,
        key: [(name: String, kind: Kind)],
        filter: String? = nil,
        locking: Bool = false,
        in keys: Keys,
        _ db: any SQLDatabase,
        write: (Keys.Element, inout Row) -> Void
    ) async throws -> [any SQLRow] {
        let postgres = Database.Dialect(of: db) == .postgres
        let match =
            key.enumerated().map { offset, column in
                "t.\(column.name) = " + cell(offset, column.kind, of: "k.value", postgres: postgres)
            }.joined(separator: " AND ") + (filter.map { " AND \($0)" } ?? "")
        var rows: [any SQLRow] = []
        for json in arrays(keys, cells: key.count, of: table, write: write) {
            // The array drives the join: one index lookup per key (SQLite plans a CROSS JOIN in the order written).
            let statement: SQLQueryString =
                postgres
                ? "SELECT \(unsafeRaw: columns) FROM jsonb_array_elements(\(bind: json)::jsonb) AS k(value) "
                    + "JOIN \(unsafeRaw: table) AS t ON \(unsafeRaw: match)\(unsafeRaw: locking ? " FOR NO KEY UPDATE OF t" : "")"
                : "SELECT \(unsafeRaw: columns) FROM json_each(\(bind: json)) AS k CROSS JOIN \(unsafeRaw: table) AS t ON \(unsafeRaw: match)"
            rows += try await db.raw(statement).all()
        }
        return rows
    }

    /// Deletes the rows of `table` whose `key` columns equal one of `keys` and that meet
    /// `filter` (SQL on the table's own columns, unqualified).
    static func delete<Keys: Collection>(
        from table: String,
        key: [(name: String, kind: Kind)],
        filter: String,
        in keys: Keys,
        _ db: any SQLDatabase,
        write: (Keys.Element, inout Row) -> Void
    ) async throws {
        let postgres = Database.Dialect(of: db) == .postgres
        let names = key.map(\.name).joined(separator: ", ")
        let cells = key.enumerated().map { cell($0, $1.kind, of: "value", postgres: postgres) }.joined(separator: ", ")
        for json in arrays(keys, cells: key.count, of: table, write: write) {
            let source: SQLQueryString = postgres ? "jsonb_array_elements(\(bind: json)::jsonb)" : "json_each(\(bind: json))"
            try await db.raw(
                "DELETE FROM \(unsafeRaw: table) WHERE \(unsafeRaw: filter) AND (\(unsafeRaw: names)) IN (SELECT \(unsafeRaw: cells) FROM " + source
                    + ")"
            ).run()
        }
    }

    /// What ``update(_:key:set:returning:_:_:write:)`` does to a column with its cell.
    enum Change {
        /// Adds the cell (an integer) to the column.
        case add
        /// Replaces the column with the cell.
        case assign(Kind)
    }

    /// Changes many rows of `table` with one statement per ``rowsPerStatement`` rows: each
    /// item's row is `key`'s cell followed by one cell per column of `set`, applied to the row
    /// whose key column equals it. Returns `returning` (columns of `table`, unqualified; none
    /// when nil) of each row changed; a key no row has changes nothing.
    @discardableResult
    static func update<Items: Collection>(
        _ table: String,
        key: (name: String, kind: Kind),
        set columns: [(name: String, change: Change)],
        returning: String? = nil,
        _ items: Items,
        _ db: any SQLDatabase,
        write: (Items.Element, inout Row) -> Void
    ) async throws -> [any SQLRow] {
        let postgres = Database.Dialect(of: db) == .postgres
        let assignments = columns.enumerated().map { offset, column in
            switch column.change {
            case .add: "\(column.name) = \(table).\(column.name) + " + cell(offset + 1, .integer, of: "j.value", postgres: postgres)
            case .assign(let kind): "\(column.name) = " + cell(offset + 1, kind, of: "j.value", postgres: postgres)
            }
        }.joined(separator: ", ")
        let match = "\(table).\(key.name) = " + cell(0, key.kind, of: "j.value", postgres: postgres)
        let answer = returning.map { " RETURNING " + $0 } ?? ""
        var rows: [any SQLRow] = []
        for json in arrays(items, cells: columns.count + 1, of: table, write: write) {
            let source: SQLQueryString = postgres ? "jsonb_array_elements(\(bind: json)::jsonb) AS j(value)" : "json_each(\(bind: json)) AS j"
            let statement: SQLQueryString =
                "UPDATE \(unsafeRaw: table) SET \(unsafeRaw: assignments) FROM " + source + " WHERE \(unsafeRaw: match)\(unsafeRaw: answer)"
            if returning == nil { try await db.raw(statement).run() } else { rows += try await db.raw(statement).all() }
        }
        return rows
    }

    /// Cell `offset` of a JSON row `value` as SQL: PostgreSQL's `->>` gives text, so integers are cast back.
    private static func cell(_ offset: Int, _ kind: Kind, of value: String, postgres: Bool) -> String {
        postgres && kind == .integer ? "(\(value)->>\(offset))::bigint" : "\(value)->>\(offset)"
    }

    /// The items as JSON arrays of rows, ``rowsPerStatement`` rows each.
    private static func arrays<Items: Collection>(
        _ items: Items,
        cells: Int,
        of table: String,
        write: (Items.Element, inout Row) -> Void
    ) -> [String] {
        var arrays: [String] = []
        var remaining = items[...]
        while !remaining.isEmpty {
            let chunk = remaining.prefix(rowsPerStatement)
            remaining = remaining.dropFirst(chunk.count)
            // One buffer for the whole statement; `Row` writes each row's cells into it.
            var rows = Row(json: [UInt8(ascii: "[")])
            for item in chunk {
                if rows.json.count > 1 { rows.json.append(UInt8(ascii: ",")) }
                rows.json.append(UInt8(ascii: "["))
                rows.cells = 0
                write(item, &rows)
                precondition(rows.cells == cells, "a row of \(table) needs \(cells) cells, not \(rows.cells)")
                rows.json.append(UInt8(ascii: "]"))
            }
            rows.json.append(UInt8(ascii: "]"))
            arrays.append(String(decoding: rows.json, as: UTF8.self))
        }
        return arrays
    }

    private static func statement(
        _ table: String,
        _ columns: [(name: String, kind: Kind)],
        json: String,
        _ dialect: Database.Dialect
    ) -> SQLQueryString {
        let names = columns.map(\.name).joined(separator: ", ")
        let postgres = dialect == .postgres
        let cells = columns.enumerated().map { cell($0, $1.kind, of: "value", postgres: postgres) }.joined(separator: ", ")
        if postgres {
            return "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: names)) SELECT \(unsafeRaw: cells) FROM jsonb_array_elements(\(bind: json)::jsonb)"
        }
        return "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: names)) SELECT \(unsafeRaw: cells) FROM json_each(\(bind: json))"
    }
}
