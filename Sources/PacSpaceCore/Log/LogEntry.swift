/// A leaf of an environment's log (docs/verification.md, "Log entries"): the RFC 8785 text of
/// a small object that names its `type` and version `v`. The kinds are a closed set: a kind a
/// later issue adds is a case here, and every switch over the log's entries (the sequencer's
/// plan, public verification) has to say what it does with it.
public enum LogEntry: Sendable, Equatable {
    /// A delta, by its receipt id and content hash: the sequencer writes its leaf.
    case delta(receiptID: String, contentHash: Hash)
    /// A sealed period: its leaf as written when it was sealed (``checkpointLeaf(_:checkpointID:proofRoot:scope:deltaCount:netChange:)``).
    case checkpoint(leafData: [UInt8])
    /// A record's entry: its leaf as written when it was appended (``recordEntryLeaf(recordKey:seq:entryHash:)``).
    case recordEntry(leafData: [UInt8])

    /// The kinds, by the name public verification gives them (`kind`).
    public enum Kind: String, Sendable, CaseIterable {
        case delta
        case checkpoint
        case recordEntry = "record-entry"
    }

    public var kind: Kind {
        switch self {
        case .delta: .delta
        case .checkpoint: .checkpoint
        case .recordEntry: .recordEntry
        }
    }

    /// The leaf's data, whose hash is the leaf in the tree.
    public var leafData: [UInt8] {
        switch self {
        case .delta(let receiptID, let contentHash): Self.deltaLeaf(receiptID: receiptID, contentHash: contentHash)
        case .checkpoint(let leafData), .recordEntry(let leafData): leafData
        }
    }

    /// `{"type":"delta","v":1,"receiptId":…,"contentHash":…}` in canonical form: the
    /// members in JCS order, written directly (the sequencer writes one per delta; the
    /// known-answer test pins it to ``JSONWriter/canonical(_:)``).
    private static func deltaLeaf(receiptID: String, contentHash: Hash) -> [UInt8] {
        var out = Array(#"{"contentHash":"0x"#.utf8)
        out.reserveCapacity(160)
        Hex.append(contentHash.bytes, to: &out)
        out += Array(#"","receiptId":"#.utf8)
        JSONWriter.appendString(receiptID, to: &out)
        out += Array(#","type":"delta","v":1}"#.utf8)
        return out
    }

    /// `{"entryHash":…,"recordKey":…,"seq":…,"type":"record-entry","v":1}` in canonical
    /// form: one committed entry of a record (docs/records.md, "In the log"). It names the
    /// record only by its random record key and the entry only by its hash, so the public
    /// log says nothing of what was recorded, encrypted or not.
    public static func recordEntryLeaf(recordKey: Hash, seq: Int64, entryHash: Hash) -> [UInt8] {
        var out = Array(#"{"entryHash":"0x"#.utf8)
        Hex.append(entryHash.bytes, to: &out)
        out += Array(#"","recordKey":"0x"#.utf8)
        Hex.append(recordKey.bytes, to: &out)
        out += Array(#"","seq":\#(seq),"type":"record-entry","v":1}"#.utf8)
        return out
    }

    /// `{"type":"checkpoint","v":…,"checkpointId":…,"proofRoot":…,"scope":…,"deltaCount":…,"netChange":…}`;
    /// `v` is the period root's version, `scope` is `{customerId?, startDate?, endDate?,
    /// startingCheckpoint?}` as the checkpoint answer shows it.
    public static func checkpointLeaf(
        _ version: PeriodRoot.Version,
        checkpointID: String,
        proofRoot: Hash,
        scope: JSONValue,
        deltaCount: Int64,
        netChange: Amount
    ) throws(JCSError) -> [UInt8] {
        try JSONWriter.canonical([
            "type": "checkpoint", "v": .int(version.rawValue), "checkpointId": .string(checkpointID), "proofRoot": .string(proofRoot.prefixedHex),
            "scope": scope, "deltaCount": .int(deltaCount), "netChange": .string(netChange.description),
        ])
    }

    /// A checkpoint leaf that is not one this server writes: not JSON, or a `v` no period
    /// root version has. It was written behind the server's back; nothing is proved from it.
    public struct UnknownCheckpointLeaf: Error, Sendable, CustomStringConvertible {
        public var description: String { "a checkpoint's log entry is not one this server writes" }
    }

    /// The period root version a checkpoint's leaf states.
    public static func periodRootVersion(ofCheckpointLeaf leaf: String) throws(UnknownCheckpointLeaf) -> PeriodRoot.Version {
        guard case .number(let text)? = (try? JSONParser.parse(Array(leaf.utf8)))?["v"], let number = Int(text),
            let version = PeriodRoot.Version(rawValue: number)
        else { throw UnknownCheckpointLeaf() }
        return version
    }
}
