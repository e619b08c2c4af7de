/// Who pays for a production (mainnet) write, and what: every new log entry it queues — a
/// delta or a record entry — costs `costPerEntry`, reserved when it is accepted and settled
/// when a signed checkpoint covers it (docs/api.md §8). Sandbox writes carry none.
public struct CreditCharge: Sendable {
    public let tenantID: String
    /// Micro-credits one log entry costs (`PACSPACE_CREDITS_PER_DELTA`).
    public let costPerEntry: Int64
    /// `credits.low` is announced when a reservation takes the available credits below this.
    public let lowThreshold: Int64

    public init(tenantID: String, costPerEntry: Int64, lowThreshold: Int64) {
        self.tenantID = tenantID
        self.costPerEntry = costPerEntry
        self.lowThreshold = lowThreshold
    }
}
