import PacSpaceCore
import SQLKit

/// A sequencer round: the next batch of several environments, written together.
extension LogStore {
    /// One environment's next batch, as the sequencer asks for it.
    public struct Batch: Sendable {
        public let environmentID: String
        /// The last checkpoint signed for it, as kept outside the database (the witness).
        public let lastSigned: (size: Int64, root: Hash)?
        public let sign: @Sendable (Checkpoint) throws -> String

        public init(environmentID: String, lastSigned: (size: Int64, root: Hash)?, sign: @escaping @Sendable (Checkpoint) throws -> String) {
            self.environmentID = environmentID
            self.lastSigned = lastSigned
            self.sign = sign
        }
    }

    /// What became of one environment's batch: stored (nil when nothing was queued) or why not.
    public struct BatchOutcome: Sendable {
        public let environmentID: String
        public let result: Result<Integration?, any Error>
    }

    /// Integrates the next batch of each of `batches` (as ``integrate(environmentID:limit:now:lastSigned:sign:)``
    /// does for one), one outcome each, in order.
    ///
    /// Each batch is planned on its own read snapshot. On SQLite the planned batches are then
    /// written together, up to `limit` entries a transaction, each behind a savepoint: a batch
    /// that fails is rolled back alone and the others commit. One transaction an environment
    /// was one commit (an fsync, and SQLite's commit work) per environment per round: with 100
    /// tenants' environments receiving single emits, 190 sequencer commits a second beside
    /// ingest's 290 on the one writer, and 120 µs of CPU a delta where one environment costs 30
    /// (perf, issue 28). On PostgreSQL each batch keeps its own transaction: a batch takes its
    /// customers' rows and then its environment's, as ingest does, and a second environment's
    /// customers taken after the first one's environment row could deadlock with an ingest
    /// group holding them (LockOrder).
    public func integrate(_ batches: [Batch], limit: Int, now: Int64) async -> [BatchOutcome] {
        var outcomes: [BatchOutcome] = []
        var planned: [(batch: Batch, plan: Plan)] = []
        var weight = 0
        for batch in batches {
            do {
                guard let plan = try await plan(batch, limit) else {
                    outcomes.append(BatchOutcome(environmentID: batch.environmentID, result: .success(nil)))
                    continue
                }
                planned.append((batch, plan))
                weight += plan.entries.count
                if database.dialect == .postgres || weight >= limit {
                    outcomes += await write(planned, now)
                    planned = []
                    weight = 0
                }
            } catch {
                outcomes.append(BatchOutcome(environmentID: batch.environmentID, result: .failure(error)))
            }
        }
        outcomes += await write(planned, now)
        // In the order asked.
        let order = Dictionary(batches.enumerated().map { ($1.environmentID, $0) }, uniquingKeysWith: { first, _ in first })
        return outcomes.sorted { (order[$0.environmentID] ?? 0) < (order[$1.environmentID] ?? 0) }
    }

    /// The batch worked out on a read snapshot; nil when nothing is queued.
    private func plan(_ batch: Batch, _ limit: Int) async throws -> Plan? {
        // A batch of 10,000 entries may take seconds on a loaded PostgreSQL: a longer limit than requests get.
        try await database.snapshot(timeout: .seconds(120)) { db in
            // Servers sharing a database skip a log another one is planning or writing
            // instead of planning the same batch beside it, only to throw it away at
            // the write: every server's sequencer sees every environment's queue.
            guard try await sequencerLock(batch.environmentID, db) else { throw TreeMoved(environmentID: batch.environmentID) }
            return try await plan(db, batch.environmentID, limit, batch.lastSigned)
        }
    }

    /// Writes planned batches in one transaction, each behind a savepoint when there are several.
    private func write(_ planned: [(batch: Batch, plan: Plan)], _ now: Int64) async -> [BatchOutcome] {
        guard !planned.isEmpty else { return [] }
        do {
            return try await database.transaction(timeout: .seconds(120)) { db in
                if planned.count == 1, let only = planned.first {
                    return [
                        BatchOutcome(environmentID: only.batch.environmentID, result: .success(try await write(only.plan, now, only.batch.sign, db)))
                    ]
                }
                var outcomes: [BatchOutcome] = []
                for (batch, plan) in planned {
                    try await db.raw("SAVEPOINT batch").run()
                    do {
                        let integration = try await write(plan, now, batch.sign, db)
                        try await db.raw("RELEASE batch").run()
                        outcomes.append(BatchOutcome(environmentID: batch.environmentID, result: .success(integration)))
                    } catch {
                        // A failure SQLite answers by rolling the whole transaction back (a full disk, an
                        // I/O error) leaves no savepoint to return to: then the round fails as a whole.
                        try await db.raw("ROLLBACK TO batch").run()
                        try await db.raw("RELEASE batch").run()
                        outcomes.append(BatchOutcome(environmentID: batch.environmentID, result: .failure(error)))
                    }
                }
                return outcomes
            }
        } catch {
            return planned.map { BatchOutcome(environmentID: $0.batch.environmentID, result: .failure(error)) }
        }
    }
}
