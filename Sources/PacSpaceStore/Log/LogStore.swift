import PacSpaceCore
import SQLKit

/// Why the log refused to go on.
public enum LogError: Error, CustomStringConvertible {
    /// The stored tree does not match the last signed checkpoint (tampered or restored data).
    case inconsistent(environmentID: String, detail: String)
    /// Verifying the next queued delta would take a customer's verified balance past the
    /// 64-bit range (only deltas accepted before the running-total bound can).
    case totalOutOfRange(environmentID: String, recordID: String)

    public var description: String {
        switch self {
        case .inconsistent(let id, let detail): "the log of \(id) is inconsistent with its last signed checkpoint: \(detail)"
        case .totalOutOfRange(let id, let record):
            "the log of \(id) cannot verify \(record): its customer's verified balance would leave the 64-bit range"
        }
    }
}

/// What one sequencer batch did.
public struct Integration: Sendable {
    public let entries: Int
    public let treeSize: Int64
    public let checkpoint: SignedCheckpoint
    /// Entries still queued when the batch was planned, less the batch itself.
    public let backlog: Int64
    /// When the batch's oldest delta was accepted (epoch milliseconds); nil for a batch of checkpoints only.
    public let oldestAcceptedAt: Int64?
    /// The environment's next batch, planned on top of this one while it was written; nil
    /// unless this one was full.
    public var next: LogStore.PlannedBatch? = nil

    func followed(by next: LogStore.PlannedBatch?) -> Integration {
        var followed = self
        followed.next = next
        return followed
    }
}

