import PacSpaceCore
import SQLKit

/// A planned sequencer batch, stored and signed in one transaction.
extension LogStore {
    /// Stores a planned batch and signs its checkpoint, in the caller's transaction; throws
    /// ``TreeMoved`` (rolling it back) when the stored tree is no longer the one the plan
    /// extends, or another server is writing it. Each step below is one concern; the tree size grows last: ingest takes the
    /// environment's row too (queue positions), so on PostgreSQL it is held only from
    /// there to the commit.
    func write(
        _ plan: Plan,
        _ now: Int64,
        _ sign: @Sendable (Checkpoint) throws -> String,
        _ db: any SQLDatabase
    ) async throws -> Integration {
        try await claim(plan, db)
        try await appendLeaves(plan, db)
        let signed = try await signCheckpoint(plan, now, sign, db)
        try await markVerified(plan.verified, environmentID: plan.environmentID, now: now, db)
        try await markVerified(checkpoints: plan.checkpoints, now: now, db)
        try await markVerified(recordEntries: plan.recordEntries, now: now, db)
        try await settleCredits(plan, now, db)
        try await updateTotals(plan, now, db)
        try await announce(
            plan.verified,
            checkpoints: plan.checkpoints.map(\.id),
            tenantID: plan.tenantID,
            environment: plan.environment,
            now: now,
            db
        )
        try await growTree(plan, db)
        return Integration(
            entries: plan.verified.count + plan.checkpoints.count + plan.recordEntries.count,
            treeSize: signed.treeSize,
            checkpoint: signed,
            backlog: max(0, plan.queuePosition - signed.treeSize),
            oldestAcceptedAt: plan.oldestAcceptedAt
        )
    }

    /// On PostgreSQL several servers may share a log: one at a time writes an environment's
    /// batch (a transaction-scoped advisory lock, which ingest never takes, so writes are not
    /// held up), and a plan made before another server's batch committed is given up as
    /// ``TreeMoved`` before any row is written. Without it the later plan failed on its first
    /// node already stored, which halted the environment on that server with backoff (970
    /// such failures in one full test run, deltas QUEUED past 10 s). SQLite has one writer,
    /// but a batch planned ahead (``LogStore/PlannedBatch``) extends one that may have failed:
    /// the tree size is checked on both.
    private func claim(_ plan: Plan, _ db: any SQLDatabase) async throws {
        let locked = try await sequencerLock(plan.environmentID, db)
        let size = try await db.raw("SELECT tree_size FROM environments WHERE id = \(bind: plan.environmentID)").first()?
            .decode(column: "tree_size", as: Int64.self)
        guard locked, size == plan.size else { throw TreeMoved(environmentID: plan.environmentID) }
    }

    /// Takes the environment's sequencer lock for the rest of the transaction, without
    /// waiting: false when another server holds it. Always true on SQLite (one server).
    func sequencerLock(_ environmentID: String, _ db: any SQLDatabase) async throws -> Bool {
        guard database.dialect == .postgres else { return true }
        let key = "pacspace-sequencer:" + environmentID
        return try await db.raw("SELECT pg_try_advisory_xact_lock(hashtext(\(bind: key))) AS locked").first()?
            .decode(column: "locked", as: Bool.self) ?? false
    }

    /// The batch's leaves and the subtree hashes they complete.
    private func appendLeaves(_ plan: Plan, _ db: any SQLDatabase) async throws {
        let environmentID = plan.environmentID
        try await RowBatch.insert(
            into: "log_nodes",
            columns: [("environment_id", .text), ("level", .integer), ("node_index", .integer), ("hash", .text)],
            plan.nodes,
            db
        ) { node, row in
            row.text(environmentID)
            row.integer(Int64(node.0.level))
            row.integer(Int64(node.0.index))
            row.text(node.1.base64)
        }
        try await RowBatch.insert(
            into: "log_entries",
            columns: [("environment_id", .text), ("entry_index", .integer), ("leaf_data", .text)],
            plan.entries,
            db
        ) { entry, row in
            row.text(environmentID)
            row.integer(entry.0)
            row.text(entry.1)
        }
    }

    /// The signed checkpoint of the grown tree (`sign` checks the witness before it signs).
    private func signCheckpoint(
        _ plan: Plan,
        _ now: Int64,
        _ sign: @Sendable (Checkpoint) throws -> String,
        _ db: any SQLDatabase
    ) async throws -> SignedCheckpoint {
        let newSize = Int64(plan.frontier.size)
        let checkpoint = Checkpoint(origin: plan.origin, size: UInt64(newSize), root: plan.frontier.root)
        let signed = SignedCheckpoint(
            environmentID: plan.environmentID,
            treeSize: newSize,
            rootHash: plan.frontier.root.base64,
            note: try sign(checkpoint),
            signedAt: now
        )
        try await db.raw(
            """
            INSERT INTO log_checkpoints (environment_id, tree_size, root_hash, note, signed_at)
            VALUES (\(bind: plan.environmentID), \(bind: newSize), \(bind: signed.rootHash), \(bind: signed.note), \(bind: now))
            """
        ).run()
        return signed
    }

    /// Production deltas' and record entries' reserved credits become spent as they are verified.
    private func settleCredits(_ plan: Plan, _ now: Int64, _ db: any SQLDatabase) async throws {
        guard plan.cost > 0 else { return }
        let entries = plan.recordEntries.isEmpty ? "" : " and \(plan.recordEntries.count) record entries"
        try await CreditStore.settle(plan.tenantID, plan.cost, "\(plan.verified.count) production deltas\(entries) verified", now, db)
    }

