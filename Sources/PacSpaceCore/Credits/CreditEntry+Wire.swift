/// The credit ledger's wire shapes: `/dashboard/credit/*`.
extension CreditEntry {
    /// One ledger line.
    public var json: JSONValue {
        [
            "id": .string(id), "type": .string(type.rawValue), "amount": amount.json, "description": .string(description),
            "balanceAfter": balanceAfter.json, "createdAt": .string(Timestamp.iso8601(millis: createdAt)),
        ]
    }
}

extension CreditBalance {
    /// The tenant's credits: the balance, what accepted production deltas hold, and the rest.
    public var json: JSONValue { .object(fields) }

    /// The `credits.low` event's data: the credits and the threshold they fell below.
    public func lowEvent(threshold: Amount) -> JSONValue { .object(fields + [("threshold", threshold.json)]) }

    private var fields: [(String, JSONValue)] {
        [("creditBalance", balance.json), ("availableBalance", available.json), ("reserved", reserved.json)]
    }
}
