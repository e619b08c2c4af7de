import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The delivery log of an environment and manual retries (docs/api.md §5, §7): for the
/// key's environment, `GET /api/v1/balance/webhooks` and `POST …/webhooks/:eventId/retry`;
/// for a dashboard user, `GET /dashboard/webhook-deliveries` and `POST
/// /dashboard/webhook-deliveries/:eventId/retry`, of the environment `X-Environment`
/// names (testnet without it). Both answer alike.
struct WebhookDeliveriesController: Sendable {
    let outbox: WebhookOutbox
    let dispatcher: WebhookDispatcher
    /// Manual sends per tenant: a retry is one, as a test event is (``WebhooksController/testPolicy``).
    let limiter: RateLimiter
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks/:eventId/retry", use: retry)
    }

    func addDashboardRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/webhook-deliveries").add(middleware: auth)
        group.get(use: dashboardList)
        group.post(":eventId/retry", use: dashboardRetry)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        return try await list(request, tenantID: key.tenantID, environment: key.environment)
    }

    @Sendable func dashboardList(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try await list(request, tenantID: user.tenantID, environment: try request.namedEnvironment() ?? .testnet)
    }

    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        return try await retry(request, context: context, tenantID: key.tenantID, environment: key.environment)
    }

    @Sendable func dashboardRetry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "webhooks")
        return try await retry(request, context: context, tenantID: user.tenantID, environment: try request.namedEnvironment() ?? .testnet)
    }

    private func list(_ request: Request, tenantID: String, environment: EnvironmentName) async throws -> Response {
        let query = QueryParameters(request: request)
        var status: WebhookDeliveryState?
        if let text = try query.string("status") {
            guard let state = WebhookDeliveryState(filter: text) else {
                throw APIError.invalid("status", "enum", "status must be one of: pending, delivered, failed (or QUEUED, VERIFIED, FAILED).")
            }
            status = state
        }
        let limit = try query.integer("limit", in: 1...100) ?? 20
        let offset = try query.offset()
        let (items, total) = try await outbox.deliveries(
            tenantID: tenantID,
            environment: environment,
            status: status,
            limit: limit,
            offset: offset
        )
        return Envelope.success(
            .ok,
            [
                "deliveries": .array(items.map { $0.json(at: now()) }), "total": .int(total), "limit": .int(limit), "offset": .int(offset),
            ]
        )
    }

    private func retry(_ request: Request, context: AppRequestContext, tenantID: String, environment: EnvironmentName) async throws -> Response {
        _ = try await RequestBody.decodeOptional(request, allowed: [])
        let eventID = try context.pathParameter("eventId")
        // A retry sends again at once, as a test event does, and counts with them: retrying
        // a test event stepped around the test limit (issue 25).
        if let wait = limiter.take(.webhookTest, tenantID, WebhooksController.testPolicy, now: now()) {
            throw APIError.retryLater(
                .tooManyRequests,
                "RATE_LIMITED",
                "At most \(WebhooksController.testsPerMinute) test events and manual retries per minute; retry in \(wait) s.",
                after: wait
            )
        }
        switch try await outbox.retry(eventID: eventID, tenantID: tenantID, environment: environment, now: now()) {
        case .notFound:
            throw APIError.notFound("No webhook event \(eventID) in this environment.")
        case .noActiveEndpoint(let endpoints):
            throw APIError(
                .conflict,
                "CONFLICT",
                "The event's endpoints are disabled or deleted (\(endpoints.joined(separator: ", "))); "
                    + "enable one with PATCH /dashboard/webhooks/:id {\"active\": true} first."
            )
        case .scheduled(let deliveries):
            dispatcher.wake()
            return Envelope.success(
                .accepted,
                [
                    "eventId": .string(eventID), "scheduled": .int(deliveries.count), "deliveries": .array(deliveries.map { $0.json(at: now()) }),
                ],
                message: "A new attempt is scheduled now."
            )
        }
    }
}
