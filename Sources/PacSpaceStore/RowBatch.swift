import PacSpaceCore
import SQLKit

/// Inserts many rows with one statement and one bound parameter: the rows travel as a
/// JSON array of arrays that the database unpacks itself (SQLite `json_each`, PostgreSQL
/// `jsonb_array_elements`).
///
/// A multi-row `VALUES` list binds every cell on its own, and on the write path that
/// binding (SQLKit's expressions, an `Encodable` per cell, parsing a statement of
/// thousands of placeholders) cost more than the inserts themselves. Here the statement
/// text is the same for every batch and the cells are written straight into one buffer.
///
/// Text cells never hold NUL: request validation refuses control characters, and stored
/// JSON (metadata) keeps its escapes as text.
struct RowBatch {
    /// How a column's cells are written and read back.
    enum Kind { case text, integer }

    /// The cells of one row, written in column order.
    struct Row {
        fileprivate var json: [UInt8]
        fileprivate var cells = 0

        /// A text cell; nil is NULL.
        mutating func text(_ value: String?) {
            separate()
            if let value { JSONWriter.appendString(value, to: &json) } else { json += Self.null }
        }

        /// An integer cell; nil is NULL.
        mutating func integer(_ value: Int64?) {
            separate()
            if let value { json.append(contentsOf: String(value).utf8) } else { json += Self.null }
        }

        private mutating func separate() {
            if cells > 0 { json.append(UInt8(ascii: ",")) }
            cells += 1
        }

        private static let null = Array("null".utf8)
    }

    /// Rows per statement: bounds the text one statement carries.
    static let rowsPerStatement = 1_000

    /// Inserts one row per element of `items` into `table`; `write` fills each row's
    /// cells in the order of `columns`.
    static func insert<Items: Collection>(into table: String, columns: [(name: String, kind: Kind)], _ items: Items,
                                          _ db: any SQLDatabase, write: (Items.Element, inout Row) -> Void) async throws {
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
                precondition(rows.cells == columns.count, "a row of \(table) needs \(columns.count) cells, not \(rows.cells)")
                rows.json.append(UInt8(ascii: "]"))
            }
            rows.json.append(UInt8(ascii: "]"))
            try await db.raw(statement(table, columns, json: String(decoding: rows.json, as: UTF8.self), db.dialect.name)).run()
        }
    }

    private static func statement(_ table: String, _ columns: [(name: String, kind: Kind)], json: String,
                                  _ dialect: String) -> SQLQueryString {
        let names = columns.map(\.name).joined(separator: ", ")
        if dialect == "postgresql" {
            let cells = columns.enumerated().map { $1.kind == .integer ? "(value->>\($0))::bigint" : "value->>\($0)" }.joined(separator: ", ")
            return "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: names)) SELECT \(unsafeRaw: cells) FROM jsonb_array_elements(\(bind: json)::jsonb)"
        }
        let cells = columns.indices.map { "value->>\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: names)) SELECT \(unsafeRaw: cells) FROM json_each(\(bind: json))"
    }
}
