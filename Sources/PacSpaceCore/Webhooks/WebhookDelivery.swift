/// One delivery of a webhook event to one endpoint, with its attempts.
public struct WebhookDelivery: Sendable {
    public struct Attempt: Sendable {
        public let number: Int
        public let at: Int64
        public let statusCode: Int?
        public let latencyMillis: Int64
        public let error: String?

        public init(number: Int, at: Int64, statusCode: Int?, latencyMillis: Int64, error: String?) {
            self.number = number
            self.at = at
            self.statusCode = statusCode
            self.latencyMillis = latencyMillis
            self.error = error
        }
    }

    public let eventID: String
    public let type: String
    public let endpointID: String
    public let url: String
    /// As stored: pending, delivered or failed (``inFlight(now:)`` tells delivering).
    public let status: WebhookDeliveryState
    public let attempts: Int
    public let nextAttemptAt: Int64?
    public let lastAttemptAt: Int64?
    public let lastStatusCode: Int?
    public let lastError: String?
    public let lastLatencyMillis: Int64?
    public let deliveredAt: Int64?
    /// While an attempt is in flight: the end of its lease.
    public let claimedUntil: Int64?
    public let createdAt: Int64
    public var history: [Attempt]

    public init(
        eventID: String,
        type: String,
        endpointID: String,
        url: String,
        status: WebhookDeliveryState,
        attempts: Int,
        nextAttemptAt: Int64?,
        lastAttemptAt: Int64?,
        lastStatusCode: Int?,
        lastError: String?,
        lastLatencyMillis: Int64?,
        deliveredAt: Int64?,
        claimedUntil: Int64?,
        createdAt: Int64,
        history: [Attempt]
    ) {
        self.eventID = eventID
        self.type = type
        self.endpointID = endpointID
        self.url = url
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.lastLatencyMillis = lastLatencyMillis
        self.deliveredAt = deliveredAt
        self.claimedUntil = claimedUntil
        self.createdAt = createdAt
        self.history = history
    }
}
