/// A customer of one environment: its running totals, and its profile when the provider
/// created it by hand.
public struct CustomerTotals: Sendable, Equatable {
    public let customerID: String
    public let totalDeltas: Int64
    public let verifiedDeltas: Int64
    /// Sum of the customer's VERIFIED deltas, kept by the sequencer in the same transaction.
    public let verifiedBalance: Amount
    public let lastVerifiedIndex: Int64?
    public let latestReceiptID: String?
    public let lastActivityAt: Int64
    public let createdAt: Int64
    public let profile: CustomerProfile?

    public init(
        customerID: String,
        totalDeltas: Int64,
        verifiedDeltas: Int64,
        verifiedBalance: Amount,
        lastVerifiedIndex: Int64?,
        latestReceiptID: String?,
        lastActivityAt: Int64,
        createdAt: Int64,
        profile: CustomerProfile?
    ) {
        self.customerID = customerID
        self.totalDeltas = totalDeltas
        self.verifiedDeltas = verifiedDeltas
        self.verifiedBalance = verifiedBalance
        self.lastVerifiedIndex = lastVerifiedIndex
        self.latestReceiptID = latestReceiptID
        self.lastActivityAt = lastActivityAt
        self.createdAt = createdAt
        self.profile = profile
    }
}
