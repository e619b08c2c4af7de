/// The webhook endpoint's wire shape (never its secret): every `/dashboard/webhooks` answer.
extension WebhookEndpoint {
    /// The endpoint; creation and secret rotation add `secret`.
    public var fields: [(String, JSONValue)] {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        return [
            ("id", .string(id)), ("url", .string(url)),
            ("events", .array((events ?? WebhookEventType.names).map(JSONValue.string))), ("allEvents", .bool(events == nil)),
            ("environment", .optional(environment?.rawValue)), ("description", .optional(description)),
            ("active", .bool(active)), ("disabledReason", .optional(disabledReason)), ("failingSince", time(failingSince)),
            ("previousSecretValidUntil", time(sealedPreviousSecret == nil ? nil : previousExpiresAt)),
            ("createdAt", time(createdAt)), ("updatedAt", time(updatedAt)),
        ]
    }
}
