import PacSpaceCore
import SQLKit

/// Checkpoints (docs/api.md §5, docs/verification.md "Period roots").
public struct CheckpointStore: Sendable {
    static let wholeEnvironment = "*"

    let database: Database

    public init(database: Database) { self.database = database }

    /// The checkpoint of (environment, customer, scope): the existing one, or a new one
    /// covering the VERIFIED deltas `selection` picks, in log order, its root bound to the
    /// log's `origin`. `before` selects the deltas that make up the starting balance (nil: zero).
    ///
    /// The period is worked out first on a read snapshot, beside the writer, streaming the
    /// deltas (``CheckpointPeriod``); the write transaction only stores it. A month of a
    /// large environment would otherwise hold SQLite's one writer, and every ingest, for
    /// as long as the pass takes.
    public func checkpoint(
        environmentID: String,
        origin: String,
        customerID: String?,
        scopeKey: String,
        scope: JSONValue,
        selection: DeltaStore.Selection,
        before: DeltaStore.Selection?,
        now: Int64
    ) async throws
        -> (CheckpointRecord, created: Bool)
    {
        let customerKey = customerID ?? Self.wholeEnvironment
        let existing: @Sendable (any SQLDatabase) async throws -> CheckpointRecord? = { db in
            try await db.raw(
                """
                SELECT * FROM checkpoints WHERE environment_id = \(bind: environmentID) AND customer_key = \(bind: customerKey)
                  AND scope_key = \(bind: scopeKey)
                """
            ).first().map(CheckpointRecord.init(row:))
        }
        if let found = try await database.read({ try await existing($0) }) { return (found, false) }
        // A scan of millions of rows may take a while on a loaded server: a longer limit than requests get.
        let period = try await database.read(timeout: .seconds(120)) { db in
            try await CheckpointPeriod.compute(
                db,
                environmentID: environmentID,
                customerID: customerID,
                origin: origin,
                scope: scope,
                selection: selection,
                before: before
            )
        }
        let id = Identifier.make("chk")
        let leaf = try LogEntry.checkpointLeaf(
            .v2,
            checkpointID: id,
            proofRoot: period.root,
            scope: scope,
            deltaCount: period.deltaCount,
            netChange: period.netChange
        )
        let record = CheckpointRecord(
            checkpointID: id,
            environmentID: environmentID,
            customerID: customerID,
            scope: try CanonicalJSON(scope),
            proofRoot: period.root,
            deltaCount: period.deltaCount,
            netChange: period.netChange,
            startingBalance: period.startingBalance,
            endingBalance: period.endingBalance,
            firstRecordAt: period.firstRecordAt,
            lastRecordAt: period.lastRecordAt,
            leafData: String(decoding: leaf, as: UTF8.self),
            status: .queued,
            logIndex: nil,
            createdAt: now,
            verifiedAt: nil
        )
        return try await database.transaction { db in
            // The same scope sealed meanwhile (a concurrent request): that one stands.
            if let found = try await existing(db) { return (found, false) }
            guard
                let position = try await db.raw(
                    """
                    UPDATE environments SET queue_position = queue_position + 1 WHERE id = \(bind: environmentID) RETURNING queue_position
                    """
                ).first()?.decode(column: "queue_position", as: Int64.self)
            else { throw StoreInvariant("environment \(environmentID) vanished") }
            try await db.raw(
                """
                INSERT INTO checkpoints (checkpoint_id, environment_id, customer_key, scope_key, scope, proof_root, delta_count, net_change,
                    starting_balance, ending_balance, first_record_at, last_record_at, leaf_data, queue_position, status, created_at)
                VALUES (\(bind: id), \(bind: environmentID), \(bind: customerKey), \(bind: scopeKey), \(bind: record.scope.text),
                        \(bind: record.proofRoot.prefixedHex), \(bind: record.deltaCount), \(bind: record.netChange.micros),
                        \(bind: record.startingBalance.micros), \(bind: record.endingBalance.micros), \(bind: record.firstRecordAt),
                        \(bind: record.lastRecordAt), \(bind: record.leafData), \(bind: position), 'QUEUED', \(bind: now))
                """
            ).run()
            return (record, true)
        }
    }

