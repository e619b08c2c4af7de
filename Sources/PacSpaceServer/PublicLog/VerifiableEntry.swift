import PacSpaceCore
import PacSpaceStore

/// A delta or a checkpoint as public verification sees it: what its log entry is, where
/// it is, and the facts anyone may read — hashes, amounts, times; never a customerId,
/// reason or metadata (docs/verification.md, "Limits a verifier can rely on").
struct VerifiableEntry: Sendable {
    /// The record behind the entry.
    enum Subject: Sendable {
        case delta(DeltaRecord)
        case checkpoint(CheckpointRecord)
        case recordEntry(RecordEntry, RecordSummary)
    }

    let subject: Subject
    let environmentID: String
    /// The delta's or checkpoint's status, as the wire shows it.
    let status: String
    let verified: Bool
    let logIndex: Int64?
    /// The entry's clear leaf; the log holds it or a commitment to it (``LeafCommitment``).
    let opening: [UInt8]
    /// The id the entry is verified by: its receipt id or checkpoint id.
    let reference: String
    let fields: [(String, JSONValue)]
    let summary: JSONValue

    init(delta record: DeltaRecord) {
        let recordedAt = JSONValue.string(Timestamp.iso8601(millis: record.createdAt))
        subject = .delta(record)
        environmentID = record.environmentID
        status = record.status.rawValue
        verified = record.status == .verified
        logIndex = record.logIndex
        opening = LogEntry.delta(receiptID: record.receiptID, contentHash: record.contentHash).leafData
        reference = record.receiptID
        fields = [
            ("kind", .string(LogEntry.Kind.delta.rawValue)), ("receiptId", .string(record.receiptID)),
            ("contentHash", .string(record.contentHash.prefixedHex)),
            ("recordedAt", recordedAt),
        ]
        summary = [
            "recordCount": 1, "netChange": record.amount.json, "startingBalance": .null, "endingBalance": .null,
            "firstRecordAt": recordedAt, "lastRecordAt": recordedAt,
        ]
    }

    init(checkpoint record: CheckpointRecord) {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        subject = .checkpoint(record)
        environmentID = record.environmentID
        status = record.status.rawValue
        verified = record.status == .verified
        logIndex = record.logIndex
        opening = Array(record.leafData.utf8)
        reference = record.checkpointID
        fields = [
            ("kind", .string(LogEntry.Kind.checkpoint.rawValue)), ("proofRoot", .string(record.proofRoot.prefixedHex)),
            ("checkpointId", .string(record.checkpointID)),
            ("recordedAt", time(record.createdAt)),
        ]
        summary = [
            "recordCount": .int(record.deltaCount), "netChange": record.netChange.json,
            "startingBalance": record.startingBalance.json, "endingBalance": record.endingBalance.json,
            "firstRecordAt": time(record.firstRecordAt), "lastRecordAt": time(record.lastRecordAt),
        ]
    }

    init(recordEntry entry: RecordEntry, record: RecordSummary) {
        let recordedAt = JSONValue.string(Timestamp.iso8601(millis: entry.createdAt))
        let committed = entry.committed(recordType: record.recordType)
        subject = .recordEntry(entry, record)
        environmentID = entry.environmentID
        status = entry.status.rawValue
        verified = entry.status == .verified
        logIndex = entry.logIndex
        opening = committed.leaf
        reference = entry.entryID
        fields = [
            ("kind", .string(LogEntry.Kind.recordEntry.rawValue)), ("receiptId", .string(entry.entryID)),
            ("entryHash", .string(committed.hash.prefixedHex)),
            ("recordedAt", recordedAt),
        ]
        summary = [
            "recordCount": 1, "netChange": .null, "startingBalance": .null, "endingBalance": .null,
            "firstRecordAt": recordedAt, "lastRecordAt": recordedAt,
        ]
    }
}
