extension OfflineVerification {
    /// What checking a record entry's receipt established.
    public struct RecordEntryReport: Sendable, Equatable {
        public let recordHash: Hash
        public let recordKey: Hash
        public let seq: Int64
        /// How many fields the receipt revealed (all of them: the record hash is recomputed
        /// whole); nil for an encrypted entry (semantic-receipt/v4 to v6), whose record hash is
        /// checked by whoever holds its key, on opening its envelope.
        public let fields: Int?
        public let logIndex: UInt64
        public let checkpoint: Checkpoint
        public let keyName: String
    }

    /// Checks a record entry's receipt (docs/records.md, "Checking an entry offline"): the
    /// record hash recomputed from the revealed fields and their salts (semantic-receipt/v3),
    /// or for an encrypted entry (v4, and v5–v6 under record hash version 3) taken as stated;
    /// the entry hash from the committed fields, the log leaf from those, and the leaf's
    /// inclusion in a checkpoint signed by `verifierKey`.
    public static func verify(recordEntry receipt: JSONValue, tlogProof: String, verifierKey: String) throws(Failure) -> RecordEntryReport {
        let committed = receipt["committed"]
        guard case .number(let versionText)? = committed?["recordHashVersion"], let number = Int(versionText),
            let version = RecordHashVersion(rawValue: number)
        else { throw Failure("the receipt's committed fields name no record hash version this verifier knows") }
        let recordHash: Hash
        let fields: Int?
        switch (receipt["schema"], receipt["revealed"]) {
        case (.string("semantic-receipt/v3")?, .array(let revealed)?) where !revealed.isEmpty:
            // Fields this verifier recomputes: version 2 only (a v3 receipt's hash is version 2).
            guard version == .v2 else { throw Failure("a semantic-receipt/v3 commits to record hash version 2") }
            (recordHash, fields) = try revealedRecordHash(receipt)
        case (.string(let schema)?, _) where Self.sealedSchemas[schema] != nil:
            // An encrypted entry, or an encrypted record's attempt (a row with nothing revealed).
            guard Self.sealedSchemas[schema] == version, version == .v2 || receipt["recordHashVersion"] == .number("3")
            else { throw Failure("the receipt's schema and its committed record hash version disagree") }
            guard case .string(let stated)? = receipt["recordHash"], let hash = Hash(prefixedHex: stated),
                case .string(let committedHash)? = committed?["recordHash"], Hash(prefixedHex: committedHash) == hash
            else { throw Failure("the receipt's record hash is missing or not the one it commits to") }
            (recordHash, fields) = (hash, nil)
        default: throw Failure("this is not a record entry's receipt (semantic-receipt/v3 to v6)")
        }
        guard case .string(let type)? = committed?["recordType"], case .string(let keyText)? = committed?["recordKey"],
            let recordKey = Hash(prefixedHex: keyText), case .number(let seqText)? = committed?["seq"], let seq = Int64(seqText),
            case .string(let lifecycle)? = committed?["lifecycle"]
        else { throw Failure("the receipt's committed fields are incomplete") }
        let entry = RecordEntryHash(
            recordType: type,
            recordKey: recordKey,
            seq: seq,
            lifecycle: lifecycle,
            recordHash: recordHash,
            recordHashVersion: version
        )
        let (index, checkpoint, name) = try inclusion(of: entry.leaf, receipt: tlogProof, verifierKey: verifierKey)
        return RecordEntryReport(
            recordHash: recordHash,
            recordKey: recordKey,
            seq: seq,
            fields: fields,
            logIndex: index,
            checkpoint: checkpoint,
            keyName: name
        )
    }

    /// Receipts whose record hash is the writer's, taken as stated, with the version each
    /// commits to: an encrypted entry (v4; v5 under version 3), an encrypted record's attempt
    /// row with nothing revealed (v3; v6 under version 3).
    private static let sealedSchemas: [String: RecordHashVersion] = [
        "semantic-receipt/v3": .v2, "semantic-receipt/v4": .v2, "semantic-receipt/v5": .v3, "semantic-receipt/v6": .v3,
    ]

    /// A plaintext entry's record hash, recomputed from its revealed fields and salts, and
    /// checked against the one the receipt states and commits to.
    private static func revealedRecordHash(_ receipt: JSONValue) throws(Failure) -> (Hash, Int) {
        guard case .array(let revealed)? = receipt["revealed"] else { throw Failure("the receipt has no revealed fields") }
        var leaves: [RecordHash.Leaf] = []
        for field in revealed {
            guard case .string(let pointer)? = field["pointer"], let value = field["value"], case .string(let saltText)? = field["salt"],
                let salt = Hash(prefixedHex: saltText)
            else { throw Failure("a revealed field is not {pointer, value, salt}") }
            leaves.append(RecordHash.Leaf(pointer: pointer, value: value, salt: salt))
        }
        let recordHash: Hash
        do { recordHash = try RecordHash.recordHash(of: leaves) } catch { throw Failure("the revealed fields have no record hash: \(error)") }
        let committed = receipt["committed"]
        guard case .string(let stated)? = receipt["recordHash"], Hash(prefixedHex: stated) == recordHash,
            case .string(let committedHash)? = committed?["recordHash"], Hash(prefixedHex: committedHash) == recordHash
        else { throw Failure("the revealed fields give the record hash \(recordHash.prefixedHex), not the one the receipt states") }
        return (recordHash, leaves.count)
    }
}
