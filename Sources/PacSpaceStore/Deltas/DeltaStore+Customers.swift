import PacSpaceCore
import SQLKit

/// Customers the provider creates by hand, and an environment's customers at a glance.
extension DeltaStore {
    /// Creates `customerID` in `environment` with its profile and announces
    /// `customer.created`, in one transaction; nil when the customer exists already (by
    /// hand or through a delta). Its first delta then gets sequence number 1, as any.
    public func createCustomer(
        in environment: EnvironmentRecord,
        customerID: String,
        profile: CustomerProfile,
        now: Int64
    ) async throws -> CustomerTotals? {
        try await database.transaction { db in
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO customers (environment_id, customer_id, last_sequence, total_deltas, accepted_balance, created_at,
                                           last_activity_at, display_name, unit_label, sharing_state_hint, event_cadence)
                    VALUES (\(bind: environment.id), \(bind: customerID), 0, 0, 0, \(bind: now), \(bind: now), \(bind: profile.displayName),
                            \(bind: profile.unitLabel), \(bind: profile.sharingStateHint), \(bind: profile.eventCadence))
                    ON CONFLICT (environment_id, customer_id) DO NOTHING RETURNING *
                    """
                ).first()
            else { return nil }
            let customer = try CustomerTotals(row: row)
            try await WebhookOutbox.announce(
                [WebhookNotice(WebhookEventType.customerCreated.rawValue, customer.json)],
                tenantID: environment.tenantID,
                environment: environment.environment,
                now: now,
                db
            )
            return customer
        }
    }

    /// An environment's customers in figures.
    public struct CustomerSummary: Sendable, Equatable {
        public let customers: Int64
        /// Customers with a delta accepted since `activeSince`.
        public let activeCustomers: Int64
        public let totalDeltas: Int64
        public let verifiedDeltas: Int64
        /// The sum of every customer's verified balance, in micro-units; nil past the amount range.
        public let verifiedBalance: Amount?
    }

    /// The environment's customers in figures; the balances' sum exact (``ExactSum``).
    public func customerSummary(environmentID: String, activeSince: Int64) async throws -> CustomerSummary {
        try await database.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT CAST(COUNT(*) AS BIGINT) AS customers,
                           CAST(COALESCE(SUM(CASE WHEN last_activity_at >= \(bind: activeSince) AND total_deltas > 0 THEN 1 ELSE 0 END), 0) AS BIGINT)
                               AS active,
                           CAST(COALESCE(SUM(total_deltas), 0) AS BIGINT) AS total, CAST(COALESCE(SUM(verified_deltas), 0) AS BIGINT) AS verified,
                    """ + ExactSum.terms("verified_balance", as: "balance") + " FROM customers WHERE environment_id = \(bind: environmentID)"
                ).first()
            else { throw StoreInvariant("an aggregate query gave no row") }
            return CustomerSummary(
                customers: try row.decode(column: "customers", as: Int64.self),
                activeCustomers: try row.decode(column: "active", as: Int64.self),
                totalDeltas: try row.decode(column: "total", as: Int64.self),
                verifiedDeltas: try row.decode(column: "verified", as: Int64.self),
                verifiedBalance: Amount(exactly: try ExactSum.decode(row, "balance"))
            )
        }
    }

    /// The environment's backlog: deltas waiting for the log, and when the oldest of them was
    /// accepted (nil when none waits) — how far behind the sequencer is, now.
    public func backlog(environmentID: String) async throws -> (queued: Int64, oldestAcceptedAt: Int64?) {
        try await database.read { db in
            // Past the log's size in queue order (the index's order): what the sequencer has not taken yet.
            let oldest = try await db.raw(
                """
                SELECT d.created_at FROM deltas d JOIN environments e ON e.id = d.environment_id
                WHERE d.environment_id = \(bind: environmentID) AND d.queue_position > e.tree_size AND d.status = 'QUEUED'
                ORDER BY d.queue_position LIMIT 1
                """
            ).first()?.decode(column: "created_at", as: Int64.self)
            guard oldest != nil else { return (0, nil) }
            return (try await Self.queuedCount(environmentID, db), oldest)
        }
    }

    /// Deltas past the log's size in queue order: what the sequencer has not taken yet.
    static func queuedCount(_ environmentID: String, _ db: any SQLDatabase) async throws -> Int64 {
        try await db.raw(
            """
            SELECT COUNT(*) AS n FROM deltas d JOIN environments e ON e.id = d.environment_id
            WHERE d.environment_id = \(bind: environmentID) AND d.queue_position > e.tree_size AND d.status = 'QUEUED'
            """
        ).first()?.decode(column: "n", as: Int64.self) ?? 0
    }

    /// How many customers have deltas accepted in `[from, until)` but no checkpoint of that
    /// window (`scopeKey`, as a checkpoint of it is keyed): periods still to seal. Each
    /// candidate costs two index lookups.
    public func customersUnsealed(environmentID: String, from: Int64, until: Int64, scopeKey: String) async throws -> Int64 {
        try await database.read { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM customers c
                WHERE c.environment_id = \(bind: environmentID) AND c.last_activity_at >= \(bind: from) AND c.created_at < \(bind: until)
                  AND EXISTS (SELECT 1 FROM deltas d WHERE d.environment_id = c.environment_id AND d.customer_id = c.customer_id
                              AND d.created_at >= \(bind: from) AND d.created_at < \(bind: until))
                  AND NOT EXISTS (SELECT 1 FROM checkpoints k WHERE k.environment_id = c.environment_id
                                  AND k.customer_key = c.customer_id AND k.scope_key = \(bind: scopeKey))
                """
            ).first()?.decode(column: "n", as: Int64.self) ?? 0
        }
    }
}
