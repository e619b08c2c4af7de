/// The customer's wire shape: the Balance API's and the dashboard's customer lists and
/// answers, and the `customer.created` event.
extension CustomerTotals {
    /// The customer: its running totals (`computedBalance` sums its VERIFIED deltas) and
    /// its profile (`displayName` is the customer id when it has none).
    public var fields: [(String, JSONValue)] {
        [
            ("customerId", .string(customerID)), ("displayName", .string(profile?.displayName ?? customerID)),
            ("unitLabel", .optional(profile?.unitLabel)), ("sharingStateHint", .optional(profile?.sharingStateHint)),
            ("eventCadence", .optional(profile?.eventCadence)), ("totalDeltas", .int(totalDeltas)),
            ("verifiedDeltas", .int(verifiedDeltas)), ("computedBalance", verifiedBalance.json),
            ("lastActivityAt", .string(Timestamp.iso8601(millis: lastActivityAt))),
            ("createdAt", .string(Timestamp.iso8601(millis: createdAt))),
        ]
    }

    public var json: JSONValue { .object(fields) }
}
