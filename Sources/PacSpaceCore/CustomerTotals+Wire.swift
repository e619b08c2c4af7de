/// The customer's wire shape: the customers list, and the head of one customer's answer.
extension CustomerTotals {
    /// The customer's running totals; `computedBalance` sums its VERIFIED deltas.
    public var fields: [(String, JSONValue)] {
        [
            ("customerId", .string(customerID)), ("totalDeltas", .int(totalDeltas)), ("verifiedDeltas", .int(verifiedDeltas)),
            ("computedBalance", verifiedBalance.json), ("lastActivityAt", .string(Timestamp.iso8601(millis: lastActivityAt))),
        ]
    }
}
