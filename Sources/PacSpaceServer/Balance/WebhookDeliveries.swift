import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// An environment's delivery log and manual retries as typed queries (docs/api.md §5, §7),
/// for whoever the caller is: a key of the environment (``WebhookDeliveriesController``)
/// or a dashboard user (``DashboardWebhooks``, which checks the role first).
struct WebhookDeliveries: Sendable {
    let outbox: WebhookOutbox
    let dispatcher: WebhookDispatcher
    /// Manual sends per tenant: a retry is one, as a test event is (``DashboardWebhooks/testPolicy``).
    let limiter: RateLimiter
    let now: @Sendable () -> Int64

    /// A page of the environment's deliveries, newest first, narrowed to `status`.
    struct Page: Sendable {
        let deliveries: [WebhookDelivery]
        let total: Int
        let limit: Int
        let offset: Int
        /// When the states were read (a delivery is `delivering` while its lease runs).
        let at: Int64
    }

    func list(tenantID: String, environment: EnvironmentName, status: WebhookDeliveryState?, limit: Int, offset: Int) async throws -> Page {
        let (items, total) = try await outbox.deliveries(tenantID: tenantID, environment: environment, status: status, limit: limit, offset: offset)
        return Page(deliveries: items, total: total, limit: limit, offset: offset, at: now())
    }

    /// Schedules a new attempt now for every delivery of the event to an active endpoint:
    /// those deliveries. Counts toward the tenant's manual sends.
    func retry(tenantID: String, environment: EnvironmentName, eventID: String) async throws -> [WebhookDelivery] {
        // A retry sends again at once, as a test event does, and counts with them: retrying
        // a test event stepped around the test limit (issue 25).
        if let wait = limiter.take(.webhookTest, tenantID, DashboardWebhooks.testPolicy, now: now()) {
            throw APIError.retryLater(
                .tooManyRequests,
                .rateLimited,
                "At most \(DashboardWebhooks.testsPerMinute) test events and manual retries per minute; retry in \(wait) s.",
                after: wait
            )
        }
        switch try await outbox.retry(eventID: eventID, tenantID: tenantID, environment: environment, now: now()) {
        case .notFound:
            throw APIError.notFound("No webhook event \(eventID) in this environment.")
        case .noActiveEndpoint(let endpoints):
            throw APIError(
                .conflict,
                .conflict,
                "The event's endpoints are disabled or deleted (\(endpoints.joined(separator: ", "))); "
                    + "enable one with PATCH /dashboard/webhooks/:id {\"active\": true} first."
            )
        case .scheduled(let deliveries):
            dispatcher.wake()
            return deliveries
        }
    }
}
