/// The webhook delivery's wire shape: the delivery log and manual retries.
extension WebhookDelivery {
    /// The state a reader sees at `now`: a pending delivery whose attempt holds its lease
    /// is delivering.
    public func state(at now: Int64) -> WebhookDeliveryState {
        status == .pending && (claimedUntil ?? 0) > now ? .delivering : status
    }

    /// The delivery at `now`. `state` is the delivery's own; `status` says the same in the
    /// Balance API's vocabulary, which the official SDK normalizes every `status` to.
    public func json(at now: Int64) -> JSONValue {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        let state = state(at: now)
        return [
            "eventId": .string(eventID), "event": .string(type), "endpointId": .string(endpointID),
            "url": .string(url), "state": .string(state.rawValue), "status": .string(state.balanceStatus), "attempts": .int(attempts),
            "lastStatusCode": lastStatusCode.map(JSONValue.int) ?? .null, "lastError": .optional(lastError),
            "lastLatencyMs": lastLatencyMillis.map(JSONValue.int) ?? .null, "lastAttemptAt": time(lastAttemptAt),
            "nextAttemptAt": time(nextAttemptAt), "deliveredAt": time(deliveredAt), "createdAt": time(createdAt),
            "history": .array(
                history.map {
                    [
                        "attempt": .int($0.number), "attemptedAt": time($0.at), "statusCode": $0.statusCode.map(JSONValue.int) ?? .null,
                        "latencyMs": .int($0.latencyMillis), "error": .optional($0.error),
                    ]
                }
            ),
        ]
    }
}
