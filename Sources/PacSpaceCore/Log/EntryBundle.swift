/// An entry bundle of C2SP tlog-tiles (c2sp.org/tlog-tiles, "Log entries"): the leaves of one
/// level-0 tile, in order, each as a big-endian uint16 length and the leaf's bytes. Each
/// entry hashes (RFC 9162 leaf hash) to the hash at its position in the level-0 tile.
public enum EntryBundle {
    /// A leaf too long for a bundle's 16-bit length (no leaf this server writes is).
    public struct TooLong: Error, Sendable {}

    /// The bundle of `leaves`.
    public static func encode(_ leaves: [[UInt8]]) throws(TooLong) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(leaves.reduce(0) { $0 + 2 + $1.count })
        for leaf in leaves {
            guard leaf.count <= Int(UInt16.max) else { throw TooLong() }
            out.append(UInt8(leaf.count >> 8))
            out.append(UInt8(leaf.count & 0xff))
            out += leaf
        }
        return out
    }

    /// The leaves of `bundle`; nil when it is not a sequence of length-prefixed entries.
    public static func decode(_ bundle: [UInt8]) -> [[UInt8]]? {
        var leaves: [[UInt8]] = []
        var position = 0
        while position < bundle.count {
            guard position + 2 <= bundle.count else { return nil }
            let length = Int(bundle[position]) << 8 | Int(bundle[position + 1])
            position += 2
            guard position + length <= bundle.count else { return nil }
            leaves.append(Array(bundle[position..<position + length]))
            position += length
        }
        return leaves
    }
}
