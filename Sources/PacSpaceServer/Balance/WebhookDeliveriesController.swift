import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The delivery log of the key's environment and manual retries (docs/api.md §5, §7):
/// `GET /api/v1/balance/webhooks`, `POST /api/v1/balance/webhooks/:eventId/retry`.
struct WebhookDeliveriesController: Sendable {
    let outbox: WebhookOutbox
    let dispatcher: WebhookDispatcher
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks/:eventId/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let query = QueryParameters(request: request)
        var status: WebhookDeliveryState?
        if let text = try query.string("status") {
            guard let state = WebhookDeliveryState(filter: text) else {
                throw APIError.invalid("status", "enum", "status must be one of: pending, delivered, failed (or QUEUED, VERIFIED, FAILED).")
            }
            status = state
        }
        let limit = try query.integer("limit", in: 1...100) ?? 20
        let offset = try query.integer("offset", in: 0...1_000_000_000) ?? 0
        let (items, total) = try await outbox.deliveries(
            tenantID: key.tenantID,
            environment: key.environment,
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

    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        _ = try await RequestBody.decodeOptional(request, allowed: [])
        let eventID = try context.pathParameter("eventId")
        switch try await outbox.retry(eventID: eventID, tenantID: key.tenantID, environment: key.environment, now: now()) {
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
