/// A stored delta.
public struct DeltaRecord: Sendable, Equatable {
    public let recordID: String
    public let receiptID: String
    public let environmentID: String
    public let customerID: String
    public let sequenceNumber: Int64
    public let amount: Amount
    public let reason: String
    public let referenceID: String?
    public let metadata: CanonicalJSON?
    public let adjusts: String?
    /// What the delta's log leaf commits to (docs/verification.md, "Content hashes").
    public let contentHash: Hash
    public let status: DeltaStatus
    public let errorCode: String?
    public let errorMessage: String?
    public let createdAt: Int64
    public let logIndex: Int64?
    public let verifiedAt: Int64?
    public let latencyMs: Int64?
    /// When the policy's witnesses first cosigned a server-log checkpoint that includes the
    /// delta's (docs/witnesses.md); nil before, and on a server without a witness policy.
    public let witnessedAt: Int64?

    public init(
        recordID: String,
        receiptID: String,
        environmentID: String,
        customerID: String,
        sequenceNumber: Int64,
        amount: Amount,
        reason: String,
        referenceID: String?,
        metadata: CanonicalJSON?,
        adjusts: String?,
        contentHash: Hash,
        status: DeltaStatus,
        errorCode: String?,
        errorMessage: String?,
        createdAt: Int64,
        logIndex: Int64?,
        verifiedAt: Int64?,
        latencyMs: Int64?,
        witnessedAt: Int64? = nil
    ) {
        self.recordID = recordID
        self.receiptID = receiptID
        self.environmentID = environmentID
        self.customerID = customerID
        self.sequenceNumber = sequenceNumber
        self.amount = amount
        self.reason = reason
        self.referenceID = referenceID
        self.metadata = metadata
        self.adjusts = adjusts
        self.contentHash = contentHash
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.createdAt = createdAt
        self.logIndex = logIndex
        self.verifiedAt = verifiedAt
        self.latencyMs = latencyMs
        self.witnessedAt = witnessedAt
    }
}
