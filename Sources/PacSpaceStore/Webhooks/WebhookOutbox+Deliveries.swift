import PacSpaceCore
import SQLKit

/// The endpoint the server disabled after an attempt: for the owner's notification.
public struct DisabledEndpoint: Sendable {
    public let id: String
    public let tenantID: String
    public let url: String
    public let reason: String
}

/// What asking for a new attempt came to.
public enum RetryResult: Sendable {
    case notFound
    /// The event's endpoints are disabled or deleted: nothing to send to.
    case noActiveEndpoint([String])
    case scheduled([WebhookDelivery])
}

extension WebhookOutbox {
    // MARK: Dispatching

    /// What is being delivered right now, so that a claim leaves room for everyone.
    public struct InFlight: Sendable {
        public var perTenant: [String: Int] = [:]
        public var perEndpoint: [String: Int] = [:]
        public init() {}
    }

    /// Leases up to `limit` due deliveries for `leaseMillis`, fairly: tenants take turns
    /// (oldest due first within each), and no tenant or endpoint goes past its cap
    /// counting what is already `inFlight` — a dead receiver or one tenant's burst cannot
    /// take the slots other tenants' deliveries need. Deliveries to disabled or deleted
    /// endpoints are never claimed.
    public func claimDue(
        now: Int64,
        limit: Int,
        perTenant: Int,
        perEndpoint: Int,
        inFlight: InFlight,
        leaseMillis: Int64
    ) async throws
        -> [DueDelivery]
    {
        guard limit > 0 else { return [] }
        let skipLocked = database.skipLocked
        return try await database.transaction { db in
            // The tenants with due work, the longest waiting first; then a few of each.
            let tenants = try await db.raw(
                """
                SELECT d.tenant_id, MIN(d.next_attempt_at) AS due FROM webhook_deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= \(bind: now)
                  AND (d.claimed_until IS NULL OR d.claimed_until < \(bind: now))
                GROUP BY d.tenant_id ORDER BY due LIMIT 200
                """
            ).all().map { try $0.decode(column: "tenant_id", as: String.self) }
            var queues: [[(event: String, endpoint: String, tenant: String)]] = []
            for tenant in tenants {
                let room = perTenant - (inFlight.perTenant[tenant] ?? 0)
                guard room > 0 else { continue }
                let rows = try await db.raw(
                    """
                    SELECT d.event_id, d.endpoint_id FROM webhook_deliveries d
                    JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.active = 1 AND e.deleted_at IS NULL
                    WHERE d.tenant_id = \(bind: tenant) AND d.status = 'pending' AND d.next_attempt_at <= \(bind: now)
                      AND (d.claimed_until IS NULL OR d.claimed_until < \(bind: now))
                    ORDER BY d.next_attempt_at LIMIT \(bind: room * perEndpoint)
                    """
                ).all()
                var queue: [(event: String, endpoint: String, tenant: String)] = []
                var endpoints = inFlight.perEndpoint
                for row in rows where queue.count < room {
                    let endpoint = try row.decode(column: "endpoint_id", as: String.self)
                    guard endpoints[endpoint, default: 0] < perEndpoint else { continue }
                    endpoints[endpoint, default: 0] += 1
                    queue.append((try row.decode(column: "event_id", as: String.self), endpoint, tenant))
                }
                if !queue.isEmpty { queues.append(queue) }
            }
            // Round robin over the tenants' queues.
            var order: [(event: String, endpoint: String, tenant: String)] = []
            var round = 0
            while order.count < limit, queues.contains(where: { $0.count > round }) {
                for queue in queues where queue.count > round && order.count < limit { order.append(queue[round]) }
                round += 1
            }
            let claim = now + leaseMillis
            // A delivery another server is claiming is skipped on PostgreSQL, not waited for
            // (servers queued on one row up to 4 s each: PostgreSQL's lock-wait log).
            var claimed: [DueDelivery] = []
            for candidate in order {
                guard
                    try await db.raw(
                        """
                        UPDATE webhook_deliveries SET claimed_until = \(bind: claim)
                        WHERE (event_id, endpoint_id) IN (
                            SELECT event_id, endpoint_id FROM webhook_deliveries
                            WHERE event_id = \(bind: candidate.event) AND endpoint_id = \(bind: candidate.endpoint) AND status = 'pending'
                              AND (claimed_until IS NULL OR claimed_until < \(bind: now))\(skipLocked))
                        RETURNING event_id
                        """
                    ).first() != nil
                else { continue }  // another server took it
                guard
                    let due = try await db.raw(
                        """
                        SELECT d.event_id, d.endpoint_id, d.tenant_id, d.attempts, d.created_at, v.type, v.body, e.url,
                               e.sealed_secret, e.sealed_previous_secret, e.previous_expires_at
                        FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
                        WHERE d.event_id = \(bind: candidate.event) AND d.endpoint_id = \(bind: candidate.endpoint)
                        """
                    ).first()
                else { continue }
                claimed.append(
                    DueDelivery(
                        eventID: candidate.event,
                        endpointID: candidate.endpoint,
                        tenantID: try due.decode(column: "tenant_id", as: String.self),
                        type: try due.decode(column: "type", as: String.self),
                        body: try due.decode(column: "body", as: String.self),
                        url: try due.decode(column: "url", as: String.self),
                        sealedSecret: try due.decode(column: "sealed_secret", as: String.self),
                        sealedPreviousSecret: try due.decode(column: "sealed_previous_secret", as: String?.self),
                        previousExpiresAt: try due.decode(column: "previous_expires_at", as: Int64?.self),
                        attempts: Int(try due.decode(column: "attempts", as: Int64.self)),
                        createdAt: try due.decode(column: "created_at", as: Int64.self),
                        claim: claim
                    )
                )
            }
            return claimed
        }
    }

