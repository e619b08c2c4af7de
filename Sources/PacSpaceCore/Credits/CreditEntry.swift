/// One ledger line.
public struct CreditEntry: Sendable, Equatable {
    /// What a ledger line records. Grants, top-ups and settlements change the balance;
    /// reservations and releases change what is reserved (settlements both).
    public enum Kind: String, CaseIterable, Sendable, Codable {
        /// Credits from the operator at registration (`PACSPACE_FREE_CREDITS`) or by hand.
        case grant
        /// Credits the operator adds (`pacspace credits grant`).
        case topup
        /// A production write's cost, held while its deltas wait for the log.
        case reservation
        /// That cost spent as the deltas are verified (negative).
        case settlement
        /// A reservation given back (nothing releases one today).
        case release
    }

    public let id: String
    public let type: Kind
    public let amount: Amount
    public let description: String
    public let balanceAfter: Amount
    public let createdAt: Int64

    public init(
        id: String,
        type: Kind,
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
