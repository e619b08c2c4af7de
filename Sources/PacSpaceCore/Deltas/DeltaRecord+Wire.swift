/// The delta's wire shapes. Every answer and event that shows a delta builds it here: the
/// Balance API's emit, status, derive, receipt and customer answers, the batch answer's
/// items and the `delta.verified` webhook (docs/api.md §5).
extension DeltaRecord {
    /// The delta: every field its content hash commits to, its status, where and when the
    /// log took it (null until VERIFIED) and when witnesses cosigned it (null until then);
    /// `error` only when FAILED. Keys are never left
    /// out for being unknown yet, so a client reads one shape whatever the status.
    public var json: JSONValue { .object(fields) }

    /// ``json``'s members, for an answer that adds its own (the status route's `proof`).
    public var fields: [(String, JSONValue)] {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        var fields: [(String, JSONValue)] = [
            ("recordId", .string(recordID)), ("receiptId", .string(receiptID)), ("status", .string(status.rawValue)),
            ("customerId", .string(customerID)), ("delta", amount.json), ("reason", .string(reason)),
            ("referenceId", .optional(referenceID)), ("sequenceNumber", .int(sequenceNumber)), ("contentHash", .string(contentHash.prefixedHex)),
            ("createdAt", time(createdAt)), ("verifiedAt", time(verifiedAt)), ("logIndex", logIndex.map(JSONValue.int) ?? .null),
            ("latencyMs", latencyMs.map(JSONValue.int) ?? .null), ("witnessedAt", time(witnessedAt)),
        ]
        if let metadata { fields.append(("metadata", metadata.value)) }
        if let adjusts { fields.append(("adjusts", ["referenceId": .string(adjusts)])) }
        if status == .failed { fields.append(("error", ["code": .optional(errorCode), "message": .optional(errorMessage)])) }
        return fields
    }

    /// An accepted item of a batch answer: what identifies the delta and its amount.
    public var batchItem: [(String, JSONValue)] {
        [
            ("recordId", .string(recordID)), ("receiptId", .string(receiptID)), ("customerId", .string(customerID)),
            ("delta", amount.json), ("status", .string(status.rawValue)), ("sequenceNumber", .int(sequenceNumber)),
            ("contentHash", .string(contentHash.prefixedHex)),
        ]
    }

    /// The `delta.verified` event's data: the delta and its verification reference (the
    /// receipt id, which `GET /api/v1/log/:contractId/receipt/:receiptId` serves).
    public var verifiedEvent: JSONValue { .object(fields + [("verificationReference", .string(receiptID))]) }
}