    /// One page of the environment's checkpoints, newest first, optionally of one customer.
    public func list(
        environmentID: String,
        customerID: String?,
        scopeKey: String? = nil,
        limit: Int,
        offset: Int
    ) async throws
        -> (items: [CheckpointRecord], total: Int)
    {
        try await database.read { db in
            var filter: SQLQueryString = customerID.map { " AND customer_key = \(bind: $0)" } ?? ""
            if let scopeKey { filter += " AND scope_key = \(bind: scopeKey)" }
            let total =
                try await db.raw("SELECT COUNT(*) AS n FROM checkpoints WHERE environment_id = \(bind: environmentID)" + filter)
                .first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                "SELECT * FROM checkpoints WHERE environment_id = \(bind: environmentID)" + filter
                    + " ORDER BY created_at DESC, checkpoint_id LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all()
            return (try rows.map(CheckpointRecord.init(row:)), Int(total))
        }
    }

    /// The checkpoint of (environment, customer or nil for all, scope key), if sealed.
    public func checkpoint(environmentID: String, customerID: String?, scopeKey: String) async throws -> CheckpointRecord? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM checkpoints WHERE environment_id = \(bind: environmentID)
                AND customer_key = \(bind: customerID ?? Self.wholeEnvironment)
                  AND scope_key = \(bind: scopeKey)
                """
            ).first().map(CheckpointRecord.init(row:))
        }
    }

    /// The newest checkpoint of a customer.
    public func latest(environmentID: String, customerID: String) async throws -> CheckpointRecord? {
        try await list(environmentID: environmentID, customerID: customerID, limit: 1, offset: 0).items.first
    }

    /// The checkpoint of the environment with this proof root (a `startingCheckpoint`).
    /// A v1 root may be shared by several of its checkpoints (same deltas, other scope):
    /// the oldest is taken, as before v2.
    public func checkpoint(environmentID: String, proofRoot: String) async throws -> CheckpointRecord? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM checkpoints WHERE environment_id = \(bind: environmentID) AND proof_root = \(bind: proofRoot)
                ORDER BY created_at, checkpoint_id LIMIT 1
                """
            ).first().map(CheckpointRecord.init(row:))
        }
    }

    /// Up to two checkpoints with this proof root, in any environment (public
    /// verification): a v2 root names one; two mean a v1 root shared by several periods.
    public func checkpoints(proofRoot: String) async throws -> [CheckpointRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM checkpoints WHERE proof_root = \(bind: proofRoot) ORDER BY created_at, checkpoint_id LIMIT 2")
                .all().map(CheckpointRecord.init(row:))
        }
    }

    /// A checkpoint by its id, in any environment (public verification).
    public func checkpoint(id: String) async throws -> CheckpointRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM checkpoints WHERE checkpoint_id = \(bind: id)").first().map(CheckpointRecord.init(row:))
        }
    }
}

extension CheckpointRecord {
    init(row: any SQLRow) throws {
        let customerKey = try row.decode(column: "customer_key", as: String.self)
        self.init(
            checkpointID: try row.decode(column: "checkpoint_id", as: String.self),
            environmentID: try row.decode(column: "environment_id", as: String.self),
            customerID: customerKey == CheckpointStore.wholeEnvironment ? nil : customerKey,
            scope: try row.decode(column: "scope", as: CanonicalJSON.self),
            proofRoot: try row.decode(column: "proof_root", as: Hash.self),
            deltaCount: try row.decode(column: "delta_count", as: Int64.self),
            netChange: Amount(micros: try row.decode(column: "net_change", as: Int64.self)),
            startingBalance: Amount(micros: try row.decode(column: "starting_balance", as: Int64.self)),
            endingBalance: Amount(micros: try row.decode(column: "ending_balance", as: Int64.self)),
            firstRecordAt: try row.decode(column: "first_record_at", as: Int64?.self),
            lastRecordAt: try row.decode(column: "last_record_at", as: Int64?.self),
            leafData: try row.decode(column: "leaf_data", as: String.self),
            status: try row.decode(column: "status", as: CheckpointStatus.self),
            logIndex: try row.decode(column: "log_index", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            verifiedAt: try row.decode(column: "verified_at", as: Int64?.self)
        )
    }
}
