/// A billing period's commitment (verification.md, "Period root"): the RFC 9162 Merkle
/// Tree Hash whose leaf data are the 32 raw bytes of each covered delta's content hash,
/// in log order. Anyone holding the period's deltas recomputes it.
public enum PeriodRoot {
    /// The root over `contentHashes`, in the order given (log order).
    public static func root(of contentHashes: [Hash]) -> Hash {
        var frontier = MerkleFrontier()
        for hash in contentHashes { _ = frontier.append(leaf: Merkle.leafHash(hash.bytes)) }
        return frontier.root
    }
}

extension LogEntry {
    /// `{"type":"checkpoint","v":1,"checkpointId":…,"proofRoot":…,"scope":…,"deltaCount":…,"netChange":…}`;
    /// `scope` is `{customerId?, startDate?, endDate?}` as the checkpoint answer shows it.
    public static func checkpoint(checkpointID: String, proofRoot: Hash, scope: JSONValue, deltaCount: Int64, netChange: Amount) -> [UInt8] {
        // Strings, small integers and a decimal string: canonicalisation cannot fail.
        try! JSONWriter.canonical([
            "type": "checkpoint", "v": 1, "checkpointId": .string(checkpointID), "proofRoot": .string(proofRoot.prefixedHex),
            "scope": scope, "deltaCount": .int(deltaCount), "netChange": .string(netChange.description),
        ])
    }
}
