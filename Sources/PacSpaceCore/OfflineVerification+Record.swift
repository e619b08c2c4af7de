extension OfflineVerification {
    /// What checking a record entry's receipt established.
    public struct RecordEntryReport: Sendable, Equatable {
        public let recordHash: Hash
        public let recordKey: Hash
        public let seq: Int64
        /// How many fields the receipt revealed (all of them: the record hash is recomputed
        /// whole); nil for an encrypted entry (semantic-receipt/v4), whose record hash is
        /// checked by whoever holds its key, on opening its envelope.
        public let fields: Int?
        public let logIndex: UInt64
        public let checkpoint: Checkpoint
        public let keyName: String
    }

    /// Checks a record entry's receipt (semantic-receipt/v3, docs/records.md) offline: the
    /// record hash recomputed from the revealed fields and their salts, the entry hash from
    /// the committed fields, the log leaf from those, and the leaf's inclusion in a
    /// checkpoint signed by `verifierKey`.
    public static func verify(recordEntry receipt: JSONValue, tlogProof: String, verifierKey: String) throws(Failure) -> RecordEntryReport {
        let recordHash: Hash
        let fields: Int?
        if receipt["schema"] == .string("semantic-receipt/v4") {
            guard case .string(let stated)? = receipt["recordHash"], let hash = Hash(prefixedHex: stated),
                case .string(let committedHash)? = receipt["committed"]?["recordHash"], Hash(prefixedHex: committedHash) == hash
            else { throw Failure("the receipt's record hash is missing or not the one it commits to") }
            (recordHash, fields) = (hash, nil)
        } else {
            (recordHash, fields) = try revealedRecordHash(receipt)
        }
        let committed = receipt["committed"]
        guard case .string(let type)? = committed?["recordType"], case .string(let keyText)? = committed?["recordKey"],
            let recordKey = Hash(prefixedHex: keyText), case .number(let seqText)? = committed?["seq"], let seq = Int64(seqText),
            case .string(let lifecycle)? = committed?["lifecycle"], committed?["recordHashVersion"] == .number("2")
        else { throw Failure("the receipt's committed fields are incomplete") }
        let entry = RecordEntryHash(recordType: type, recordKey: recordKey, seq: seq, lifecycle: lifecycle, recordHash: recordHash)
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
