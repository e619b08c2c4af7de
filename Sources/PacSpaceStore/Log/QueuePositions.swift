import SQLKit

/// The queue positions a writer's group gives out (deltas or record entries), inside its
/// transaction: one UPDATE of `environments` adds each environment's count to its queue
/// position — and, for deltas, their sum to its accepted balance — and returns where the
/// queue now ends; the group's items take the positions before that end, in order. Positions
/// are dense because they are given out in the transaction that writes the rows.
struct QueuePositions {
    private var next: [String: Int64] = [:]

    /// Reserves `counts[environment]` positions in each environment; `accepted`, when given,
    /// is added to each one's accepted balance in the same statement. The caller holds the
    /// environments' locks (``LockOrder/environments(_:_:_:)``).
    init(counts: [String: Int64], accepted: [String: Int64]? = nil, _ db: any SQLDatabase) async throws {
        let rows = try await RowBatch.update(
            "environments",
            key: ("id", .text),
            set: [("queue_position", .add)] + (accepted == nil ? [] : [("accepted_balance", .add)]),
            returning: "id, queue_position",
            counts.keys.sorted(),
            db
        ) { environment, row in
            row.text(environment)
            row.integer(counts[environment] ?? 0)
            if let accepted { row.integer(accepted[environment] ?? 0) }
        }
        for row in rows {
            let environment = try row.decode(column: "id", as: String.self)
            next[environment] = try row.decode(column: "queue_position", as: Int64.self) - (counts[environment] ?? 0) + 1
        }
        guard next.count == counts.count else { throw StoreInvariant("an environment vanished while its queue positions were given out") }
    }

    /// The next position of `environmentID`'s queue.
    mutating func take(_ environmentID: String) throws -> Int64 {
        guard let position = next[environmentID] else { throw StoreInvariant("no queue position reserved in \(environmentID)") }
        next[environmentID] = position + 1
        return position
    }
}