    /// Pending deliveries to active endpoints: how many, and when the earliest falls due.
    public func backlog() async throws -> (pending: Int64, earliestDue: Int64?) {
        try await database.read { db in
            let row = try await db.raw(
                """
                SELECT COUNT(*) AS pending, MIN(d.next_attempt_at) AS due FROM webhook_deliveries d
                JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.active = 1 AND e.deleted_at IS NULL
                WHERE d.status = 'pending'
                """
            ).first()
            return (try row?.decode(column: "pending", as: Int64.self) ?? 0, try row?.decode(column: "due", as: Int64?.self))
        }
    }

    /// Records one attempt and its consequence, in one transaction: `delivered`, pending
    /// again at `nextAttempt`, or `failed` when `nextAttempt` is nil. An endpoint whose
    /// deliveries have failed for `disableAfter` milliseconds straight is disabled (its
    /// pending deliveries end `failed`) and returned for notification.
    public func record(
        _ delivery: DueDelivery,
        _ outcome: AttemptOutcome,
        nextAttempt: Int64?,
        disableAfter: Int64,
        now: Int64
    ) async throws -> DisabledEndpoint? {
        try await database.transaction { db in
            let updated = try await db.raw(
                """
                UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = NULL, last_attempt_at = \(bind: now),
                    last_status_code = \(bind: outcome.statusCode.map(Int64.init)), last_error = \(bind: outcome.error),
                    last_latency_ms = \(bind: outcome.latencyMillis),
                    status = \(bind: (outcome.succeeded ? WebhookDeliveryState.delivered : nextAttempt == nil ? .failed : .pending).rawValue),
                    next_attempt_at = \(bind: outcome.succeeded ? nil : nextAttempt),
                    delivered_at = \(bind: outcome.succeeded ? now : nil)
                WHERE event_id = \(bind: delivery.eventID) AND endpoint_id = \(bind: delivery.endpointID)
                  AND claimed_until = \(bind: delivery.claim) RETURNING attempts
                """
            ).first()
            guard let attempt = try updated?.decode(column: "attempts", as: Int64.self) else { return nil }  // the lease was lost
            try await db.raw(
                """
                INSERT INTO webhook_attempts (event_id, endpoint_id, attempt, attempted_at, status_code, latency_ms, error)
                VALUES (\(bind: delivery.eventID), \(bind: delivery.endpointID), \(bind: attempt), \(bind: now),
                        \(bind: outcome.statusCode.map(Int64.init)), \(bind: outcome.latencyMillis), \(bind: outcome.error))
                """
            ).run()
            if outcome.succeeded {
                try await db.raw("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = \(bind: delivery.endpointID)").run()
                return nil
            }
            let since = try await db.raw(
                """
                UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, \(bind: now))
                WHERE id = \(bind: delivery.endpointID) RETURNING failing_since, url, active
                """
            ).first()
            guard let since, let failingSince = try since.decode(column: "failing_since", as: Int64?.self),
                try since.decode(column: "active", as: Int64.self) != 0
            else { return nil }
            // Failing for the whole window: a streak that long, or a delivery given up
            // after its window with every one of its attempts in the streak.
            let firstAttempt =
                try await db.raw(
                    """
                    SELECT MIN(attempted_at) AS first FROM webhook_attempts
                    WHERE event_id = \(bind: delivery.eventID) AND endpoint_id = \(bind: delivery.endpointID)
                    """
                ).first()?.decode(column: "first", as: Int64?.self) ?? now
            guard now - failingSince >= disableAfter || (nextAttempt == nil && failingSince <= firstAttempt) else { return nil }
            let reason =
                "Every delivery since \(Timestamp.iso8601(millis: failingSince)) failed "
                + "(last: \(outcome.error ?? "HTTP \(outcome.statusCode ?? 0)")); "
                + "re-enable it with PATCH /dashboard/webhooks/\(delivery.endpointID) {\"active\": true}."
            try await db.raw(
                """
                UPDATE webhook_endpoints SET active = 0, disabled_reason = \(bind: reason), updated_at = \(bind: now)
                WHERE id = \(bind: delivery.endpointID)
                """
            ).run()
            try await Self.abandon(endpointID: delivery.endpointID, reason: "endpoint disabled", now: now, db)
            return DisabledEndpoint(
                id: delivery.endpointID,
                tenantID: delivery.tenantID,
                url: try since.decode(column: "url", as: String.self),
                reason: reason
            )
        }
    }

