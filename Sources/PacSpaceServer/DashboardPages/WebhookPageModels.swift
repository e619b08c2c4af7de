import PacSpaceCore

/// `app-webhooks.mustache`: the tenant's endpoints, a secret just issued, and one
/// environment's delivery log with each attempt.
struct WebhooksPage: Sendable {
    struct Endpoint: Sendable {
        let id: String
        let url: String
        let active: Bool
        /// "all", or the event names subscribed to.
        let events: String
        let environment: String
        let description: String?
        let state: String
        let failingSince: String?
    }

    struct Delivery: Sendable {
        struct Attempt: Sendable {
            let attemptedAt: String
            let outcome: String
        }

        let eventId: String
        let event: String
        let url: String
        let state: String
        let attempts: String
        let lastAnswer: String
        let createdAt: String
        let environment: String
        let history: [Attempt]
    }

    /// A signing secret issued by this request, shown this once.
    struct Secret: Sendable {
        let url: String
        let value: String
    }

    let endpoints: [Endpoint]
    let hasEndpoints: Bool
    let deliveries: [Delivery]
    let hasDeliveries: Bool
    let secret: Secret?
    let eventChoices: [String]
    let environmentLabel: String
    let environmentChoices: [PageParts.Choice]

    init(endpoints: [WebhookEndpoint], log: WebhookDeliveries.Page?, environment: EnvironmentName, issued: DashboardWebhooks.Keyed?) {
        self.endpoints = endpoints.map { endpoint in
            Endpoint(
                id: endpoint.id,
                url: endpoint.url,
                active: endpoint.active,
                events: endpoint.events?.joined(separator: ", ") ?? "all",
                environment: endpoint.environment?.rawValue ?? "both",
                description: endpoint.description.flatMap { $0.isEmpty ? nil : $0 },
                state: endpoint.active ? "active" : "disabled" + (endpoint.disabledReason.map { ": \($0)" } ?? ""),
                failingSince: endpoint.failingSince.map { Timestamp.iso8601(millis: $0) }
            )
        }
        hasEndpoints = !endpoints.isEmpty
        let deliveries = (log?.deliveries ?? []).map { delivery in
            Delivery(
                eventId: delivery.eventID,
                event: delivery.type,
                url: delivery.url,
                state: delivery.state(at: log?.at ?? 0).rawValue,
                attempts: String(delivery.attempts),
                lastAnswer: delivery.lastStatusCode.map { "HTTP \($0)" } ?? delivery.lastError ?? "—",
                createdAt: Timestamp.iso8601(millis: delivery.createdAt),
                environment: environment.rawValue,
                history: delivery.history.map { attempt in
                    Delivery.Attempt(
                        attemptedAt: Timestamp.iso8601(millis: attempt.at),
                        outcome: attempt.statusCode.map { "HTTP \($0)" } ?? attempt.error ?? "no answer"
                    )
                }
            )
        }
        self.deliveries = deliveries
        hasDeliveries = !deliveries.isEmpty
        secret = issued.map { Secret(url: $0.endpoint.url, value: $0.secret) }
        eventChoices = WebhookEventType.names
        environmentLabel = PageParts.label(environment)
        environmentChoices = PageParts.environments(environment)
    }
}
