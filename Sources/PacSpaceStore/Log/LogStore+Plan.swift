import PacSpaceCore
import SQLKit

/// A sequencer batch, worked out on a read snapshot beside the writer.
extension LogStore {
    /// A batch worked out on a read snapshot, ready to be stored.
    struct Plan: Sendable {
        let environmentID: String
        let origin: String
        let tenantID: String
        let environment: EnvironmentName
        /// The size of the tree the batch extends.
        let size: Int64
        /// The tree with the batch appended.
        let frontier: MerkleFrontier
        let nodes: [(Subtree, Hash)]
        let entries: [(Int64, String)]
        let verified: [Verified]
        let checkpoints: [(id: String, index: Int64)]
        /// Record entries of the batch (docs/records.md): entry id and log index.
        let recordEntries: [(id: String, index: Int64)]
        let cost: Int64
        let oldestAcceptedAt: Int64?
        /// The environment's queue position on the snapshot: entries ever queued.
        let queuePosition: Int64
        /// Each customer's verified balance once the batch is stored, checked in `Int128`.
        let balances: [String: Int64]
    }

    /// What a batch is planned on top of.
    enum Base: Sendable {
        /// The stored tree, checked against its last signed checkpoint and the witness
        /// (`lastSigned`, kept outside the database).
        case stored(lastSigned: (size: Int64, root: Hash)?)
        /// A batch planned from the store and being written: its tree, its nodes and its
        /// customers' balances, which the snapshot may not show yet.
        case after(Plan)
    }

    /// Appends the next queued entries to a copy of the frontier of `base`. Nil when
    /// nothing is queued.
    func plan(_ db: any SQLDatabase, _ environmentID: String, _ limit: Int, _ base: Base) async throws -> Plan? {
        guard
            let env = try await db.raw(
                "SELECT log_origin, tree_size, queue_position, tenant_id, environment FROM environments WHERE id = \(bind: environmentID)"
            ).first(),
            let origin = try env.decode(column: "log_origin", as: String?.self)
        else { return nil }
        let stored = try env.decode(column: "tree_size", as: Int64.self)
        var frontier: MerkleFrontier
        var previous: Plan?
        switch base {
        case .stored(let lastSigned):
            frontier = try await checkedFrontier(db, environmentID, size: stored, lastSigned: lastSigned)
        case .after(let plan):
            // The snapshot shows the tree before that batch or after it; anything else is
            // another server's doing.
            guard stored == plan.size || stored == Int64(plan.frontier.size) else { throw TreeMoved(environmentID: environmentID) }
            frontier = plan.frontier
            previous = plan
        }
        let size = Int64(frontier.size)
        let lastRoot = frontier.root
        // The queue's next `limit` entries: the window of positions just past the tree first,
        // and, should that window hold none, the whole queue (see ``queued``).
        var queued = try await self.queued(environmentID, after: size, upTo: size + Int64(limit), limit, db)
        if queued.isEmpty { queued = try await self.queued(environmentID, after: size, upTo: nil, limit, db) }
        guard !queued.isEmpty else { return nil }

        var nodes: [(Subtree, Hash)] = []
        var entries: [(Int64, String)] = []
        var verified: [Verified] = []
        var checkpoints: [(id: String, index: Int64)] = []
        var recordEntries: [(id: String, index: Int64)] = []
        var cost: Int64 = 0
        var oldest: Int64?
        for row in queued {
            let item = try Queued(row: row, environmentID: environmentID)
            // The public log holds a commitment to the entry, never the entry itself
            // (docs/verification.md, "What a public leaf shows").
            let leaf = LeafCommitment.leaf(committingTo: item.entry.leafData)
            let index = Int64(frontier.size)
            nodes += frontier.append(leaf: Merkle.leafHash(leaf))
            entries.append((index, String(decoding: leaf, as: UTF8.self)))
            switch item.entry {
            case .delta(let receipt, _):
                cost += item.credit
                oldest = min(oldest ?? item.acceptedAt, item.acceptedAt)
                verified.append(
                    Verified(
                        record: item.id,
                        receipt: receipt,
                        customer: try row.decode(column: "customer_id", as: String.self),
                        amount: try row.decode(column: "amount", as: Int64.self),
                        index: index,
                        position: item.position
                    )
                )
            case .checkpoint: checkpoints.append((item.id, index))
            case .recordEntry:
                cost += item.credit
                oldest = min(oldest ?? item.acceptedAt, item.acceptedAt)
                recordEntries.append((item.id, index))
            }
        }
        let balances = try await balances(after: verified, from: previous?.balances ?? [:], environmentID: environmentID, db)
        // Belt and braces: the new tree must provably extend the last signed one.
        let newSize = Int64(frontier.size)
        let planned = Dictionary(nodes + (previous?.nodes ?? []), uniquingKeysWith: { first, _ in first })
        let proof = try await Merkle.consistencyProof(oldSize: UInt64(size), newSize: UInt64(newSize)) { subtrees in
            var stored = try await hashes(environmentID, subtrees.filter { planned[$0] == nil }, db).makeIterator()
            return try subtrees.map { subtree in
                guard let hash = planned[subtree] ?? stored.next() else {
                    throw LogError.inconsistent(environmentID: environmentID, detail: "a stored hash is missing from a consistency proof")
                }
                return hash
            }
        }
        guard Merkle.verifyConsistency(oldSize: UInt64(size), newSize: UInt64(newSize), oldRoot: lastRoot, newRoot: frontier.root, proof: proof)
        else {
            throw LogError.inconsistent(environmentID: environmentID, detail: "the appended tree does not extend the last checkpoint")
        }
        return Plan(
            environmentID: environmentID,
            origin: origin,
            tenantID: try env.decode(column: "tenant_id", as: String.self),
            environment: try env.decode(column: "environment", as: EnvironmentName.self),
            size: size,
            frontier: frontier,
            nodes: nodes,
            entries: entries,
            verified: verified,
            checkpoints: checkpoints,
            recordEntries: recordEntries,
            cost: cost,
            oldestAcceptedAt: oldest,
            queuePosition: try env.decode(column: "queue_position", as: Int64.self),
            balances: balances
        )
    }