/// The environments' Merkle logs: stored subtree hashes, leaf data, signed checkpoints.
public struct LogStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Environments with QUEUED entries, with the queue positions they have given out: more
    /// positions than entries in the log (each position is one delta, checkpoint or record
    /// entry, appended in position order).
    public func environmentsWithQueuedWork() async throws -> [(id: String, queuePosition: Int64)] {
        try await database.read { db in
            try await db.raw("SELECT id, queue_position FROM environments WHERE queue_position > tree_size").all().map {
                (try $0.decode(column: "id", as: String.self), try $0.decode(column: "queue_position", as: Int64.self))
            }
        }
    }

    /// Appends up to `limit` QUEUED deltas of the environment to its log, signs one
    /// checkpoint over the new tree and marks them VERIFIED — in one transaction. Refuses
    /// (throws ``LogError``) when the stored tree does not extend the last checkpoint it
    /// signed, or `lastSigned` (the witness kept outside the database) is not in the store.
    /// Returns nil when nothing is queued.
    ///
    /// The batch is worked out first on a read snapshot, beside the writer: the tree
    /// checked, the queued deltas read and hashed into leaves and nodes. The write
    /// transaction then stores it and checks that the tree did not grow meanwhile (nothing
    /// else appends on SQLite; servers sharing a PostgreSQL database may). On SQLite, where
    /// one connection writes, reading and hashing inside the transaction held up ingest.
    ///
    /// A full batch (a backlog) has its next batch planned while it is written, on top of
    /// it (``Integration/next``); passed back as `planned`, that batch is written without
    /// planning again. Planning and writing took turns, the server's CPU and then the
    /// database's: on PostgreSQL a drain kept half a core of each busy (issue 28).
    public func integrate(
        environmentID: String,
        limit: Int,
        now: Int64,
        lastSigned: (size: Int64, root: Hash)?,
        planned: PlannedBatch? = nil,
        sign: @escaping @Sendable (Checkpoint) throws -> String
    ) async throws -> Integration? {
        let plan: Plan
        if let planned, planned.plan.environmentID == environmentID {
            plan = planned.plan
        } else {
            // A batch of 10,000 entries may take seconds on a loaded PostgreSQL: a longer limit than requests get.
            guard
                let stored = try await database.snapshot(
                    timeout: .seconds(120),
                    { db in
                        // Servers sharing a database skip a log another one is planning or writing
                        // instead of planning the same batch beside it, only to throw it away at
                        // the write: every server's sequencer sees every environment's queue.
                        guard try await sequencerLock(environmentID, db) else { throw TreeMoved(environmentID: environmentID) }
                        return try await self.plan(db, environmentID, limit, .stored(lastSigned: lastSigned))
                    }
                )
            else { return nil }
            plan = stored
        }
        // Without the sequencer lock: the write below holds it. The write of the batch
        // planned here checks the tree size it extends, as every write does.
        async let ahead = planAhead(after: plan, limit)
        let integration = try await database.transaction(timeout: .seconds(120)) { db in try await write(plan, now, sign, db) }
        // A batch that could not be planned ahead is planned from the store next time.
        return integration.followed(by: (try? await ahead).flatMap { $0 }.map(PlannedBatch.init))
    }

    /// The batch after `plan`, when `plan` is full, planned on a snapshot on top of it.
    private func planAhead(after plan: Plan, _ limit: Int) async throws -> Plan? {
        guard plan.entries.count >= limit else { return nil }
        return try await database.snapshot(timeout: .seconds(120)) { db in try await self.plan(db, plan.environmentID, limit, .after(plan)) }
    }

    /// A batch planned on top of another one, to be written after it
    /// (``integrate(environmentID:limit:now:lastSigned:planned:sign:)``).
    public struct PlannedBatch: Sendable {
        let plan: Plan
    }

    /// The tree grew between a batch's plan and its write, or another server is planning
    /// or writing this log's next batch (servers sharing a PostgreSQL database). Nothing
    /// was written; the next round plans again.
    public struct TreeMoved: Error, CustomStringConvertible {
        public let environmentID: String
        public var description: String { "the log of \(environmentID) grew while a batch was planned; planning again" }
    }

    /// Stored subtree hashes, in the order asked.
    public func hashes(environmentID: String, _ subtrees: [Subtree]) async throws -> [Hash] {
        try await database.read { db in try await hashes(environmentID, subtrees, db) }
    }

    func hashes(_ environmentID: String, _ subtrees: [Subtree], _ db: any SQLDatabase) async throws -> [Hash] {
        // One primary-key lookup per subtree. (An OR of (level, index) pairs makes SQLite
        // scan every node of the environment: O(n), measured 0.3 s at 1M.)
        let rows = try await RowBatch.select(
            "t.level, t.node_index, t.hash",
            from: "log_nodes",
            key: [("environment_id", .text), ("level", .integer), ("node_index", .integer)],
            in: Set(subtrees),
            db
        ) { subtree, row in
            row.text(environmentID)
            row.integer(Int64(subtree.level))
            row.integer(Int64(subtree.index))
        }
        return try Self.ordered(rows, subtrees, log: environmentID)
    }

    /// The hashes of `subtrees`, in that order, from rows of `level`, `node_index` and `hash`
    /// (the environments' logs and the server log store their nodes alike).
    static func ordered(_ rows: [any SQLRow], _ subtrees: [Subtree], log: String) throws -> [Hash] {
        var found: [Subtree: Hash] = [:]
        for row in rows {
            let subtree = Subtree(
                level: Int(try row.decode(column: "level", as: Int64.self)),
                index: UInt64(try row.decode(column: "node_index", as: Int64.self))
            )
            found[subtree] = Hash(base64: try row.decode(column: "hash", as: String.self))
        }
        return try subtrees.map { subtree in
            guard let hash = found[subtree] else {
                throw LogError.inconsistent(environmentID: log, detail: "missing stored hash at level \(subtree.level) index \(subtree.index)")
            }
            return hash
        }
    }

    /// The hashes of `tile` (C2SP tlog-tiles): the stored subtrees of its height from its
    /// first position, in order; one range read of the primary key. Fewer than its width
    /// when the tree does not have them all (the caller checks the tile against a signed
    /// tree size first).
    public func hashes(environmentID: String, of tile: Tile) async throws -> [Hash] {
        guard let first = tile.firstSubtree else { return [] }
        let last = first + UInt64(tile.width) - 1
        return try await database.read { db in
            try await db.raw(
                """
                SELECT hash FROM log_nodes WHERE environment_id = \(bind: environmentID) AND level = \(bind: tile.subtreeHeight)
                  AND node_index >= \(bind: Int64(first)) AND node_index <= \(bind: Int64(last)) ORDER BY node_index
                """
            ).all().map { row in
                guard let hash = Hash(base64: try row.decode(column: "hash", as: String.self)) else {
                    throw StoreInvariant("a log node of \(environmentID) is not a hash")
                }
                return hash
            }
        }
    }

    /// The leaves of a level-0 tile's positions, in order, as the log holds them: one range
    /// read of `log_entries` (keyed by environment and index).
    public func leaves(environmentID: String, of tile: Tile) async throws -> [[UInt8]] {
        guard tile.level == 0, let first = tile.firstSubtree else { return [] }
        let last = first + UInt64(tile.width) - 1
        return try await database.read { db in
            try await db.raw(
                """
                SELECT leaf_data FROM log_entries WHERE environment_id = \(bind: environmentID)
                  AND entry_index >= \(bind: Int64(first)) AND entry_index <= \(bind: Int64(last)) ORDER BY entry_index
                """
            ).all().map { Array(try $0.decode(column: "leaf_data", as: String.self).utf8) }
        }
    }

    /// The latest signed checkpoint of the environment.
    public func latestCheckpoint(environmentID: String) async throws -> SignedCheckpoint? {
        try await database.read { db in try await latestCheckpoint(environmentID, db) }
    }

    func latestCheckpoint(_ environmentID: String, _ db: any SQLDatabase) async throws -> SignedCheckpoint? {
        try await db.raw(
            """
            SELECT * FROM log_checkpoints WHERE environment_id = \(bind: environmentID) ORDER BY tree_size DESC LIMIT 1
            """
        ).first().map(SignedCheckpoint.init(row:))
    }

}
