import PacSpaceCore
import SQLKit

/// One event to announce: its type and its `data` object.
public struct WebhookNotice: Sendable {
    public let type: String
    public let data: JSONValue

    public init(_ type: String, _ data: JSONValue) {
        self.type = type
        self.data = data
    }
}

/// A delivery the dispatcher has claimed: everything one attempt needs.
public struct DueDelivery: Sendable {
    public let eventID: String
    public let endpointID: String
    public let tenantID: String
    public let type: String
    public let body: String
    public let url: String
    public let sealedSecret: String
    public let sealedPreviousSecret: String?
    public let previousExpiresAt: Int64?
    /// Attempts made before this one.
    public let attempts: Int
    public let createdAt: Int64
    /// The lease this claim holds; the outcome is recorded only under it.
    public let claim: Int64
}

/// What one attempt came to.
public struct AttemptOutcome: Sendable {
    /// The receiver's HTTP status; nil when no answer came (refused, timeout, blocked).
    public let statusCode: Int?
    public let latencyMillis: Int64
    public let error: String?
    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }

    /// `error` is kept storable on both engines: control characters (NUL among them,
    /// which PostgreSQL's TEXT refuses) become spaces, and at most 500 characters remain.
    public init(statusCode: Int?, latencyMillis: Int64, error: String?) {
        self.statusCode = statusCode
        self.latencyMillis = latencyMillis
        self.error = error.map { text in
            String(String.UnicodeScalarView(text.unicodeScalars.prefix(500).map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        }
    }
}

/// The webhook outbox (docs/api.md §7). Events are written in the transaction of the change
/// they report, one delivery per subscribed endpoint, so a crash can neither lose an
/// event nor announce a change that did not commit. Delivery is at least once:
/// receivers deduplicate by `X-Event-ID`.
public struct WebhookOutbox: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Writing events (inside the caller's transaction)

    /// The tenant's active endpoints: read once per transaction that may announce events.
    static func subscribers(tenantID: String, _ db: any SQLDatabase) async throws -> [WebhookEndpoint] {
        try await db.raw(
            """
            SELECT * FROM webhook_endpoints WHERE tenant_id = \(bind: tenantID) AND active = 1 AND deleted_at IS NULL
            """
        ).all().map(WebhookEndpoint.init(row:))
    }

    /// Writes `notices` and a pending delivery for each endpoint that wants one (every
    /// endpoint given, when `filtered` is false); an event nobody wants is not written.
    /// Returns the ids of the events written.
    @discardableResult
    static func enqueue(
        _ notices: [WebhookNotice],
        tenantID: String,
        environment: EnvironmentName,
        endpoints: [WebhookEndpoint],
        filtered: Bool = true,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws -> [String] {
        var events: [(id: String, type: String, body: String)] = []
        var deliveries: [(event: String, endpoint: String)] = []
        for notice in notices {
            let wanting = filtered ? endpoints.filter { $0.wants(notice.type, environment: environment) } : endpoints
            guard !wanting.isEmpty else { continue }
            let id = Identifier.make("evt")
            let body: JSONValue = [
                "id": .string(id), "event": .string(notice.type), "tenantId": .string(tenantID),
                "environment": .string(environment.rawValue), "createdAt": .string(Timestamp.iso8601(millis: now)), "data": notice.data,
            ]
            events.append((id, notice.type, String(decoding: JSONWriter.serialize(body), as: UTF8.self)))
            deliveries += wanting.map { (id, $0.id) }
        }
        try await RowBatch.insert(
            into: "webhook_events",
            columns: [
                ("id", .text), ("tenant_id", .text), ("environment", .text), ("type", .text), ("body", .text), ("created_at", .integer),
            ],
            events,
            db
        ) { event, row in
            row.text(event.id)
            row.text(tenantID)
            row.text(environment.rawValue)
            row.text(event.type)
            row.text(event.body)
            row.integer(now)
        }
        try await RowBatch.insert(
            into: "webhook_deliveries",
            columns: [
                ("event_id", .text), ("endpoint_id", .text), ("tenant_id", .text), ("environment", .text), ("status", .text),
                ("attempts", .integer), ("next_attempt_at", .integer), ("created_at", .integer),
            ],
            deliveries,
            db
        ) { delivery, row in
            row.text(delivery.event)
            row.text(delivery.endpoint)
            row.text(tenantID)
            row.text(environment.rawValue)
            row.text(WebhookDeliveryState.pending.rawValue)
            row.integer(0)
            row.integer(now)
            row.integer(now)
        }
        return events.map(\.id)
    }

    /// Announces `notices` in the caller's transaction, reading the subscribers itself.
    static func announce(
        _ notices: [WebhookNotice],
        tenantID: String,
        environment: EnvironmentName,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        let endpoints = try await subscribers(tenantID: tenantID, db)
        guard !endpoints.isEmpty else { return }
        try await enqueue(notices, tenantID: tenantID, environment: environment, endpoints: endpoints, now: now, db)
    }

    /// Queues a `webhook.test` event for one endpoint only; returns its event id.
    public func enqueueTest(endpoint: WebhookEndpoint, environment: EnvironmentName, data: JSONValue, now: Int64) async throws -> String {
        try await database.transaction { db in
            try await Self.enqueue(
                [WebhookNotice(WebhookEventType.test, data)],
                tenantID: endpoint.tenantID,
                environment: environment,
                endpoints: [endpoint],
                filtered: false,
                now: now,
                db
            )[0]
        }
    }

    /// Ends an endpoint's pending deliveries as `failed` (it was deleted or disabled).
    static func abandon(endpointID: String, reason: String, now: Int64, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = \(bind: reason)
            WHERE endpoint_id = \(bind: endpointID) AND status = 'pending'
            """
        ).run()
    }
}
