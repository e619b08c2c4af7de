import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// The dashboard's webhooks as typed queries (docs/api.md §7): endpoints, secret rotation,
/// test events, and an environment's delivery log with manual retries. The JSON routes
/// (``WebhooksController``) parse, call and present; the webhooks page
/// (``WebhookPagesController``) calls the same functions.
///
/// The signing secret is shown once, at creation and at rotation. It is stored sealed
/// with the master key, not hashed: the server needs it to sign every delivery.
struct DashboardWebhooks: Sendable {
    let endpoints: WebhookEndpointStore
    let outbox: WebhookOutbox
    let sealer: KeySealer
    let policy: OutboundPolicy
    let dispatcher: WebhookDispatcher
    let deliveries: WebhookDeliveries
    /// The server's limiter; counts test events per tenant (``testsPerMinute``).
    let limiter: RateLimiter
    let now: @Sendable () -> Int64

    /// Test events a tenant may queue per minute: enough to debug a receiver, too few to
    /// flood the outbox (160 queued test events once delayed other tenants' deliveries).
    static let testsPerMinute = 10
    static let testPolicy = RateLimiter.Policy(burst: testsPerMinute, intervalMillis: 60_000 / Int64(testsPerMinute))
    /// How long the previous secret keeps signing after a rotation (docs/api.md §7: 24 h).
    static let rotationOverlapMillis: Int64 = 24 * 3_600_000

    /// A new endpoint as asked for.
    struct Draft: Sendable {
        let target: WebhookTarget
        /// nil: every event.
        let events: [String]?
        /// nil: both environments.
        let environment: EnvironmentName?
        let description: String?
    }

    /// An endpoint with its signing secret, shown this once.
    struct Keyed: Sendable {
        let endpoint: WebhookEndpoint
        let secret: String
    }

    /// A queued test event.
    struct TestEvent: Sendable {
        let eventID: String
        let endpointID: String
        let environment: EnvironmentName
    }

    /// A page of the tenant's endpoints.
    func list(user: User, page: Int, limit: Int) async throws -> (endpoints: [WebhookEndpoint], total: Int) {
        let (items, total) = try await endpoints.list(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return (items, total)
    }

    /// One endpoint of the tenant (404 otherwise).
    func endpoint(user: User, id: String) async throws -> WebhookEndpoint {
        guard let endpoint = try await endpoints.endpoint(id: id, tenantID: user.tenantID) else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        return endpoint
    }

    /// Adds an endpoint (owners, admins, developers): its URL allowed by the outbound
    /// policy, within the quota.
    func create(user: User, draft: Draft) async throws -> Keyed {
        try user.requireManager(of: "webhooks")
        try policy.check(draft.target)
        let secret = WebhookSignature.makeSecret()
        let id = Identifier.make("wh")
        let endpoint = WebhookEndpoint(
            id: id,
            tenantID: user.tenantID,
            url: draft.target.url,
            events: draft.events,
            environment: draft.environment,
            description: draft.description,
            sealedSecret: try seal(secret, endpointID: id),
            now: now()
        )
        guard let stored = try await endpoints.insert(endpoint) else {
            throw APIError(
                .conflict,
                .conflict,
                "A tenant may have at most \(WebhookEndpointStore.maxPerTenant) webhook endpoints; delete one first."
            )
        }
        return Keyed(endpoint: stored, secret: secret)
    }

    /// Changes an endpoint: a new `target` (checked by the outbound policy) and what
    /// `change` names, at least one of them.
    func update(user: User, id: String, target: WebhookTarget?, change: WebhookEndpointChange) async throws -> WebhookEndpoint {
        try user.requireManager(of: "webhooks")
        var change = change
        if let target {
            try policy.check(target)
            change.url = target.url
        }
        guard change.url != nil || change.events != nil || change.environment != nil || change.description != nil || change.active != nil else {
            throw APIError(.badRequest, .validationError, "Send url, events, description, environment and/or active to change.")
        }
        guard let updated = try await endpoints.update(id: id, tenantID: user.tenantID, change: change, now: now()) else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        return updated
    }

    /// Deletes an endpoint; its pending deliveries are dropped.
    func delete(user: User, id: String) async throws {
        try user.requireManager(of: "webhooks")
        guard try await endpoints.delete(id: id, tenantID: user.tenantID, now: now()) else {
            throw APIError.notFound("No such webhook endpoint.")
        }
    }

    /// A new signing secret; the previous one keeps signing for ``rotationOverlapMillis``.
    func rotate(user: User, id: String) async throws -> Keyed {
        try user.requireManager(of: "webhooks")
        let current = try await endpoint(user: user, id: id)
        let secret = WebhookSignature.makeSecret()
        guard
            let rotated = try await endpoints.rotate(
                id: current.id,
                tenantID: user.tenantID,
                sealedSecret: try seal(secret, endpointID: current.id),
                previousExpiresAt: now() + Self.rotationOverlapMillis,
                now: now()
            )
        else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        return Keyed(endpoint: rotated, secret: secret)
    }

    /// Queues a test event to an active endpoint, from `environment` (the endpoint's, or
    /// testnet); at most ``testsPerMinute`` per tenant.
    func test(user: User, id: String, environment: EnvironmentName?) async throws -> TestEvent {
        try user.requireManager(of: "webhooks")
        let endpoint = try await endpoint(user: user, id: id)
        guard endpoint.active else {
            throw APIError(
                .conflict,
                .conflict,
                "The endpoint is disabled; enable it with PATCH /dashboard/webhooks/\(endpoint.id) {\"active\": true} first."
            )
        }
        if let wait = limiter.take(.webhookTest, user.tenantID, Self.testPolicy, now: now()) {
            throw APIError.retryLater(
                .tooManyRequests,
                .rateLimited,
                "At most \(Self.testsPerMinute) test events per minute; retry in \(wait) s.",
                after: wait
            )
        }
        let chosen = environment ?? endpoint.environment ?? .testnet
        let eventID = try await outbox.enqueueTest(
            endpoint: endpoint,
            environment: chosen,
            data: [
                "endpointId": .string(endpoint.id), "message": "A test event from PacSpace: your endpoint receives and verifies webhooks.",
            ],
            now: now()
        )
        dispatcher.wake()
        return TestEvent(eventID: eventID, endpointID: endpoint.id, environment: chosen)
    }

    /// A page of the environment's delivery log.
    func deliveries(
        user: User,
        environment: EnvironmentName,
        status: WebhookDeliveryState?,
        limit: Int,
        offset: Int
    ) async throws -> WebhookDeliveries.Page {
        try await deliveries.list(tenantID: user.tenantID, environment: environment, status: status, limit: limit, offset: offset)
    }

    /// Sends an event of the environment again (owners, admins, developers).
    func retry(user: User, environment: EnvironmentName, eventID: String) async throws -> [WebhookDelivery] {
        try user.requireManager(of: "webhooks")
        return try await deliveries.retry(tenantID: user.tenantID, environment: environment, eventID: eventID)
    }

    private func seal(_ secret: String, endpointID: String) throws -> String {
        try sealer.seal(Array(secret.utf8), for: .webhookSecret(endpointID: endpointID))
    }
}
