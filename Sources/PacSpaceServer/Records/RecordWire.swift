import PacSpaceCore
import PacSpaceStore

/// The wire shapes of records (docs/records.md, "Wire shapes"), each built here only.
enum RecordWire {
    static let receiptSchema = "semantic-receipt/v3"
    static let historySchema = "record-history-bundle/v1"

    /// `committed` once a signed checkpoint covers the entry, `queued` before.
    static func status(_ entry: RecordEntry) -> String { entry.status == .verified ? "committed" : "queued" }

    /// The answer to an append.
    static func appended(_ entry: RecordEntry, record: RecordIdentity) -> JSONValue {
        [
            "recordType": .string(record.recordType), "entityId": .string(record.entityID),
            "recordKey": .string(entry.recordKey.prefixedHex), "seq": .int(entry.seq), "entry": .int(entry.seq + 1),
            "receiptId": .string(entry.entryID), "status": .string(status(entry)), "lifecycle": .string(entry.lifecycle),
            "attempted": JSONValue.optional(entry.attempted), "recordHash": .string(entry.recordHash.prefixedHex),
            "referenceId": .string(entry.referenceID), "createdAt": .string(Timestamp.iso8601(millis: entry.createdAt)),
        ]
    }

    /// An entry's receipt, semantic-receipt/v3: every field revealed with its salt, what the
    /// log leaf commits to, and (once committed) the proof of the leaf in a signed checkpoint.
    /// `verifyUrl` is the entry's verification page with the link that shows its fields.
    static func receipt(_ entry: RecordEntry, record: RecordIdentity, proof: Receipt?, verifyUrl: String) -> JSONValue {
        let leaves = (try? RecordHash.leaves(of: entry.content, saltKey: entry.saltKey)) ?? []
        return [
            "schema": .string(receiptSchema), "receiptId": .string(entry.entryID),
            "recordType": .string(record.recordType), "entityId": .string(record.entityID),
            "recordKey": .string(entry.recordKey.prefixedHex), "seq": .int(entry.seq), "status": .string(status(entry)),
            "lifecycle": .string(entry.lifecycle), "referenceId": .string(entry.referenceID),
            "recordHash": .string(entry.recordHash.prefixedHex),
            "revealed": .array(
                leaves.map { ["pointer": .string($0.pointer), "value": $0.value, "salt": .string($0.salt.prefixedHex)] }
            ),
            "committed": entry.committed(recordType: record.recordType).json,
            "createdAt": .string(Timestamp.iso8601(millis: entry.createdAt)),
            "committedAt": entry.verifiedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null,
            "logCheckpoint": proof?.json ?? .null, "verifyUrl": .string(verifyUrl),
        ]
    }

    /// A page of a record's history, record-history-bundle/v1.
    static func history(
        _ entries: [(RecordEntry, Receipt?)],
        summary: RecordSummary,
        origin: String,
        links: VerifyLinks,
        generatedAt: Int64
    ) -> JSONValue {
        let record = RecordIdentity(recordType: summary.recordType, entityID: summary.entityID)
        return [
            "schema": .string(historySchema), "recordType": .string(summary.recordType), "entityId": .string(summary.entityID),
            "recordKey": .string(summary.recordKey.prefixedHex), "lifecycle": JSONValue.optional(summary.lifecycle),
            "entryCount": .int(summary.entryCount), "logOrigin": .string(origin),
            "entries": .array(
                entries.map { entry, _ in
                    ["seq": .int(entry.seq), "status": .string(status(entry)), "receiptId": .string(entry.entryID)]
                }
            ),
            "receipts": .array(entries.map { receipt($0, record: record, proof: $1, verifyUrl: links.disclosingPage($0.entryID)) }),
            "pendingEntries": [],
            "generatedAt": .string(Timestamp.iso8601(millis: generatedAt)),
        ]
    }
}

/// A record as its path names it.
struct RecordIdentity: Sendable {
    let recordType: String
    let entityID: String
}