    /// The stored tree of `size`, checked: its hashes give the root of its last signed
    /// checkpoint, and that tree extends the witness's (`lastSigned`).
    private func checkedFrontier(
        _ db: any SQLDatabase,
        _ environmentID: String,
        size: Int64,
        lastSigned: (size: Int64, root: Hash)?
    ) async throws -> MerkleFrontier {
        let last = try await latestCheckpoint(environmentID, db)
        guard let last, last.treeSize == size, let lastRoot = Hash(base64: last.rootHash) else {
            throw LogError.inconsistent(environmentID: environmentID, detail: "no signed checkpoint for the stored tree size \(size)")
        }
        let covering = Subtree.covering(0..<UInt64(size))
        guard let frontier = MerkleFrontier(size: UInt64(size), hashes: try await hashes(environmentID, covering, db)),
            frontier.root == lastRoot
        else {
            throw LogError.inconsistent(environmentID: environmentID, detail: "stored hashes do not give the signed root of size \(size)")
        }
        if let witness = lastSigned, witness.size != size || witness.root != lastRoot {
            guard witness.size < size else {
                throw LogError.inconsistent(
                    environmentID: environmentID,
                    detail: "the store has size \(size) but a checkpoint of size \(witness.size) was signed"
                )
            }
            let proof = try await Merkle.consistencyProof(oldSize: UInt64(witness.size), newSize: UInt64(size)) {
                try await hashes(environmentID, $0, db)
            }
            guard
                Merkle.verifyConsistency(oldSize: UInt64(witness.size), newSize: UInt64(size), oldRoot: witness.root, newRoot: lastRoot, proof: proof)
            else {
                throw LogError.inconsistent(environmentID: environmentID, detail: "the stored tree does not extend the last signed checkpoint")
            }
        }
        return frontier
    }