    // MARK: The delivery log

    /// One environment's deliveries, newest first, with their attempts.
    public func deliveries(
        tenantID: String,
        environment: EnvironmentName,
        status: WebhookDeliveryState?,
        limit: Int,
        offset: Int
    ) async throws
        -> (items: [WebhookDelivery], total: Int)
    {
        try await database.read { db in
            var filter: SQLQueryString = "d.tenant_id = \(bind: tenantID) AND d.environment = \(bind: environment.rawValue)"
            if let status { filter += " AND d.status = \(bind: status.rawValue)" }
            let total =
                try await db.raw("SELECT COUNT(*) AS n FROM webhook_deliveries d WHERE " + filter).first()?
                .decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                """
                SELECT d.*, v.type, e.url FROM webhook_deliveries d
                JOIN webhook_events v ON v.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE
                """ + " " + filter + " ORDER BY d.created_at DESC, d.event_id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all()
            return (try await Self.withHistory(try rows.map(WebhookDelivery.init(row:)), db), Int(total))
        }
    }

    /// Schedules a new attempt now for every delivery of the event to an active endpoint.
    public func retry(eventID: String, tenantID: String, environment: EnvironmentName, now: Int64) async throws -> RetryResult {
        try await database.transaction { db in
            let rows = try await db.raw(
                """
                SELECT d.endpoint_id, e.active, e.deleted_at FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.event_id = \(bind: eventID) AND d.tenant_id = \(bind: tenantID) AND d.environment = \(bind: environment.rawValue)
                """
            ).all()
            guard !rows.isEmpty else { return .notFound }
            let usable = try rows.filter {
                try $0.decode(column: "active", as: Int64.self) != 0 && $0.decode(column: "deleted_at", as: Int64?.self) == nil
            }
            guard !usable.isEmpty else { return .noActiveEndpoint(try rows.map { try $0.decode(column: "endpoint_id", as: String.self) }) }
            for row in usable {
                try await db.raw(
                    """
                    UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(bind: now), delivered_at = NULL
                    WHERE event_id = \(bind: eventID) AND endpoint_id = \(bind: try row.decode(column: "endpoint_id", as: String.self))
                    """
                ).run()
            }
            let records = try await db.raw(
                """
                SELECT d.*, v.type, e.url FROM webhook_deliveries d
                JOIN webhook_events v ON v.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.event_id = \(bind: eventID) ORDER BY d.endpoint_id
                """
            ).all().map(WebhookDelivery.init(row:))
            return .scheduled(try await Self.withHistory(records, db))
        }
    }

    /// How many of the latest attempts a delivery log entry shows.
    static let historyLength = 25

    private static func withHistory(_ records: [WebhookDelivery], _ db: any SQLDatabase) async throws -> [WebhookDelivery] {
        guard !records.isEmpty else { return [] }
        var query: SQLQueryString = "SELECT * FROM webhook_attempts WHERE "
        for (offset, record) in records.enumerated() {
            query += offset == 0 ? "(" : " OR ("
            query += "event_id = \(bind: record.eventID) AND endpoint_id = \(bind: record.endpointID))"
        }
        query += " ORDER BY attempt"
        var history: [String: [WebhookDelivery.Attempt]] = [:]
        for row in try await db.raw(query).all() {
            let key = try row.decode(column: "event_id", as: String.self) + "/" + row.decode(column: "endpoint_id", as: String.self)
            history[key, default: []].append(
                WebhookDelivery.Attempt(
                    number: Int(try row.decode(column: "attempt", as: Int64.self)),
                    at: try row.decode(column: "attempted_at", as: Int64.self),
                    statusCode: try row.decode(column: "status_code", as: Int64?.self).map(Int.init),
                    latencyMillis: try row.decode(column: "latency_ms", as: Int64.self),
                    error: try row.decode(column: "error", as: String?.self)
                )
            )
        }
        return records.map { record in
            var record = record
            record.history = Array((history[record.eventID + "/" + record.endpointID] ?? []).suffix(historyLength))
            return record
        }
    }
}

extension WebhookDelivery {
    init(row: any SQLRow) throws {
        self.init(
            eventID: try row.decode(column: "event_id", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            endpointID: try row.decode(column: "endpoint_id", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            status: try row.decode(column: "status", as: WebhookDeliveryState.self),
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            nextAttemptAt: try row.decode(column: "next_attempt_at", as: Int64?.self),
            lastAttemptAt: try row.decode(column: "last_attempt_at", as: Int64?.self),
            lastStatusCode: try row.decode(column: "last_status_code", as: Int64?.self).map(Int.init),
            lastError: try row.decode(column: "last_error", as: String?.self),
            lastLatencyMillis: try row.decode(column: "last_latency_ms", as: Int64?.self),
            deliveredAt: try row.decode(column: "delivered_at", as: Int64?.self),
            claimedUntil: try row.decode(column: "claimed_until", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            history: []
        )
    }
}
