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

    /// What a ``reseal(with:_:progress:)`` came to.
    public struct Resealing: Sendable {
        /// Values sealed again under the current key.
        public var sealedAgain = 0
        /// Values no key of the ring opens (`table.column id`), left as they were: a retired
        /// key dropped too early, or a damaged row. Each one's owner (an environment's
        /// sequencer, an endpoint's deliveries) reports its own failure.
        public var unopened: [String] = []
    }

    /// Seals the `selected` values again with `sealer`'s current key, bound to their rows,
    /// ``batch`` rows per transaction; `progress` hears the running total. A value changed
    /// meanwhile (a secret rotated) is left to its new writer, who sealed it with the
    /// current key; one that does not open is listed and left, so one damaged row stops
    /// neither the server's start nor the others.
    @discardableResult
    public func reseal(with sealer: KeySealer, _ selected: Selection, progress: (Int) -> Void = { _ in }) async throws -> Resealing {
        // Picked by prefix in SQL, so the check at start-up reads no row once nothing is left.
        let pattern = selected == .legacy ? "v2.%" : "v2.\(sealer.currentKeyID).%"
        var outcome = Resealing()
        for column in Self.columns {
            var after = ""
            while true {
                let start = after
                let (batch, last) = try await database.transaction { db -> (Resealing, String?) in
                    let rows = try await db.raw(
                        """
                        SELECT id, \(unsafeRaw: column.column) AS value FROM \(unsafeRaw: column.table)
                        WHERE \(unsafeRaw: column.column) IS NOT NULL AND \(unsafeRaw: column.column) NOT LIKE \(bind: pattern)
                          AND id > \(bind: start) ORDER BY id LIMIT \(bind: Self.batch)
                        """
                    ).all()
                    var batch = Resealing()
                    for row in rows {
                        let id = try row.decode(column: "id", as: String.self)
                        let value = try row.decode(column: "value", as: String.self)
                        let binding = column.binding(id)
                        guard let plaintext = try? sealer.open(value, for: binding) else {
                            batch.unopened.append("\(column.table).\(column.column) \(id)")
                            continue
                        }
                        let updated = try await db.raw(
                            """
                            UPDATE \(unsafeRaw: column.table) SET \(unsafeRaw: column.column) = \(bind: try sealer.seal(plaintext, for: binding))
                            WHERE id = \(bind: id) AND \(unsafeRaw: column.column) = \(bind: value) RETURNING id
                            """
                        ).first()
                        if updated != nil { batch.sealedAgain += 1 }
                    }
                    return (batch, try rows.last?.decode(column: "id", as: String.self))
                }
                outcome.sealedAgain += batch.sealedAgain
                outcome.unopened += batch.unopened
                if batch.sealedAgain > 0 { progress(outcome.sealedAgain) }
                guard let last else { break }
                after = last
            }
        }
        return outcome
    }

    /// Calls `body` with the id and value of every row of `column` that holds a value.
    private func each(_ column: Column, _ body: (String, String) -> Void) async throws {
        let rows = try await database.read { db in
            try await db.raw(
                """
                SELECT id, \(unsafeRaw: column.column) AS value FROM \(unsafeRaw: column.table) WHERE \(unsafeRaw: column.column) IS NOT NULL
                """
            ).all()
        }
        for row in rows { body(try row.decode(column: "id", as: String.self), try row.decode(column: "value", as: String.self)) }
    }
}