    /// The environment's next queued entries, at most `limit`, in queue order, with positions
    /// past `size` and, when `upTo` is given, at most `upTo`.
    ///
    /// Deltas, checkpoint entries and record entries share one queue per environment. Each
    /// queue is read in order through its index, then merged. (One ORDER BY over a UNION ALL
    /// of both sorted the whole backlog on PostgreSQL: seconds per batch with millions
    /// queued, measured by bench-scale.) Every QUEUED entry's position is past the tree size:
    /// the `size` entries in the log hold `size` distinct positions from 1 up, all below any
    /// queued one. Positions are given out densely, so the next `limit` entries are those up
    /// to `size + limit`: with that bound a batch reads at most `limit` rows of each table
    /// whatever plan the database picks. Without it PostgreSQL chose a bitmap scan of every
    /// queued delta, sorted, for each batch (its statistics stale behind a growing queue):
    /// 118 ms a batch of 10,000 with 238,000 queued, and draining a backlog cost its square
    /// (issue 28). The caller reads again without the bound if the window is empty, so a
    /// position never given out (there should be none) cannot stall the log.
    private func queued(
        _ environmentID: String,
        after size: Int64,
        upTo last: Int64?,
        _ limit: Int,
        _ db: any SQLDatabase
    ) async throws
        -> [any SQLRow]
    {
        let window: SQLQueryString = last.map { "AND queue_position <= \(bind: $0)" } ?? ""
        let queuedDeltas = try await db.raw(
            """
            SELECT \(literal: LogEntry.Kind.delta.rawValue) AS kind, record_id AS id, receipt_id, content_hash, customer_id, amount,
                   queue_position, NULL AS leaf_data, credit_cost, created_at
              FROM deltas WHERE environment_id = \(bind: environmentID) AND queue_position > \(bind: size) \(window) AND status = 'QUEUED'
              ORDER BY queue_position LIMIT \(bind: limit)
            """
        ).all()
        let queuedCheckpoints = try await db.raw(
            """
            SELECT \(literal: LogEntry.Kind.checkpoint.rawValue) AS kind, checkpoint_id AS id, NULL AS receipt_id, NULL AS content_hash,
                   NULL AS customer_id, 0 AS amount, queue_position, leaf_data, 0 AS credit_cost, 0 AS created_at
              FROM checkpoints WHERE environment_id = \(bind: environmentID) AND queue_position > \(bind: size) \(window) AND status = 'QUEUED'
              ORDER BY queue_position LIMIT \(bind: limit)
            """
        ).all()
        let queuedRecordEntries = try await db.raw(
            """
            SELECT \(literal: LogEntry.Kind.recordEntry.rawValue) AS kind, entry_id AS id, NULL AS receipt_id, NULL AS content_hash,
                   NULL AS customer_id, 0 AS amount, queue_position, leaf_data, credit_cost, created_at
              FROM record_entries WHERE environment_id = \(bind: environmentID) AND queue_position > \(bind: size) \(window)
                AND status = 'QUEUED' ORDER BY queue_position LIMIT \(bind: limit)
            """
        ).all()
        return try (queuedDeltas + queuedCheckpoints + queuedRecordEntries)
            .map { (position: try $0.decode(column: "queue_position", as: Int64.self), row: $0) }
            .sorted { $0.position < $1.position }.prefix(limit).map(\.row)
    }

    /// The verified balances of the batch's customers once it is stored: `known` (the batch
    /// planned before this one, not yet stored), or else read here, on the snapshot (only the
    /// sequencer changes them, and ``TreeMoved`` catches a second one), summed in `Int128` and
    /// refused (``LogError/totalOutOfRange``) past 64 bits. They are written as values, so
    /// SQL never adds money (SQLite's `+` turns an overflow into a REAL).
    private func balances(
        after batch: [Verified],
        from known: [String: Int64],
        environmentID: String,
        _ db: any SQLDatabase
    ) async throws -> [String: Int64] {
        var sums: [String: Int128] = [:]
        for delta in batch { sums[delta.customer, default: 0] += Int128(delta.amount) }
        var current = known.filter { sums[$0.key] != nil }
        let rows = try await RowBatch.select(
            "t.customer_id, t.verified_balance",
            from: "customers",
            key: [("environment_id", .text), ("customer_id", .text)],
            in: sums.keys.filter { current[$0] == nil },
            db
        ) { customer, row in
            row.text(environmentID)
            row.text(customer)
        }
        for row in rows {
            current[try row.decode(column: "customer_id", as: String.self)] = try row.decode(column: "verified_balance", as: Int64.self)
        }
        var balances: [String: Int64] = [:]
        for (customer, sum) in sums {
            guard let balance = Int64(exactly: Int128(current[customer] ?? 0) + sum) else {
                let record = batch.first { $0.customer == customer }?.record ?? "a delta"
                throw LogError.totalOutOfRange(environmentID: environmentID, recordID: record)
            }
            balances[customer] = balance
        }
        return balances
    }
}

/// One row of an environment's log queue, decoded: what its leaf is, and what it pays. A row
/// the server could not have written (an unknown kind, a content hash that is no hash)
/// stops the batch: it must never become a leaf of something else.
private struct Queued {
    let id: String
    let position: Int64
    let entry: LogEntry
    /// Micro-credits reserved at acceptance (0 for a checkpoint).
    let credit: Int64
    let acceptedAt: Int64

    init(row: any SQLRow, environmentID: String) throws {
        id = try row.decode(column: "id", as: String.self)
        position = try row.decode(column: "queue_position", as: Int64.self)
        credit = try row.decode(column: "credit_cost", as: Int64.self)
        acceptedAt = try row.decode(column: "created_at", as: Int64.self)
        let kind = try row.decode(column: "kind", as: String.self)
        switch LogEntry.Kind(rawValue: kind) {
        case .delta:
            let contentHash = try row.decode(column: "content_hash", as: Hash.self)
            entry = .delta(receiptID: try row.decode(column: "receipt_id", as: String.self), contentHash: contentHash)
        case .checkpoint: entry = .checkpoint(leafData: Array(try row.decode(column: "leaf_data", as: String.self).utf8))
        case .recordEntry: entry = .recordEntry(leafData: Array(try row.decode(column: "leaf_data", as: String.self).utf8))
        case nil: throw StoreInvariant("queued entry \(id) of \(environmentID) is of no kind the log has (\(kind))")
        }
    }
}
