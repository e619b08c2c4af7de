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

    public init(
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
}

/// A record as its path names it: a published type's name and the tenant's id for it.
public struct RecordIdentity: Sendable {
    public let recordType: String
    public let entityID: String

    public init(recordType: String, entityID: String) {
        self.recordType = recordType
        self.entityID = entityID
    }
}
