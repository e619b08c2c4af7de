import PacSpaceCore
import SQLKit

/// A change to an endpoint; nil members are left as they are.
public struct WebhookEndpointChange: Sendable {
    public var url: String?
    /// `.some(nil)` = every event.
    public var events: [String]??
    /// `.some(nil)` = both environments.
    public var environment: EnvironmentName??
    /// `.some(nil)` = no description.
    public var description: String??
    public var active: Bool?

    public init() {}
}

/// Webhook endpoints: create, read, change, rotate, delete (soft: deliveries keep naming it).
public struct WebhookEndpointStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// How many endpoints one tenant may have.
    public static let maxPerTenant = 16

    /// Stores a new endpoint; nil when the tenant already has ``maxPerTenant``.
    public func insert(_ endpoint: WebhookEndpoint) async throws -> WebhookEndpoint? {
        try await database.transaction { db in
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxPerTenant),
                    counting: "webhook_endpoints WHERE tenant_id = \(bind: endpoint.tenantID) AND deleted_at IS NULL",
                    owner: "tenants WHERE id = \(bind: endpoint.tenantID)",
                    database.dialect,
                    db
                )
            else { return nil }
            try await db.raw(
                """
                INSERT INTO webhook_endpoints (id, tenant_id, url, events, environment, description, sealed_secret, active, created_at, updated_at)
                VALUES (\(bind: endpoint.id), \(bind: endpoint.tenantID), \(bind: endpoint.url), \(bind: Self.encode(endpoint.events)),
                        \(bind: endpoint.environment?.rawValue), \(bind: endpoint.description), \(bind: endpoint.sealedSecret),
                        \(bind: endpoint.active ? 1 : 0), \(bind: endpoint.createdAt), \(bind: endpoint.updatedAt))
                """
            ).run()
            return endpoint
        }
    }

    /// The tenant's endpoints, newest first.
    public func list(tenantID: String, limit: Int, offset: Int) async throws -> (items: [WebhookEndpoint], total: Int) {
        try await database.read { db in
            let total =
                try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM webhook_endpoints WHERE tenant_id = \(bind: tenantID) AND deleted_at IS NULL
                    """
                ).first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                """
                SELECT * FROM webhook_endpoints WHERE tenant_id = \(bind: tenantID) AND deleted_at IS NULL
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """
            ).all()
            return (try rows.map(WebhookEndpoint.init(row:)), Int(total))
        }
    }

    /// One endpoint of the tenant; nil for another tenant's or a deleted one.
    public func endpoint(id: String, tenantID: String) async throws -> WebhookEndpoint? {
        try await database.read { db in try await Self.endpoint(id, tenantID, db) }
    }

    /// Applies `change`. Enabling clears the failure state; disabling by hand clears the reason.
    public func update(id: String, tenantID: String, change: WebhookEndpointChange, now: Int64) async throws -> WebhookEndpoint? {
        try await database.transaction { db in
            guard let current = try await Self.endpoint(id, tenantID, db) else { return nil }
            let events = change.events ?? current.events
            let environment = change.environment ?? current.environment
            let description = change.description ?? current.description
            let active = change.active ?? current.active
            let reenabled = active && !current.active
            // The server's reason stays only while the endpoint stays disabled by the server.
            let reason = change.active == nil && !active ? current.disabledReason : nil
            try await db.raw(
                """
                UPDATE webhook_endpoints SET url = \(bind: change.url ?? current.url), events = \(bind: Self.encode(events)),
                    environment = \(bind: environment?.rawValue), description = \(bind: description), active = \(bind: active ? 1 : 0),
                    disabled_reason = \(bind: reason),
                    failing_since = \(bind: reenabled ? nil : current.failingSince), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                """
            ).run()
            return try await Self.endpoint(id, tenantID, db)
        }
    }

    /// Replaces the secret; the old one keeps signing until `previousExpiresAt`.
    public func rotate(id: String, tenantID: String, sealedSecret: String, previousExpiresAt: Int64, now: Int64) async throws -> WebhookEndpoint? {
        try await database.transaction { db in
            guard try await Self.endpoint(id, tenantID, db) != nil else { return nil }
            try await db.raw(
                """
                UPDATE webhook_endpoints SET sealed_previous_secret = sealed_secret, previous_expires_at = \(bind: previousExpiresAt),
                    sealed_secret = \(bind: sealedSecret), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                """
            ).run()
            return try await Self.endpoint(id, tenantID, db)
        }
    }

    /// Deletes the endpoint; its pending deliveries end `failed`. False when unknown.
    public func delete(id: String, tenantID: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            guard
                try await db.raw(
                    """
                    UPDATE webhook_endpoints SET deleted_at = \(bind: now), active = 0, updated_at = \(bind: now)
                    WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND deleted_at IS NULL RETURNING id
                    """
                ).first() != nil
            else { return false }
            try await WebhookOutbox.abandon(endpointID: id, reason: "endpoint deleted", now: now, db)
            return true
        }
    }

    static func endpoint(_ id: String, _ tenantID: String, _ db: any SQLDatabase) async throws -> WebhookEndpoint? {
        try await db.raw(
            """
            SELECT * FROM webhook_endpoints WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND deleted_at IS NULL
            """
        ).first().map(WebhookEndpoint.init(row:))
    }

    /// Event lists are stored as comma-separated names (names never contain commas).
    static func encode(_ events: [String]?) -> String? { events?.joined(separator: ",") }
}

extension WebhookEndpoint {
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            events: try row.decode(column: "events", as: String?.self).map { $0.split(separator: ",").map(String.init) },
            environment: try row.decode(column: "environment", as: EnvironmentName?.self),
            description: try row.decode(column: "description", as: String?.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self),
            sealedPreviousSecret: try row.decode(column: "sealed_previous_secret", as: String?.self),
            previousExpiresAt: try row.decode(column: "previous_expires_at", as: Int64?.self),
            active: try row.decode(column: "active", as: Int64.self) != 0,
            disabledReason: try row.decode(column: "disabled_reason", as: String?.self),
            failingSince: try row.decode(column: "failing_since", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self)
        )
    }
}
