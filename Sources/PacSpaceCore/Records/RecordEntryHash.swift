/// What a record entry's log leaf commits to (docs/records.md, "In the log"): the record,
/// its position, its lifecycle word and its record hash — the hash of the sealed content,
/// never the content. SHA-256("pacspace:record-entry:v1" ‖ 0x00 ‖ JCS of
/// `{lifecycle, recordHash, recordHashVersion, recordKey, recordType, seq}`).
public struct RecordEntryHash: Sendable, Equatable {
    public let recordType: String
    public let recordKey: Hash
    /// The entry's position in its record, from 0.
    public let seq: Int64
    /// The record's lifecycle word once the entry applies (an attempt leaves it unchanged).
    public let lifecycle: String
    public let recordHash: Hash
    public let recordHashVersion: RecordHashVersion

    public init(recordType: String, recordKey: Hash, seq: Int64, lifecycle: String, recordHash: Hash, recordHashVersion: RecordHashVersion) {
        self.recordType = recordType
        self.recordKey = recordKey
        self.seq = seq
        self.lifecycle = lifecycle
        self.recordHash = recordHash
        self.recordHashVersion = recordHashVersion
    }

    /// The committed fields as JSON (a receipt carries them).
    public var json: JSONValue {
        [
            "lifecycle": .string(lifecycle), "recordHash": .string(recordHash.prefixedHex),
            "recordHashVersion": .int(Int64(recordHashVersion.rawValue)),
            "recordKey": .string(recordKey.prefixedHex), "recordType": .string(recordType), "seq": .int(seq),
        ]
    }

    public var hash: Hash {
        // Strings and small integers only: JCS cannot fail on them.
        let canonical = (try? JSONWriter.canonical(json)) ?? []
        return Hash.sha256(Array("pacspace:record-entry:v1".utf8) + [0] + canonical)
    }

    /// The log leaf of the entry.
    public var leaf: [UInt8] { LogEntry.recordEntryLeaf(recordKey: recordKey, seq: seq, entryHash: hash) }
}
