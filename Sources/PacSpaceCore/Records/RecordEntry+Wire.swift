/// A record entry's wire shapes (docs/records.md, "Wire shapes"), each built here only:
/// the answer to an append, its receipt, and its place in a history's `refused` list.
extension RecordEntry {
    /// `committed` once a signed checkpoint covers the entry, `queued` before.
    public var wireStatus: String { status == .verified ? "committed" : "queued" }

    /// The answer to an append.
    public func appended(record: RecordIdentity) -> JSONValue {
        [
            "recordType": .string(record.recordType), "entityId": .string(record.entityID),
            "recordKey": .string(recordKey.prefixedHex), "seq": .int(seq), "entry": .int(seq + 1),
            "receiptId": .string(entryID), "status": .string(wireStatus), "lifecycle": .string(lifecycle),
            "attempted": JSONValue.optional(attempted), "recordHash": .string(recordHash.prefixedHex),
            "referenceId": .string(referenceID), "createdAt": .string(Timestamp.iso8601(millis: createdAt)),
        ]
    }

    /// An entry's receipt, semantic-receipt/v3: every field revealed with its salt, what the
    /// log leaf commits to, and (once committed) `proof`, the leaf's inclusion in a signed
    /// checkpoint. `verifyUrl` is the entry's verification page. An encrypted entry's receipt
    /// is v4 (``sealedReceipt(record:envelopes:proof:verifyUrl:)``); an encrypted record's
    /// attempt is a row with nothing revealed (v6 under record hash v3).
    public func receipt(record: RecordIdentity, proof: JSONValue?, verifyUrl: String) -> JSONValue {
        if let envelopes, attempted == nil {
            return sealedReceipt(record: record, envelopes: envelopes, proof: proof, verifyUrl: verifyUrl)
        }
        // An encrypted record's attempt is a row receipt with nothing revealed: its content is
        // in the history's `refused` list, sealed.
        let leaves = saltKey.flatMap { try? RecordHash.leaves(of: content, saltKey: $0) } ?? []
        let v3 = recordHashVersion == .v3
        let receipt: JSONValue = [
            "schema": .string(v3 ? RecordSchemas.rowReceiptV3 : RecordSchemas.receipt), "receiptId": .string(entryID),
            "recordType": .string(record.recordType), "entityId": .string(record.entityID),
            "recordKey": .string(recordKey.prefixedHex), "seq": .int(seq), "status": .string(wireStatus),
            "lifecycle": .string(lifecycle), "referenceId": .string(referenceID),
            "recordHash": .string(recordHash.prefixedHex),
            "revealed": .array(
                leaves.map { ["pointer": .string($0.pointer), "value": $0.value, "salt": .string($0.salt.prefixedHex)] }
            ),
            "committed": committed(recordType: record.recordType).json,
            "createdAt": .string(Timestamp.iso8601(millis: createdAt)),
            "committedAt": verifiedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null,
            "witnessedAt": witnessedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null,
            "logCheckpoint": proof ?? .null, "verifyUrl": .string(verifyUrl),
        ]
        guard v3, case .object(let members) = receipt else { return receipt }
        return .object(members + seal(recordType: record.recordType))
    }

    /// An encrypted entry's receipt, semantic-receipt/v4 (`itemKind: slot-v1`; v5 under record
    /// hash v3): what its log leaf commits to and its proof, as v3, with the envelopes the
    /// writer sealed and the copies of `amends` and `references` the reader checks against
    /// the sealed ones.
    func sealedReceipt(record: RecordIdentity, envelopes: [JSONValue], proof: JSONValue?, verifyUrl: String) -> JSONValue {
        let v3 = recordHashVersion == .v3
        var members: [(String, JSONValue)] = [
            ("schema", .string(v3 ? RecordSchemas.sealedReceiptV3 : RecordSchemas.sealedReceipt)), ("itemKind", .string("slot-v1")),
            ("receiptId", .string(entryID)),
            ("recordType", .string(record.recordType)), ("entityId", .string(record.entityID)),
            ("recordKey", .string(recordKey.prefixedHex)), ("seq", .int(seq)), ("status", .string(wireStatus)),
            ("lifecycle", .string(lifecycle)), ("referenceId", .string(referenceID)),
            ("recordHash", .string(recordHash.prefixedHex)), ("contentTag", JSONValue.optional(contentTag)),
            ("envelopes", .array(envelopes)),
        ]
        for member in ["amends", "references"] { if let copy = content[member] { members.append((member, copy)) } }
        members += [
            ("committed", committed(recordType: record.recordType).json), ("createdAt", .string(Timestamp.iso8601(millis: createdAt))),
            ("committedAt", verifiedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null),
            ("witnessedAt", witnessedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null), ("logCheckpoint", proof ?? .null),
            ("verifyUrl", .string(verifyUrl)),
        ]
        if v3 { members += seal(recordType: record.recordType) }
        return .object(members)
    }

    /// What a record hash version 3 receipt adds (the SDK's `sealsVerified` reproduces its
    /// seal): the version, and the entry's seal and word under its layout (docs/records.md,
    /// "Shared Record links").
    private func seal(recordType: String) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("recordHashVersion", .int(Int64(recordHashVersion.rawValue)))]
        if let layout = RecordLayout.sealing(recordType), let opening = recordOpening {
            members += [
                ("layoutId", .int(Int64(layout.layoutID))), ("layoutVersion", .int(Int64(layout.layoutVersion))),
                ("layoutDigest", .string(layout.digest.prefixedHex)), ("recordOpening", .string(opening.prefixedHex)),
                ("newWord", .string(outline.word(layout: layout, opening: opening).prefixedHex)),
            ]
        }
        return members
    }

    /// An encrypted record's attempt in its history's `refused` list: its envelope, opened by
    /// a reader holding the version its kid names; nil for any other entry.
    public var refused: JSONValue? {
        guard attempted != nil, let envelope = envelopes?.first else { return nil }
        return ["seq": .int(seq), "recordHash": .string(recordHash.prefixedHex), "envelope": envelope]
    }
}

extension RecordEntry.Outline {
    /// The entry's word under `layout`, sealed with its `opening`.
    public func word(layout: RecordLayout, opening: Hash) -> Hash {
        RecordSeal(layout: layout, lifecycle: lifecycle, attempt: attempted != nil, seq: seq)
            .word(recordHash: recordHash, version: recordHashVersion, opening: opening)
    }
}

extension RecordLayout {
    /// The layout a record's words are sealed under: the first published layout of its type.
    public static func sealing(_ recordType: String) -> RecordLayout? { layouts(of: recordType).first }
}

/// The schema names of the records' documents.
public enum RecordSchemas {
    public static let receipt = "semantic-receipt/v3"
    /// An encrypted entry's receipt: its envelopes in place of revealed fields.
    public static let sealedReceipt = "semantic-receipt/v4"
    /// The same two under record hash version 3: an encrypted entry's, and an attempt row's.
    public static let sealedReceiptV3 = "semantic-receipt/v5"
    public static let rowReceiptV3 = "semantic-receipt/v6"
    public static let history = "record-history-bundle/v1"
    /// An encrypted record's history: v4 receipts, and the envelopes of its attempts.
    public static let sealedHistory = "record-history-bundle/v3"
}
