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
}
