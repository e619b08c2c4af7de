/// One ledger line.
public struct CreditEntry: Sendable, Equatable {
    public let id: String
    /// `grant`, `topup`, `reservation`, `settlement` or `release`.
    public let type: String
    public let amount: Amount
    public let description: String
    public let balanceAfter: Amount
    public let createdAt: Int64

    public init(
        id: String,
        type: String,
        amount: Amount,
        description: String,
        balanceAfter: Amount,
        createdAt: Int64
    ) {
        self.id = id
        self.type = type
        self.amount = amount
        self.description = description
        self.balanceAfter = balanceAfter
        self.createdAt = createdAt
    }
}

/// A tenant's credits (docs/api.md §8), in micro-credits like amounts.
public struct CreditBalance: Sendable, Equatable {
    public let balance: Amount
    public let reserved: Amount
    public var available: Amount { Amount(micros: balance.micros - reserved.micros) }

    public init(
        balance: Amount,
        reserved: Amount
    ) {
        self.balance = balance
        self.reserved = reserved
    }
}
