/// The right edge of a Merkle tree: the roots of the maximal complete subtrees covering
/// all leaves so far (`Subtree.covering(0..<size)`), largest first.
///
/// Appending a leaf costs O(log n) hashes and yields the complete subtrees it finishes,
/// which is what the log stores; the root is the fold of the frontier.
public struct MerkleFrontier: Sendable, Equatable {
    /// Number of leaves.
    public private(set) var size: UInt64
    /// Hashes of `Subtree.covering(0..<size)`, in that order.
    public private(set) var hashes: [Hash]

    /// The frontier of the empty tree.
    public init() {
        self.size = 0
        self.hashes = []
    }

    /// Restores a frontier from stored hashes; nil if their count does not fit `size`.
    public init?(size: UInt64, hashes: [Hash]) {
        guard Subtree.covering(0..<size).count == hashes.count else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// The RFC 9162 root of the tree.
    public var root: Hash { Merkle.rangeRoot(hashes) }

    /// Appends the leaf with hash `leaf` and returns every complete subtree it finishes,
    /// the leaf itself (level 0) first.
    public mutating func append(leaf: Hash) -> [(Subtree, Hash)] {
        var finished = [(Subtree(level: 0, index: size), leaf)]
        var hash = leaf
        var index = size
        var level = 0
        while index & 1 == 1 {
            hash = Merkle.nodeHash(hashes.removeLast(), hash)
            index >>= 1
            level += 1
            finished.append((Subtree(level: level, index: index), hash))
        }
        hashes.append(hash)
        size += 1
        return finished
    }
}
