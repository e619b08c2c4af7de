/// The events a webhook endpoint can subscribe to (docs/api.md §7), plus the test event
/// sent on request to one endpoint.
public enum WebhookEventType: String, Sendable, CaseIterable {
    case deltaVerified = "delta.verified"
    /// Sent when an accepted delta ends FAILED. No path in this server fails an accepted
    /// delta today (credits are reserved at acceptance), so it is subscribable but rare.
    case deltaFailed = "delta.failed"
    case checkpointVerified = "checkpoint.verified"
    case environmentProvisioned = "environment.provisioned"
    case environmentFailed = "environment.failed"
    case creditsLow = "credits.low"
    /// A customer created by hand (`POST /dashboard/customers`); one that first appears
    /// through a delta is announced by that delta.
    case customerCreated = "customer.created"

    /// `webhook.test`: sent by `POST /dashboard/webhooks/:id/test` to that endpoint only.
    public static let test = "webhook.test"

    /// Every subscribable name, in documentation order.
    public static var names: [String] { allCases.map(\.rawValue) }
}
