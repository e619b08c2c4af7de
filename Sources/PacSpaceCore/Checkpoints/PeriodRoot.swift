/// A billing period's commitment (docs/verification.md, "Period roots"), in two versions.
///
/// - **v1** (checkpoints sealed before v2): the RFC 9162 Merkle Tree Hash whose leaf
///   data are the 32 raw bytes of each covered delta's content hash, in log order. Two
///   periods with the same deltas — every empty period of every tenant among them —
///   have the same v1 root, so a v1 root alone does not name one checkpoint.
/// - **v2** (every new checkpoint): the same tree with one leaf first, the JCS bytes of
///   `{"origin":…,"scope":…,"type":"period","v":2}` — the environment's log origin and
///   the checkpoint's scope. A v2 root names one period of one log: no two checkpoints
///   of different environments or scopes share it. The first leaf is never 32 bytes,
///   so it cannot be mistaken for a content hash.
///
/// Anyone holding the period's deltas (and, for v2, the scope the checkpoint states and
/// the log's origin, the name of its verifier key) recomputes it.
public enum PeriodRoot {
    /// How a root was computed; the checkpoint's log entry states it as `v`.
    public enum Version: Int, Sendable, CaseIterable {
        case v1 = 1
        case v2 = 2
    }

    /// The root over `contentHashes`, in the order given (log order).
    public static func root(_ version: Version, of contentHashes: [Hash], origin: String, scope: JSONValue) throws(JCSError) -> Hash {
        var frontier = MerkleFrontier()
        if version == .v2 { _ = frontier.append(leaf: Merkle.leafHash(try context(origin: origin, scope: scope))) }
        for hash in contentHashes { _ = frontier.append(leaf: Merkle.leafHash(hash.bytes)) }
        return frontier.root
    }

    /// The first leaf of a v2 root.
    public static func context(origin: String, scope: JSONValue) throws(JCSError) -> [UInt8] {
        try JSONWriter.canonical(["type": "period", "v": 2, "origin": .string(origin), "scope": scope])
    }
}
