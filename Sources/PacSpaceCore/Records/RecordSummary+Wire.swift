/// The wire shapes of a record, its grants and its links (docs/records.md, "Wire shapes"),
/// each built here only.
extension RecordSummary {
    /// A record as the dashboard lists it.
    public var json: JSONValue {
        [
            "recordType": .string(recordType), "entityId": .string(entityID),
            "recordKey": .string(recordKey.prefixedHex), "entryCount": .int(entryCount),
            "lifecycle": JSONValue.optional(lifecycle), "createdAt": .string(Timestamp.iso8601(millis: createdAt)),
            "updatedAt": .string(Timestamp.iso8601(millis: updatedAt)),
        ]
    }

    /// A page of the record's history, record-history-bundle/v1 (v3 for an encrypted record):
    /// its members but `receipts` and `refused`, which are streamed after them. `entries` are
    /// the page's entries as the answer's checkpoint shows them (`committed`).
    /// `witnessed` is the chain of the checkpoint every receipt is proved against to the
    /// witnesses (`{witnessedAt, serverLogReceipt}`), or null.
    public func historyHead(
        _ entries: [(RecordEntry.Outline, committed: Bool)],
        origin: String,
        witnessed: JSONValue,
        generatedAt: Int64
    ) -> [(String, JSONValue)] {
        [
            ("schema", .string(encryptionKid != nil ? RecordSchemas.sealedHistory : RecordSchemas.history)),
            ("recordType", .string(recordType)), ("entityId", .string(entityID)),
            ("recordKey", .string(recordKey.prefixedHex)), ("lifecycle", JSONValue.optional(lifecycle)),
            ("entryCount", .int(entryCount)), ("logOrigin", .string(origin)),
            (
                "entries",
                .array(
                    entries.map { entry, committed in
                        ["seq": .int(entry.seq), "status": .string(committed ? "committed" : "queued"), "receiptId": .string(entry.entryID)]
                    }
                )
            ),
            ("pendingEntries", []), ("witnessed", witnessed), ("generatedAt", .string(Timestamp.iso8601(millis: generatedAt))),
        ]
    }
}

extension RecordGrant {
    /// A grant on the wire (never its token, which only its creation answer carries).
    public func json(summary: RecordSummary, now: Int64) -> JSONValue {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        return [
            "grantId": .string(grantID), "kind": .string(kind.rawValue), "status": .string(status(at: now).rawValue),
            "recordType": .string(summary.recordType), "entityId": .string(summary.entityID), "recordKey": .string(recordKey.prefixedHex),
            "counterpartyTenantId": JSONValue.optional(counterpartyTenantID),
            "counterpartyWorkspaceId": JSONValue.optional(counterpartyTenantID.map(WorkspaceID.of(tenantID:))),
            "readerWrap": readerWrap ?? .null,
            "recipientEmail": JSONValue.optional(recipientEmail), "label": JSONValue.optional(label),
            "authorizes": .array(authorizes.map(JSONValue.string)), "maxUses": maxUses.map { .int($0) } ?? .null,
            "uses": .int(uses), "expiresAt": time(expiresAt), "revokedAt": time(revokedAt),
            "createdAt": time(createdAt),
        ]
    }
}

extension RecordLink {
    /// A link on the wire, `publicURL/c/handle` (never the key in its fragment, which this
    /// server never had).
    public func json(summary: RecordSummary, publicURL: String, now: Int64) -> JSONValue {
        [
            "handle": .string(handle), "link": .string(publicURL + "/c/" + handle), "status": .string(status(at: now).rawValue),
            "accessMode": .string(accessCodeHash == nil ? "LINK_ONLY" : "TWO_TIER"),
            "recordType": .string(summary.recordType), "entityId": .string(summary.entityID), "recordKey": .string(summary.recordKey.prefixedHex),
            "label": JSONValue.optional(label), "disclosureStored": .bool(envelope != nil),
            "expiresAt": .string(Timestamp.iso8601(millis: expiresAt)),
            "revokedAt": revokedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null,
            "createdAt": .string(Timestamp.iso8601(millis: createdAt)),
        ]
    }
}
