/// A webhook delivery's state: waiting (for its first attempt or a retry), an attempt in
/// flight, delivered (a 2xx), or failed for good (its endpoint disabled or deleted, or
/// its retry window over). Stored are pending, delivered and failed; delivering is a
/// pending delivery whose attempt holds its lease.
public enum WebhookDeliveryState: String, CaseIterable, Sendable, Codable {
    case pending
    case delivering
    case delivered
    case failed

    /// The same state in the Balance API's status vocabulary, which the official SDK
    /// normalizes every `status` to.
    public var balanceStatus: String {
        switch self {
        case .pending: "QUEUED"
        case .delivering: "PROCESSING"
        case .delivered: "VERIFIED"
        case .failed: "FAILED"
        }
    }

    /// The state a `status` filter names: a state, or its Balance API status name
    /// (case-insensitive). Delivering is not a filter: it is pending in storage.
    public init?(filter text: String) {
        switch text.lowercased() {
        case "pending", "queued": self = .pending
        case "delivered", "verified": self = .delivered
        case "failed": self = .failed
        default: return nil
        }
    }
}
