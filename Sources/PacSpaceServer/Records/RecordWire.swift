import PacSpaceCore
import PacSpaceStore

/// The wire shapes of records (docs/records.md, "Wire shapes"), each built here only.
enum RecordWire {
    static let receiptSchema = "semantic-receipt/v3"
    /// An encrypted entry's receipt: its envelopes in place of revealed fields.
    static let sealedReceiptSchema = "semantic-receipt/v4"
    /// The same two under record hash version 3: an encrypted entry's, and an attempt row's.
    static let sealedReceiptSchemaV3 = "semantic-receipt/v5"
    static let rowReceiptSchemaV3 = "semantic-receipt/v6"
    static let historySchema = "record-history-bundle/v1"
    /// An encrypted record's history: v4 receipts, and the envelopes of its attempts.
    static let sealedHistorySchema = "record-history-bundle/v3"

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
    /// `verifyUrl` is the entry's verification page with the link that shows its fields. An
    /// encrypted record's attempt is a row with nothing revealed (v6 under record hash v3).
    static func receipt(_ entry: RecordEntry, record: RecordIdentity, proof: Receipt?, links: VerifyLinks) -> JSONValue {
        if let envelopes = entry.envelopes, entry.attempted == nil {
            return sealedReceipt(entry, envelopes: envelopes, record: record, proof: proof, verifyUrl: verifyURL(entry, links: links))
        }
        // An encrypted record's attempt is a row receipt with nothing revealed: its content is
        // in the history's `refused` list, sealed.
        let leaves = entry.saltKey.flatMap { try? RecordHash.leaves(of: entry.content, saltKey: $0) } ?? []
        let verifyUrl = verifyURL(entry, links: links)
        let v3 = entry.recordHashVersion == .v3
        let receipt: JSONValue = [
            "schema": .string(v3 ? rowReceiptSchemaV3 : receiptSchema), "receiptId": .string(entry.entryID),
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
        guard v3, case .object(let members) = receipt else { return receipt }
        return .object(members + seal(entry, recordType: record.recordType))
    }

    /// The entry's verification page: for a plaintext entry the one that also shows what was
    /// recorded; an encrypted entry's page shows only its proof (the server cannot read it).
    static func verifyURL(_ entry: RecordEntry, links: VerifyLinks) -> String {
        entry.envelopes == nil ? links.disclosingPage(entry.entryID) : links.publicPage(entry.entryID)
    }

    /// What a record hash version 3 receipt adds (the SDK's `sealsVerified` reproduces its
    /// seal): the version, and the entry's seal and word under its layout (docs/records.md,
    /// "Shared Record links").
    private static func seal(_ entry: RecordEntry, recordType: String) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("recordHashVersion", .int(Int64(entry.recordHashVersion.rawValue)))]
        if let layout = SealHistory.layout(of: recordType), let opening = entry.recordOpening {
            members += [
                ("layoutId", .int(Int64(layout.layoutID))), ("layoutVersion", .int(Int64(layout.layoutVersion))),
                ("layoutDigest", .string(layout.digest.prefixedHex)), ("recordOpening", .string(opening.prefixedHex)),
                ("newWord", .string(SealHistory.word(entry.outline, layout: layout, opening: opening).prefixedHex)),
            ]
        }
        return members
    }

    /// An encrypted entry's receipt, semantic-receipt/v4 (`itemKind: slot-v1`; v5 under record
    /// hash v3): what its log leaf commits to and its proof, as v3, with the envelopes the
    /// writer sealed and the copies of `amends` and `references` the reader checks against
    /// the sealed ones.
    static func sealedReceipt(
        _ entry: RecordEntry,
        envelopes: [JSONValue],
        record: RecordIdentity,
        proof: Receipt?,
        verifyUrl: String
    )
        -> JSONValue
    {
        let v3 = entry.recordHashVersion == .v3
        var members: [(String, JSONValue)] = [
            ("schema", .string(v3 ? sealedReceiptSchemaV3 : sealedReceiptSchema)), ("itemKind", .string("slot-v1")),
            ("receiptId", .string(entry.entryID)),
            ("recordType", .string(record.recordType)), ("entityId", .string(record.entityID)),
            ("recordKey", .string(entry.recordKey.prefixedHex)), ("seq", .int(entry.seq)), ("status", .string(status(entry))),
            ("lifecycle", .string(entry.lifecycle)), ("referenceId", .string(entry.referenceID)),
            ("recordHash", .string(entry.recordHash.prefixedHex)), ("contentTag", JSONValue.optional(entry.contentTag)),
            ("envelopes", .array(envelopes)),
        ]
        for member in ["amends", "references"] { if let copy = entry.content[member] { members.append((member, copy)) } }
        members += [
            ("committed", entry.committed(recordType: record.recordType).json), ("createdAt", .string(Timestamp.iso8601(millis: entry.createdAt))),
            ("committedAt", entry.verifiedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null), ("logCheckpoint", proof?.json ?? .null),
            ("verifyUrl", .string(verifyUrl)),
        ]
        if v3 { members += seal(entry, recordType: record.recordType) }
        return .object(members)
    }

    /// A page of a record's history, record-history-bundle/v1 (v3 for an encrypted record):
    /// its members but `receipts` and `refused`, which ``RecordHistory`` streams after them.
    /// `entries` are the page's entries as the answer's checkpoint shows them (`committed`).
    static func historyHead(
        _ entries: [(RecordEntry.Outline, committed: Bool)],
        summary: RecordSummary,
        origin: String,
        generatedAt: Int64
    ) -> [(String, JSONValue)] {
        [
            ("schema", .string(summary.encryptionKid != nil ? sealedHistorySchema : historySchema)),
            ("recordType", .string(summary.recordType)), ("entityId", .string(summary.entityID)),
            ("recordKey", .string(summary.recordKey.prefixedHex)), ("lifecycle", JSONValue.optional(summary.lifecycle)),
            ("entryCount", .int(summary.entryCount)), ("logOrigin", .string(origin)),
            (
                "entries",
                .array(
                    entries.map { entry, committed in
                        ["seq": .int(entry.seq), "status": .string(committed ? "committed" : "queued"), "receiptId": .string(entry.entryID)]
                    }
                )
            ),
            ("pendingEntries", []), ("generatedAt", .string(Timestamp.iso8601(millis: generatedAt))),
        ]
    }

    /// An encrypted record's attempt in its history's `refused` list: its envelope, opened by
    /// a reader holding the version its kid names; nil for any other entry.
    static func refused(_ entry: RecordEntry) -> JSONValue? {
        guard entry.attempted != nil, let envelope = entry.envelopes?.first else { return nil }
        return ["seq": .int(entry.seq), "recordHash": .string(entry.recordHash.prefixedHex), "envelope": envelope]
    }
}

/// A record as its path names it.
struct RecordIdentity: Sendable {
    let recordType: String
    let entityID: String
}