    /// The customers' running totals and the month's usage.
    private func updateTotals(_ plan: Plan, _ now: Int64, _ db: any SQLDatabase) async throws {
        try await addToTotals(plan.verified, balances: plan.balances, environmentID: plan.environmentID, db)
        guard !plan.verified.isEmpty else { return }
        try await db.raw(
            """
            INSERT INTO usage_months (environment_id, period, verified_deltas)
            VALUES (\(bind: plan.environmentID), \(bind: String(Timestamp.iso8601(millis: now).prefix(7))), \(bind: Int64(plan.verified.count)))
            ON CONFLICT (environment_id, period) DO UPDATE SET verified_deltas = usage_months.verified_deltas + excluded.verified_deltas
            """
        ).run()
    }

    /// The tree size, last: ``TreeMoved`` when another sequencer grew it since the plan.
    private func growTree(_ plan: Plan, _ db: any SQLDatabase) async throws {
        guard
            try await db.raw(
                """
                UPDATE environments SET tree_size = \(bind: Int64(plan.frontier.size))
                WHERE id = \(bind: plan.environmentID) AND tree_size = \(bind: plan.size) RETURNING tree_size
                """
            ).first() != nil
        else { throw TreeMoved(environmentID: plan.environmentID) }
    }

    struct Verified {
        let record: String
        let receipt: String
        let customer: String
        let amount: Int64
        let index: Int64
        let position: Int64
    }

    /// Marks a batch VERIFIED: one statement when its queue positions are consecutive
    /// (they are, for a single writer), one per delta otherwise.
    private func markVerified(_ batch: [Verified], environmentID: String, now: Int64, _ db: any SQLDatabase) async throws {
        guard let first = batch.first, let last = batch.last else { return }
        let consecutive = zip(batch, batch.dropFirst()).allSatisfy { $1.position == $0.position + 1 && $1.index == $0.index + 1 }
        if consecutive {
            try await db.raw(
                """
                UPDATE deltas SET status = 'VERIFIED', log_index = queue_position - \(bind: first.position - first.index),
                    verified_at = \(bind: now), latency_ms = \(bind: now) - created_at
                WHERE environment_id = \(bind: environmentID) AND status = 'QUEUED'
                  AND queue_position >= \(bind: first.position) AND queue_position <= \(bind: last.position)
                """
            ).run()
            return
        }
        for delta in batch {
            try await db.raw(
                """
                UPDATE deltas SET status = 'VERIFIED', log_index = \(bind: delta.index), verified_at = \(bind: now),
                    latency_ms = \(bind: now) - created_at WHERE record_id = \(bind: delta.record)
                """
            ).run()
        }
    }

    /// The batch's checkpoints, now in the log.
    private func markVerified(checkpoints: [(id: String, index: Int64)], now: Int64, _ db: any SQLDatabase) async throws {
        for checkpoint in checkpoints {
            try await db.raw(
                """
                UPDATE checkpoints SET status = 'VERIFIED', log_index = \(bind: checkpoint.index), verified_at = \(bind: now)
                WHERE checkpoint_id = \(bind: checkpoint.id)
                """
            ).run()
        }
    }

    /// The batch's record entries, now in the log: one statement for up to
    /// ``RowBatch/rowsPerStatement`` of them. One UPDATE an entry was one round trip each on
    /// PostgreSQL, in the sequencer's transaction (issue 28).
    private func markVerified(recordEntries: [(id: String, index: Int64)], now: Int64, _ db: any SQLDatabase) async throws {
        try await RowBatch.update(
            "record_entries",
            key: ("entry_id", .text),
            set: [("status", .assign(.text)), ("log_index", .assign(.integer)), ("verified_at", .assign(.integer))],
            recordEntries,
            db
        ) { entry, row in
            row.text(entry.id)
            row.text(RecordEntry.Status.verified.rawValue)
            row.integer(entry.index)
            row.integer(now)
        }
    }

    /// Adds a batch to its customers' running totals: the balances worked out by the plan,
    /// the counts added; one multi-row upsert per 500 customers (the rows exist since
    /// ingest; the insert arm never applies).
    private func addToTotals(_ batch: [Verified], balances: [String: Int64], environmentID: String, _ db: any SQLDatabase) async throws {
        var totals: [String: (count: Int64, index: Int64, receipt: String)] = [:]
        for delta in batch {
            totals[delta.customer] = ((totals[delta.customer]?.count ?? 0) + 1, delta.index, delta.receipt)
        }
        // In key order, as ingest locks customers (see `DeltaStore.insert`): no deadlock on PostgreSQL.
        let order = totals.keys.sorted()
        for chunk in order.chunked(500) {
            var query: SQLQueryString = """
                INSERT INTO customers (environment_id, customer_id, last_sequence, total_deltas, verified_deltas, verified_balance,
                                       last_verified_index, latest_receipt_id, created_at, last_activity_at) VALUES
                """
            for (offset, customer) in chunk.enumerated() {
                guard let total = totals[customer], let balance = balances[customer] else {
                    throw StoreInvariant("no planned balance for a customer of \(environmentID)")
                }
                query += offset == 0 ? " " : ", "
                query +=
                    "(\(bind: environmentID), \(bind: customer), 0, 0, \(bind: total.count), "
                    + "\(bind: balance), \(bind: total.index), \(bind: total.receipt), 0, 0)"
            }
            query += """
                 ON CONFLICT (environment_id, customer_id) DO UPDATE SET
                    verified_balance = excluded.verified_balance,
                    verified_deltas = customers.verified_deltas + excluded.verified_deltas,
                    last_verified_index = excluded.last_verified_index, latest_receipt_id = excluded.latest_receipt_id
                """
            try await db.raw(query).run()
        }
    }
}
