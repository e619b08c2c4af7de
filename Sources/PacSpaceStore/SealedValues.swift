import PacSpaceCore
import SQLKit

/// Every value sealed with the master key, wherever it is stored (``KeySealer``): to
/// count them by key and to seal them again under the current key, bound to their row.
public struct SealedValues: Sendable {
    let database: Database

    /// Rows re-sealed per transaction.
    static let batch = 500

    /// A column of sealed values and what its values are bound to.
    struct Column: Sendable {
        let table: String
        let column: String
        let binding: @Sendable (_ id: String) -> KeySealer.Binding
    }

    /// Each is keyed by the table's `id`. A new sealed column must be listed here, or a
    /// rotation would retire the key it was sealed with.
    static let columns = [
        Column(table: "environments", column: "sealed_signing_key") { .signingKey(environmentID: $0) },
        Column(table: "webhook_endpoints", column: "sealed_secret") { .webhookSecret(endpointID: $0) },
        Column(table: "webhook_endpoints", column: "sealed_previous_secret") { .webhookSecret(endpointID: $0) },
    ]

    public init(database: Database) { self.database = database }

    /// How many values each master key sealed, by key id; values from before the key
    /// ring are counted under `legacy`.
    public func census() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for column in Self.columns {
            try await each(column) { _, value in counts[SealedFormat(value).keyID ?? "legacy", default: 0] += 1 }
        }
        return counts
    }

    /// Which values ``reseal(with:_:progress:)`` seals again.
    public enum Selection: Sendable {
        /// Those from before the key ring, without associated data (at every start: a
        /// query that finds none once they are done).
        case legacy
        /// Every value not sealed by the current key (`pacspace keys reseal`).
        case notCurrent
    }

    /// Seals the `selected` values again with `sealer`'s current key, bound to their rows,
    /// ``batch`` rows per transaction; `progress` hears the running total. A value changed
    /// meanwhile (a secret rotated) is left to its new writer, who sealed it with the
    /// current key. Returns how many were sealed again.
    @discardableResult
    public func reseal(with sealer: KeySealer, _ selected: Selection, progress: (Int) -> Void = { _ in }) async throws -> Int {
        // Picked by prefix in SQL, so the check at start-up reads no row once nothing is left.
        let pattern = selected == .legacy ? "v2.%" : "v2.\(sealer.currentKeyID).%"
        var total = 0
        for column in Self.columns {
            var after = ""
            while true {
                let start = after
                let (count, last) = try await database.transaction { db -> (Int, String?) in
                    let rows = try await db.raw("""
                        SELECT id, \(unsafeRaw: column.column) AS value FROM \(unsafeRaw: column.table)
                        WHERE \(unsafeRaw: column.column) IS NOT NULL AND \(unsafeRaw: column.column) NOT LIKE \(bind: pattern)
                          AND id > \(bind: start) ORDER BY id LIMIT \(bind: Self.batch)
                        """).all()
                    var count = 0
                    for row in rows {
                        let id = try row.decode(column: "id", as: String.self)
                        let value = try row.decode(column: "value", as: String.self)
                        let binding = column.binding(id)
                        let sealed = try sealer.seal(try sealer.open(value, for: binding), for: binding)
                        try await db.raw("""
                            UPDATE \(unsafeRaw: column.table) SET \(unsafeRaw: column.column) = \(bind: sealed)
                            WHERE id = \(bind: id) AND \(unsafeRaw: column.column) = \(bind: value)
                            """).run()
                        count += 1
                    }
                    return (count, try rows.last?.decode(column: "id", as: String.self))
                }
                total += count
                if count > 0 { progress(total) }
                guard let last else { break }
                after = last
            }
        }
        return total
    }

    /// Calls `body` with the id and value of every row of `column` that holds a value.
    private func each(_ column: Column, _ body: (String, String) -> Void) async throws {
        let rows = try await database.read { db in
            try await db.raw("""
                SELECT id, \(unsafeRaw: column.column) AS value FROM \(unsafeRaw: column.table) WHERE \(unsafeRaw: column.column) IS NOT NULL
                """).all()
        }
        for row in rows { body(try row.decode(column: "id", as: String.self), try row.decode(column: "value", as: String.self)) }
    }
}
