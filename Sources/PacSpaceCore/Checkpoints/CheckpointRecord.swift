/// A sealed period: the root over its deltas' content hashes, and its log entry.
public struct CheckpointRecord: Sendable, Equatable {
    public let checkpointID: String
    public let environmentID: String
    /// The customer, or nil for the whole environment.
    public let customerID: String?
    /// `{customerId?, startDate?, endDate?, startingCheckpoint?}`, with its canonical text.
    public let scope: CanonicalJSON
    /// The period root over the period's deltas (docs/verification.md, "Period roots").
    public let proofRoot: Hash
    public let deltaCount: Int64
    public let netChange: Amount
    public let startingBalance: Amount
    public let endingBalance: Amount
    public let firstRecordAt: Int64?
    public let lastRecordAt: Int64?
    /// The log leaf's data (JCS text).
    public let leafData: String
    public let status: CheckpointStatus
    public let logIndex: Int64?
    public let createdAt: Int64
    public let verifiedAt: Int64?

    public init(
        checkpointID: String,
        environmentID: String,
        customerID: String?,
        scope: CanonicalJSON,
        proofRoot: Hash,
        deltaCount: Int64,
        netChange: Amount,
        startingBalance: Amount,
        endingBalance: Amount,
        firstRecordAt: Int64?,
        lastRecordAt: Int64?,
        leafData: String,
        status: CheckpointStatus,
        logIndex: Int64?,
        createdAt: Int64,
        verifiedAt: Int64?
    ) {
        self.checkpointID = checkpointID
        self.environmentID = environmentID
        self.customerID = customerID
        self.scope = scope
        self.proofRoot = proofRoot
        self.deltaCount = deltaCount
        self.netChange = netChange
        self.startingBalance = startingBalance
        self.endingBalance = endingBalance
        self.firstRecordAt = firstRecordAt
        self.lastRecordAt = lastRecordAt
        self.leafData = leafData
        self.status = status
        self.logIndex = logIndex
        self.createdAt = createdAt
        self.verifiedAt = verifiedAt
    }
}
