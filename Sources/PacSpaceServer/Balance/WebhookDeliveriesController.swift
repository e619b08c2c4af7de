import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The delivery log of an environment and manual retries (docs/api.md §5, §7): for the
/// key's environment, `GET /api/v1/balance/webhooks` and `POST …/webhooks/:eventId/retry`;
/// for a dashboard user, `GET /dashboard/webhook-deliveries` and `POST
/// /dashboard/webhook-deliveries/:eventId/retry`, of the environment `X-Environment`
/// names (testnet without it). Both answer alike: this controller parses and presents
/// for both, over ``WebhookDeliveries`` and ``DashboardWebhooks``.
struct WebhookDeliveriesController: Sendable {
    let deliveries: WebhookDeliveries

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks/:eventId/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let (status, limit, offset) = try Self.query(request)
        let page = try await deliveries.list(tenantID: key.tenantID, environment: key.environment, status: status, limit: limit, offset: offset)
        return Envelope.success(.ok, Self.json(page))
    }

    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        _ = try await RequestBody.decodeOptional(request, allowed: [])
        let eventID = try context.pathParameter("eventId")
        let scheduled = try await deliveries.retry(tenantID: key.tenantID, environment: key.environment, eventID: eventID)
        return Self.retried(eventID, scheduled, at: deliveries.now())
    }

    /// The list's query: `status` (pending, delivered, failed, or the Balance API's
    /// QUEUED, VERIFIED, FAILED), `limit` (1…100, 20), `offset`.
    static func query(_ request: Request) throws -> (status: WebhookDeliveryState?, limit: Int, offset: Int) {
        let query = QueryParameters(request: request)
        var status: WebhookDeliveryState?
        if let text = try query.string("status") {
            guard let state = WebhookDeliveryState(filter: text) else {
                throw APIError.invalid("status", "enum", "status must be one of: pending, delivered, failed (or QUEUED, VERIFIED, FAILED).")
            }
            status = state
        }
        return (status, try query.integer("limit", in: 1...100) ?? 20, try query.offset())
    }

    /// The delivery log's wire shape.
    static func json(_ page: WebhookDeliveries.Page) -> JSONValue {
        [
            "deliveries": .array(page.deliveries.map { $0.json(at: page.at) }), "total": .int(page.total), "limit": .int(page.limit),
            "offset": .int(page.offset),
        ]
    }

    /// A retry's answer: 202 with the deliveries scheduled.
    static func retried(_ eventID: String, _ deliveries: [WebhookDelivery], at now: Int64) -> Response {
        Envelope.success(
            .accepted,
            ["eventId": .string(eventID), "scheduled": .int(deliveries.count), "deliveries": .array(deliveries.map { $0.json(at: now) })],
            message: scheduled
        )
    }

    /// What a retry answers, for people.
    static let scheduled = "A new attempt is scheduled now."
}
