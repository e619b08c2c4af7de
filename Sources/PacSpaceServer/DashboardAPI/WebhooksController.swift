import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/webhooks*` (docs/api.md §7): endpoints, secret rotation, test events.
///
/// The signing secret is shown once, at creation and at rotation. It is stored sealed
/// with the master key, not hashed: the server needs it to sign every delivery.
struct WebhooksController: Sendable {
    let endpoints: WebhookEndpointStore
    let outbox: WebhookOutbox
    let sealer: KeySealer
    let policy: OutboundPolicy
    let dispatcher: WebhookDispatcher
    /// The server's limiter; counts test events per tenant (``testsPerMinute``).
    let limiter: RateLimiter
    let now: @Sendable () -> Int64

    /// Test events a tenant may queue per minute: enough to debug a receiver, too few to
    /// flood the outbox (160 queued test events once delayed other tenants' deliveries).
    static let testsPerMinute = 10
    static let testPolicy = RateLimiter.Policy(burst: testsPerMinute, intervalMillis: 60_000 / Int64(testsPerMinute))
    /// How long the previous secret keeps signing after a rotation (docs/api.md §7: 24 h).
    static let rotationOverlapMillis: Int64 = 24 * 3_600_000

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/webhooks").add(middleware: auth)
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.patch(":id", use: update)
        group.delete(":id", use: delete)
        group.post(":id/rotate-secret", use: rotate)
        group.post(":id/test", use: test)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "webhooks")
        let body = try await RequestBody.decode(request, allowed: ["url", "events", "description", "environment"])
        let target = try WebhookTarget(try body.string("url", maxLength: WebhookTarget.maxLength))
        try policy.check(target)
        let secret = WebhookSignature.makeSecret()
        let id = Identifier.make("wh")
        let endpoint = WebhookEndpoint(
            id: id,
            tenantID: user.tenantID,
            url: target.url,
            events: try Self.events(body),
            environment: try body.optionalChoice("environment", of: EnvironmentName.self),
            description: try body.optionalString("description", maxLength: 500),
            sealedSecret: try seal(secret, endpointID: id),
            now: now()
        )
        guard let stored = try await endpoints.insert(endpoint) else {
            throw APIError(
                .conflict,
                "CONFLICT",
                "A tenant may have at most \(WebhookEndpointStore.maxPerTenant) webhook endpoints; delete one first."
            )
        }
        context.logger.info("webhook endpoint created", metadata: ["endpointId": .string(stored.id)])
        var data = stored.fields
        data.append(("secret", .string(secret)))
        return Envelope.success(.created, .object(data), message: "Store the signing secret now: it is shown only once.")
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await endpoints.list(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return Envelope.page(items.map { .object($0.fields) }, total: total, page: page, limit: limit)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return Envelope.success(.ok, .object(try await owned(context, user).fields))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "webhooks")
        let body = try await RequestBody.decode(request, allowed: ["url", "events", "description", "environment", "active"])
        var change = WebhookEndpointChange()
        if let url = try body.optionalString("url", maxLength: WebhookTarget.maxLength) {
            let target = try WebhookTarget(url)
            try policy.check(target)
            change.url = target.url
        }
        if body["events"] != nil { change.events = .some(try Self.events(body)) }
        if body["environment"] != nil { change.environment = .some(try body.optionalChoice("environment", of: EnvironmentName.self)) }
        if body["description"] != nil { change.description = .some(try body.optionalString("description", maxLength: 500)) }
        change.active = try body.optionalBool("active")
        guard change.url != nil || change.events != nil || change.environment != nil || change.description != nil || change.active != nil else {
            throw APIError(.badRequest, "VALIDATION_ERROR", "Send url, events, description, environment and/or active to change.")
        }
        guard
            let updated = try await endpoints.update(
                id: try context.pathParameter("id"),
                tenantID: user.tenantID,
                change: change,
                now: now()
            )
        else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        return Envelope.success(.ok, .object(updated.fields))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "webhooks")
        let id = try context.pathParameter("id")
        guard try await endpoints.delete(id: id, tenantID: user.tenantID, now: now()) else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        return Envelope.success(.ok, ["id": .string(id), "deleted": true], message: "Webhook endpoint deleted; its pending deliveries were dropped.")
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "webhooks")
        _ = try await RequestBody.decodeOptional(request, allowed: [])
        let current = try await owned(context, user)
        let secret = WebhookSignature.makeSecret()
        let until = now() + Self.rotationOverlapMillis
        guard
            let rotated = try await endpoints.rotate(
                id: current.id,
                tenantID: user.tenantID,
                sealedSecret: try seal(secret, endpointID: current.id),
                previousExpiresAt: until,
                now: now()
            )
        else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        var data = rotated.fields
        data.append(("secret", .string(secret)))
        return Envelope.success(
            .ok,
            .object(data),
            message:
                "Store the new signing secret now: it is shown only once. The previous one keeps signing until \(Timestamp.iso8601(millis: until))."
        )
    }

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "webhooks")
        let environment = try await RequestBody.decodeOptional(request, allowed: ["environment"])?
            .optionalChoice("environment", of: EnvironmentName.self)
        let endpoint = try await owned(context, user)
        guard endpoint.active else {
            throw APIError(
                .conflict,
                "CONFLICT",
                "The endpoint is disabled; enable it with PATCH /dashboard/webhooks/\(endpoint.id) {\"active\": true} first."
            )
        }
        if let wait = limiter.take(.webhookTest, user.tenantID, Self.testPolicy, now: now()) {
            throw APIError.retryLater(
                .tooManyRequests,
                "RATE_LIMITED",
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
        return Envelope.success(
            .accepted,
            [
                "eventId": .string(eventID), "endpointId": .string(endpoint.id), "event": .string(WebhookEventType.test),
                "environment": .string(chosen.rawValue), "status": .string(WebhookDeliveryState.pending.rawValue),
            ],
            message: "The test event is queued; GET /api/v1/balance/webhooks shows its delivery."
        )
    }

    private func owned(_ context: AppRequestContext, _ user: User) async throws -> WebhookEndpoint {
        guard let endpoint = try await endpoints.endpoint(id: try context.pathParameter("id"), tenantID: user.tenantID) else {
            throw APIError.notFound("No such webhook endpoint.")
        }
        return endpoint
    }

    private func seal(_ secret: String, endpointID: String) throws -> String {
        try sealer.seal(Array(secret.utf8), for: .webhookSecret(endpointID: endpointID))
    }

    /// `events`: absent or null = every event; otherwise a non-empty list of known names.
    static func events(_ body: RequestBody) throws -> [String]? {
        let allowed = WebhookEventType.names
        switch body["events"] {
        case nil, .null?: return nil
        case .array(let items)?:
            guard !items.isEmpty else {
                throw APIError.invalid("events", "required", "events must name at least one event, or be omitted for every event.")
            }
            var names: [String] = []
            for item in items {
                guard case .string(let name) = item, allowed.contains(name) else {
                    throw APIError.invalid("events", "enum", "events may only contain: \(allowed.joined(separator: ", ")).")
                }
                if !names.contains(name) { names.append(name) }
            }
            return names
        case let other?:
            throw APIError.invalid("events", "type", "events must be an array of event names, not \(other.typeName).")
        }
    }
}
