/// The checkpoint's wire shape: the Balance API's checkpoint answers, a customer's latest
/// checkpoint and the `checkpoint.verified` webhook build it here.
extension CheckpointRecord {
    /// The checkpoint. `logCheckpoint` is its receipt once VERIFIED (the caller reads the
    /// log for it), else null.
    public func json(logCheckpoint: JSONValue) -> JSONValue { .object(fields(logCheckpoint: logCheckpoint)) }

    private func fields(logCheckpoint: JSONValue) -> [(String, JSONValue)] {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        return [
            ("checkpointId", .string(checkpointID)), ("proofRoot", .string(proofRoot.prefixedHex)), ("status", .string(status.rawValue)),
            ("customerId", .optional(customerID)), ("scope", scope.value),
            ("deltaCount", .int(deltaCount)), ("netChange", netChange.json), ("startingBalance", startingBalance.json),
            ("endingBalance", endingBalance.json), ("logIndex", logIndex.map(JSONValue.int) ?? .null),
            ("logCheckpoint", logCheckpoint), ("createdAt", time(createdAt)), ("verifiedAt", time(verifiedAt)),
        ]
    }

    /// The `checkpoint.verified` event's data: the checkpoint (its receipt is not part of
    /// the event: the batch that verifies it signs the log only as it commits) and its
    /// verification reference, the checkpoint id.
    public var verifiedEvent: JSONValue { .object(fields(logCheckpoint: .null) + [("verificationReference", .string(checkpointID))]) }
}
