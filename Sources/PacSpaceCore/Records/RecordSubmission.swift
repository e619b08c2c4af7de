/// What a client asks to append to a record, admitted against `layout` already.
public struct RecordSubmission: Sendable {
    public let recordType: String
    public let entityID: String
    public let layout: RecordLayout
    public let lifecycle: String
    /// The content to seal; for an encrypted entry, the copies of `amends` and
    /// `references` sent beside its envelope.
    public let content: JSONValue
    /// What the writer sealed itself; nil for a plaintext entry.
    public let sealed: SealedRecordEntry?
    /// The client's reference (idempotency): the same reference with the same entry
    /// answers the first; with another entry, ``RecordRefusal/referenceReused(seq:claimKid:)``.
    public let referenceID: String?

    public init(
        recordType: String,
        entityID: String,
        layout: RecordLayout,
        lifecycle: String,
        content: JSONValue,
        sealed: SealedRecordEntry? = nil,
        referenceID: String?
    ) {
        self.recordType = recordType
        self.entityID = entityID
        self.layout = layout
        self.lifecycle = lifecycle
        self.content = content
        self.sealed = sealed
        self.referenceID = referenceID
    }
}

/// An encrypted entry as its writer sealed it (docs/records.md, "Encrypted entries"):
/// the server stores and commits to these, never to content it cannot read.
public struct SealedRecordEntry: Sendable {
    public let recordHash: Hash
    /// Which record hash the writer computed.
    public let recordHashVersion: RecordHashVersion
    public let contentTag: String
    public let envelope: RecordEnvelope

    public init(recordHash: Hash, recordHashVersion: RecordHashVersion, contentTag: String, envelope: RecordEnvelope) {
        self.recordHash = recordHash
        self.recordHashVersion = recordHashVersion
        self.contentTag = contentTag
        self.envelope = envelope
    }
}

/// Why an entry was not appended.
public enum RecordRefusal: Error, Equatable, Sendable {
    /// The reference already names another entry of the record; for an encrypted
    /// record, `claimKid` is the key version that entry is sealed under.
    case referenceReused(seq: Int64, claimKid: String?)
    /// Plaintext written to an encrypted record, or the other way round.
    case encryptionMismatch(recordEncrypted: Bool)
    /// The envelope is sealed under another key version than the record's.
    case encryptionVersionMismatch(recordKid: String)
    /// A record's first entry carries a word its layout does not start with.
    case notAGenesisWord(allowed: [String])
    /// `amends` names no entry it may supersede.
    case amendsInvalid(String)
    /// The record has as many entries as its layout's seq field holds.
    case recordFull
    /// The envelope's key version waits for required holders to confirm it (by id).
    case holdersUnconfirmed(kid: String, holders: [String])
    /// The entry's record hash is not of the version its record takes (`expected`; for a
    /// new encrypted record, ``RecordHashVersion/newSealedRecords``).
    case recordHashVersion(expected: RecordHashVersion)
    /// A production entry the tenant's available credits cannot cover.
    case insufficientCredits
}
