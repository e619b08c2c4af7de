/// RFC 9162 §2.1 Merkle tree hashing over SHA-256.
///
/// Leaves hash as `SHA-256(0x00 ‖ data)`, interior nodes as `SHA-256(0x01 ‖ left ‖ right)`,
/// and a tree of n leaves splits at the largest power of two below n.
///
/// Proof generation never walks the whole tree: every proof is a list of leaf ranges whose
/// root is needed, each range decomposes into at most log₂ n complete subtrees, and those
/// come from storage through a ``SubtreeReader``. This is the layout of Go's
/// `golang.org/x/mod/sumdb/tlog`.
public enum Merkle {
    /// The hash of the empty tree: SHA-256 of nothing.
    public static let emptyRoot = Hash.sha256([])

    /// `SHA-256(0x00 ‖ data)`.
    public static func leafHash(_ data: some Sequence<UInt8>) -> Hash {
        Hash.sha256([0x00] + Array(data))
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`.
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        Hash.sha256([0x01] + left.bytes + right.bytes)
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return 1 << (63 - (n - 1).leadingZeroBitCount)
    }
}

/// A complete subtree: the 2^level leaves starting at leaf `index << level`.
/// Level 0 subtrees are the leaf hashes themselves.
public struct Subtree: Hashable, Sendable {
    /// Height of the subtree; it covers 2^level leaves.
    public let level: Int
    /// Position among the subtrees of this level.
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The maximal complete subtrees covering `range`, left to right (sizes decrease).
    public static func covering(_ range: Range<UInt64>) -> [Subtree] {
        var result: [Subtree] = []
        var lo = range.lowerBound
        while lo < range.upperBound {
            var level = 0
            while level < 63 {
                let size: UInt64 = 1 << (level + 1)
                guard lo % size == 0, lo + size <= range.upperBound else { break }
                level += 1
            }
            result.append(Subtree(level: level, index: lo >> level))
            lo += 1 << level
        }
        return result
    }
}

/// Reads stored complete-subtree hashes, in the order asked.
public typealias SubtreeReader = @Sendable ([Subtree]) async throws -> [Hash]

extension Merkle {
    /// The root of the leaves in `range`, given the hashes of `Subtree.covering(range)`.
    public static func rangeRoot(_ hashes: [Hash]) -> Hash {
        guard var root = hashes.last else { return emptyRoot }
        for hash in hashes.dropLast().reversed() { root = nodeHash(hash, root) }
        return root
    }

    /// The RFC 9162 Merkle Tree Hash of the first `size` leaves.
    public static func root(size: UInt64, read: SubtreeReader) async throws -> Hash {
        try await rangeRoot(read(Subtree.covering(0..<size)))
    }

    /// The leaf ranges whose roots form the inclusion proof of leaf `index` in a tree of
    /// `size` leaves (RFC 9162 §2.1.3.1), leaf sibling first.
    public static func inclusionRanges(index: UInt64, size: UInt64) -> [Range<UInt64>] {
        precondition(index < size)
        var ranges: [Range<UInt64>] = []
        var (lo, hi, m) = (UInt64(0), size, index)
        while hi - lo > 1 {
            let k = split(hi - lo)
            if m < k {
                ranges.append(lo + k..<hi)
                hi = lo + k
            } else {
                ranges.append(lo..<lo + k)
                lo += k
                m -= k
            }
        }
        return ranges.reversed()
    }

    /// The leaf ranges whose roots form the consistency proof from a tree of `oldSize`
    /// leaves to one of `newSize` leaves (RFC 9162 §2.1.4.1), in proof order.
    public static func consistencyRanges(oldSize: UInt64, newSize: UInt64) -> [Range<UInt64>] {
        precondition(oldSize <= newSize)
        guard oldSize > 0, oldSize < newSize else { return [] }
        // SUBPROOF(m, D[lo:hi], b), unrolled; the path is built leaf-end first.
        var ranges: [Range<UInt64>] = []
        var (lo, hi, m, complete) = (UInt64(0), newSize, oldSize, true)
        while m != hi - lo {
            let k = split(hi - lo)
            if m <= k {
                ranges.append(lo + k..<hi)
                hi = lo + k
            } else {
                ranges.append(lo..<lo + k)
                lo += k
                m -= k
                complete = false
            }
        }
        if !complete { ranges.append(lo..<hi) }
        return ranges.reversed()
    }

    /// Reads and combines the stored hashes for each range, one read for the whole proof.
    public static func proof(_ ranges: [Range<UInt64>], read: SubtreeReader) async throws -> [Hash] {
        let covers = ranges.map(Subtree.covering)
        let hashes = try await read(covers.flatMap { $0 })
        var proof: [Hash] = []
        var offset = 0
        for cover in covers {
            proof.append(rangeRoot(Array(hashes[offset..<offset + cover.count])))
            offset += cover.count
        }
        return proof
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    public static func inclusionProof(index: UInt64, size: UInt64, read: SubtreeReader) async throws -> [Hash] {
        try await proof(inclusionRanges(index: index, size: size), read: read)
    }

    /// The consistency proof from the tree of `oldSize` leaves to that of `newSize` leaves.
    public static func consistencyProof(oldSize: UInt64, newSize: UInt64, read: SubtreeReader) async throws -> [Hash] {
        try await proof(consistencyRanges(oldSize: oldSize, newSize: newSize), read: read)
    }
}
