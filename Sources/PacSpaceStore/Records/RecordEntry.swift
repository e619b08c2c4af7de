import PacSpaceCore
import SQLKit

/// One stored entry of a record (docs/records.md): what was sealed, how, and where it is in
/// the environment's log.
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
    /// beside the entry's row (``RecordStore/withEnvelopes(_:_:)``).
    public internal(set) var envelopes: [JSONValue]?
    public private(set) var status: Status
    public private(set) var logIndex: Int64?
    /// The random opening of the entry's seal (docs/records.md, "Shared Record links"); nil for
    /// an entry written before openings were drawn, until a link of its record is made.
    public let recordOpening: Hash?
    public let createdAt: Int64
    public private(set) var verifiedAt: Int64?

    /// What the entry's log leaf commits to.
    public func committed(recordType: String) -> RecordEntryHash { outline.committed(recordType: recordType) }

    /// The entry as a signed checkpoint of `treeSize` leaves shows it: queued when that
    /// checkpoint (or no checkpoint, nil) does not cover its leaf. A streamed answer proves
    /// every entry against the checkpoint it began with, so one verified since is queued in it.
    public func seen(atTreeSize treeSize: Int64?) -> RecordEntry {
        guard status == .verified, let index = logIndex, let treeSize, index < treeSize else {
            var queued = self
            (queued.status, queued.logIndex, queued.verifiedAt) = (.queued, nil, nil)
            return queued
        }
        return self
    }

    init(row: any SQLRow) throws {
        entryID = try row.decode(column: "entry_id", as: String.self)
        environmentID = try row.decode(column: "environment_id", as: String.self)
        recordKey = try row.decode(column: "record_key", as: Hash.self)
        seq = try row.decode(column: "seq", as: Int64.self)
        lifecycle = try row.decode(column: "lifecycle", as: String.self)
        attempted = try row.decode(column: "attempted", as: String?.self)
        referenceID = try row.decode(column: "reference_id", as: String.self)
        recordHash = try row.decode(column: "record_hash", as: Hash.self)
        recordHashVersion = try Self.hashVersion(row)
        let salt = try row.decode(column: "salt_key", as: String.self)
        saltKey = salt.isEmpty ? nil : try row.decode(column: "salt_key", as: Hash.self)
        content = try JSONParser.parse(Array(try row.decode(column: "content", as: String.self).utf8))
        contentTag = try row.decode(column: "content_tag", as: String?.self)
        envelopes = contentTag == nil ? nil : []
        status = try row.decode(column: "status", as: Status.self)
        logIndex = try row.decode(column: "log_index", as: Int64?.self)
        recordOpening = try row.decode(column: "record_opening", as: Hash?.self)
        createdAt = try row.decode(column: "created_at", as: Int64.self)
        verifiedAt = try row.decode(column: "verified_at", as: Int64?.self)
    }
}

extension RecordEntry {
    /// The row's `record_hash_version`, a version this build knows.
    static func hashVersion(_ row: any SQLRow) throws -> RecordHashVersion {
        let number = try row.decode(column: "record_hash_version", as: Int.self)
        guard let version = RecordHashVersion(rawValue: number) else { throw StoreInvariant("record hash version \(number) is unknown") }
        return version
    }
}

/// A record: its type, the tenant's id for it, its key and its state.
public struct RecordSummary: Sendable {
    public let recordType: String
    public let entityID: String
    public let recordKey: Hash
    /// Entries written so far: the next entry's seq.
    public let entryCount: Int64
    public let lifecycle: String?
    /// The workspace key version an encrypted record's entries are sealed under; nil for a
    /// plaintext record.
    public let encryptionKid: String?
    /// The record hash version every entry of the record commits to.
    public let recordHashVersion: RecordHashVersion
    public let createdAt: Int64
    public let updatedAt: Int64

    init(
        recordType: String,
        entityID: String,
        recordKey: Hash,
        entryCount: Int64,
        lifecycle: String?,
        encryptionKid: String?,
        recordHashVersion: RecordHashVersion,
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.encryptionKid = encryptionKid
        self.recordHashVersion = recordHashVersion
        self.recordType = recordType
        self.entityID = entityID
        self.recordKey = recordKey
        self.entryCount = entryCount
        self.lifecycle = lifecycle
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    init(row: any SQLRow, lifecycleColumn: String = "lifecycle", createdColumn: String = "created_at") throws {
        let key = try row.decode(column: "record_key", as: Hash.self)
        recordType = try row.decode(column: "record_type", as: String.self)
        entityID = try row.decode(column: "entity_id", as: String.self)
        recordKey = key
        entryCount = try row.decode(column: "entry_count", as: Int64.self)
        lifecycle = try row.decode(column: lifecycleColumn, as: String?.self)
        encryptionKid = try row.decode(column: "encryption_kid", as: String?.self)
        recordHashVersion = try RecordEntry.hashVersion(row)
        createdAt = try row.decode(column: createdColumn, as: Int64.self)
        updatedAt = try row.decode(column: "updated_at", as: Int64.self)
    }
}
