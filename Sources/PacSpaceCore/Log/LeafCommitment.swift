/// What a leaf of a public log shows (docs/verification.md, "What a public leaf shows"):
/// nothing of the entry but a commitment to it.
///
/// Every environment's log is public (C2SP tlog-tiles, entry bundles included), but its
/// entries are a tenant's business: a checkpoint's entry names a customer and a net change,
/// a record entry its record key, a delta's its receipt id and content hash — and either of
/// those opens the delta's amount and balance at `GET /api/v1/verify/:id`. So the sequencer
/// appends, for each entry, the JCS text
///
///     {"commitment":"0x<hex>","type":"commitment","v":1}
///     commitment = SHA-256("pacspace:leaf-commitment:v1" ‖ 0x00 ‖ opening)
///
/// where the *opening* is the entry's clear leaf as ``LogEntry`` builds it (the same text a
/// leaf was before). The opening needs no salt of its own: each holds at least one value only
/// its holders know — a delta's receipt id and the record id inside its content hash (≈ 98
/// random bits each), a checkpoint's id (≈ 124) and its proof root, a record entry's random
/// 256-bit record key — so a reader of the public log can neither invert a commitment nor
/// confirm a guess of what it hides. Whoever holds a receipt rebuilds the opening from the
/// fields they were given, as before, and then its commitment. Not even the kind of an entry
/// is public: counting checkpoints at a month's end would count a provider's customers.
///
/// Leaves written before commitments stay as they were (clear), so every receipt ever issued still
/// verifies; a verifier tries the commitment first, then the clear form
/// (``leaf(opening:index:proof:checkpoint:)``), and an entry bundle holding any clear leaf is
/// withheld.
public enum LeafCommitment {
    private static let tag = Array("pacspace:leaf-commitment:v1".utf8) + [0]
    private static let head = Array(#"{"commitment":"0x"#.utf8)
    private static let tail = Array(#"","type":"commitment","v":1}"#.utf8)
    /// The length of every commitment leaf: the head, 64 hex digits, the tail.
    public static let leafLength = 17 + 64 + 28

    /// `SHA-256("pacspace:leaf-commitment:v1" ‖ 0x00 ‖ opening)`.
    public static func commitment(to opening: [UInt8]) -> Hash {
        Hash.sha256(tag + opening)
    }

    /// The public leaf committing to `opening`, in canonical (JCS) form.
    public static func leaf(committingTo opening: [UInt8]) -> [UInt8] {
        var out = head
        out.reserveCapacity(leafLength)
        Hex.append(commitment(to: opening).bytes, to: &out)
        out += tail
        return out
    }

    /// Whether `leaf` is exactly a commitment leaf: the only form an entry bundle carries.
    public static func isCommitment(_ leaf: some Collection<UInt8>) -> Bool {
        guard leaf.count == leafLength, leaf.starts(with: head), leaf.reversed().starts(with: tail.reversed()) else { return false }
        let hexDigits = leaf.dropFirst(head.count).prefix(64)
        return hexDigits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// Whether `logged`, a leaf the log holds, is `opening` in one of its two forms.
    public static func isLeaf(_ logged: some Collection<UInt8>, of opening: [UInt8]) -> Bool {
        logged.elementsEqual(leaf(committingTo: opening)) || logged.elementsEqual(opening)
    }

    /// The leaf the log holds for `opening` at `index`: the one of its two forms — the
    /// commitment, or the clear opening of a leaf written before commitments — from which
    /// `proof` leads to the root of a tree of `size` leaves. Nil when neither does.
    public static func leaf(opening: [UInt8], index: UInt64, size: UInt64, proof: [Hash], root: Hash) -> [UInt8]? {
        [leaf(committingTo: opening), opening].first { form in
            Merkle.verifyInclusion(leaf: Merkle.leafHash(form), index: index, size: size, proof: proof, root: root)
        }
    }
}
