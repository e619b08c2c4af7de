/// A tenant's webhook endpoint (docs/api.md §7). Secrets are held sealed; this record never
/// carries one in clear.
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: String
    public let tenantID: String
    public let url: String
    /// Subscribed event names; nil = every event, including ones added later.
    public let events: [String]?
    /// nil = both.
    public let environment: EnvironmentName?
    public let description: String?
    /// The current signing secret, sealed with the master key (base64).
    public let sealedSecret: String
    /// The secret before the last rotation, still signing until ``previousExpiresAt``.
    public let sealedPreviousSecret: String?
    public let previousExpiresAt: Int64?
    public let active: Bool
    /// Why the server disabled it (failing for the whole retry window), if it did.
    public let disabledReason: String?
    /// When deliveries to it started failing (nil while it succeeds).
    public let failingSince: Int64?
    public let createdAt: Int64
    public let updatedAt: Int64

    /// True when the endpoint wants `event` from `environment`.
    public func wants(_ event: String, environment name: EnvironmentName) -> Bool {
        (environment == nil || environment == name) && (events?.contains(event) ?? true)
    }

    public init(
        id: String,
        tenantID: String,
        url: String,
        events: [String]?,
        environment: EnvironmentName?,
        description: String?,
        sealedSecret: String,
        sealedPreviousSecret: String?,
        previousExpiresAt: Int64?,
        active: Bool,
        disabledReason: String?,
        failingSince: Int64?,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.id = id
        self.tenantID = tenantID
        self.url = url
        self.events = events
        self.environment = environment
        self.description = description
        self.sealedSecret = sealedSecret
        self.sealedPreviousSecret = sealedPreviousSecret
        self.previousExpiresAt = previousExpiresAt
        self.active = active
        self.disabledReason = disabledReason
        self.failingSince = failingSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension WebhookEndpoint {
    /// A new endpoint: active, with no failures and no previous secret.
    public init(
        id: String,
        tenantID: String,
        url: String,
        events: [String]?,
        environment: EnvironmentName?,
        description: String?,
        sealedSecret: String,
        now: Int64
    ) {
        self.init(
            id: id,
            tenantID: tenantID,
            url: url,
            events: events,
            environment: environment,
            description: description,
            sealedSecret: sealedSecret,
            sealedPreviousSecret: nil,
            previousExpiresAt: nil,
            active: true,
            disabledReason: nil,
            failingSince: nil,
            createdAt: now,
            updatedAt: now
        )
    }
}
