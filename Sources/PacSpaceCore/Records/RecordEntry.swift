/// One stored entry of a record (docs/records.md): what was sealed, how, and where it is in
/// the environment's log. The record's counterpart of ``DeltaRecord``; the Store decodes it
/// from its row, the wire shapes are in `RecordEntry+Wire.swift`.
public struct RecordEntry: Sendable {
    /// Whether a signed checkpoint covers the entry yet.
    public enum Status: String, Sendable {
        case queued = "QUEUED"
        case verified = "VERIFIED"
    }

    /// The entry's id; its receipt id on the wire.
    public let entryID: String
    public let environmentID: String
    public let recordKey: Hash
    /// The entry's position in its record, from 0 (the SDK's "entry" is seq + 1).
    public let seq: Int64
    /// The record's lifecycle word once this entry applies.
    public let lifecycle: String
    /// For an attempt: the word asked for, which the layout does not allow after the
    /// record's state (the entry is recorded, the state is unchanged).
    public let attempted: String?
    public let referenceID: String
    public let recordHash: Hash
    /// Which record hash `recordHash` is; the log leaf commits to it.
    public let recordHashVersion: RecordHashVersion
    /// The random key every leaf salt of the record hash comes from; nil for an encrypted
    /// entry (it is sealed in the envelope).
    public let saltKey: Hash?
    /// The sealed content, as stored (for an attempt, with the server's two fields); for an
    /// encrypted entry, the copies of `amends` and `references` sent beside the envelope.
    public let content: JSONValue
    /// An encrypted entry's content tag (the writer's keyed digest of its content).
    public let contentTag: String?
    /// An encrypted entry's envelopes, one per key version it has been sealed under, in the
    /// order they were added; nil for a plaintext entry. Kept in `record_envelopes` and read
    /// beside the entry's row (``withEnvelopes(_:)``).
    public private(set) var envelopes: [JSONValue]?
    public private(set) var status: Status
    public private(set) var logIndex: Int64?
    /// The random opening of the entry's seal (docs/records.md, "Shared Record links"); nil for
    /// an entry written before openings were drawn, until a link of its record is made.
    public let recordOpening: Hash?
    public let createdAt: Int64
    public private(set) var verifiedAt: Int64?
    /// When the policy's witnesses first cosigned a server-log checkpoint that includes the
    /// entry's (docs/witnesses.md); nil before, and on a server without a witness policy.
    public private(set) var witnessedAt: Int64?

    public init(
        entryID: String,
        environmentID: String,
        recordKey: Hash,
        seq: Int64,
        lifecycle: String,
        attempted: String?,
        referenceID: String,
        recordHash: Hash,
        recordHashVersion: RecordHashVersion,
        saltKey: Hash?,
        content: JSONValue,
        contentTag: String?,
        envelopes: [JSONValue]?,
        status: Status,
        logIndex: Int64?,
        recordOpening: Hash?,
        createdAt: Int64,
        verifiedAt: Int64?,
        witnessedAt: Int64? = nil
    ) {
        self.entryID = entryID
        self.environmentID = environmentID
        self.recordKey = recordKey
        self.seq = seq
        self.lifecycle = lifecycle
        self.attempted = attempted
        self.referenceID = referenceID
        self.recordHash = recordHash
        self.recordHashVersion = recordHashVersion
        self.saltKey = saltKey
        self.content = content
        self.contentTag = contentTag
        self.envelopes = envelopes
        self.status = status
        self.logIndex = logIndex
        self.recordOpening = recordOpening
        self.createdAt = createdAt
        self.verifiedAt = verifiedAt
        self.witnessedAt = witnessedAt
    }

    /// The entry with `envelopes` (an encrypted entry's, read beside its row); a plaintext
    /// entry has none and stays as it is.
    public func withEnvelopes(_ envelopes: [JSONValue]) -> RecordEntry {
        guard self.envelopes != nil else { return self }
        var entry = self
        entry.envelopes = envelopes
        return entry
    }

    /// What the entry's log leaf commits to.
    public func committed(recordType: String) -> RecordEntryHash { outline.committed(recordType: recordType) }

    /// The entry as a signed checkpoint of `treeSize` leaves shows it: queued when that
    /// checkpoint (or no checkpoint, nil) does not cover its leaf. A streamed answer proves
    /// every entry against the checkpoint it began with, so one verified since is queued in it.
    public func seen(atTreeSize treeSize: Int64?) -> RecordEntry {
        guard status == .verified, let index = logIndex, let treeSize, index < treeSize else {
            var queued = self
            (queued.status, queued.logIndex, queued.verifiedAt, queued.witnessedAt) = (.queued, nil, nil, nil)
            return queued
        }
        return self
    }

    /// The entry's outline.
    public var outline: Outline { Outline(self) }

    /// What an entry's seal and log leaf commit to, and where the leaf is: an entry without
    /// its content or envelopes (a seal history reads thousands of these).
    public struct Outline: Sendable {
        public let entryID: String
        public let recordKey: Hash
        public let seq: Int64
        public let lifecycle: String
        public let attempted: String?
        public let recordHash: Hash
        public let recordHashVersion: RecordHashVersion
        public let recordOpening: Hash?
        public let status: Status
        public let logIndex: Int64?

        public init(
            entryID: String,
            recordKey: Hash,
            seq: Int64,
            lifecycle: String,
            attempted: String?,
            recordHash: Hash,
            recordHashVersion: RecordHashVersion,
            recordOpening: Hash?,
            status: Status,
            logIndex: Int64?
        ) {
            self.entryID = entryID
            self.recordKey = recordKey
            self.seq = seq
            self.lifecycle = lifecycle
            self.attempted = attempted
            self.recordHash = recordHash
            self.recordHashVersion = recordHashVersion
            self.recordOpening = recordOpening
            self.status = status
            self.logIndex = logIndex
        }

        init(_ entry: RecordEntry) {
            self.init(
                entryID: entry.entryID,
                recordKey: entry.recordKey,
                seq: entry.seq,
                lifecycle: entry.lifecycle,
                attempted: entry.attempted,
                recordHash: entry.recordHash,
                recordHashVersion: entry.recordHashVersion,
                recordOpening: entry.recordOpening,
                status: entry.status,
                logIndex: entry.logIndex
            )
        }

        /// What the entry's log leaf commits to.
        public func committed(recordType: String) -> RecordEntryHash {
            RecordEntryHash(
                recordType: recordType,
                recordKey: recordKey,
                seq: seq,
                lifecycle: lifecycle,
                recordHash: recordHash,
                recordHashVersion: recordHashVersion
            )
        }
    }
}
