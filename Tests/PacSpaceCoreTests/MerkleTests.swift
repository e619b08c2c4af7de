import Testing

@testable import PacSpaceCore

/// The leaves of the RFC 6962 reference test suite (certificate-transparency).
let referenceLeaves: [[UInt8]] = [
    [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
    [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
    [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
]

/// An in-memory log built with the frontier, serving stored subtree hashes.
struct MemoryLog {
    var frontier = MerkleFrontier()
    var stored: [Subtree: Hash] = [:]

    init(leaves: [[UInt8]]) {
        for leaf in leaves { append(leaf) }
    }

    mutating func append(_ data: [UInt8]) {
        for (subtree, hash) in frontier.append(leaf: Merkle.leafHash(data)) { stored[subtree] = hash }
    }

    var reader: SubtreeReader {
        let stored = self.stored
        return { subtrees in subtrees.map { stored[$0] ?? Merkle.emptyRoot } }
    }
}

/// The RFC 9162 definition, recursively, for checking the fast paths.
func naiveRoot(_ leaves: ArraySlice<[UInt8]>) -> Hash {
    if leaves.isEmpty { return Merkle.emptyRoot }
    if leaves.count == 1 { return Merkle.leafHash(leaves[leaves.startIndex]) }
    let k = Int(Merkle.split(UInt64(leaves.count)))
    let start = leaves.startIndex
    return Merkle.nodeHash(naiveRoot(leaves[start..<start + k]), naiveRoot(leaves[(start + k)...]))
}

func hex(_ text: String) -> Hash {
    guard let hash = Hash(prefixedHex: "0x" + text) else { preconditionFailure("not a hash: \(text)") }
    return hash
}

@Suite struct MerkleTests {
    @Test func referenceRoots() async throws {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        #expect(Merkle.emptyRoot == hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        let log = MemoryLog(leaves: referenceLeaves)
        for size in 1...8 {
            #expect(try await Merkle.root(size: UInt64(size), read: log.reader) == hex(expected[size - 1]), "size \(size)")
            #expect(MemoryLog(leaves: Array(referenceLeaves[..<size])).frontier.root == hex(expected[size - 1]))
        }
    }

    @Test func referenceInclusionProof() async throws {
        let log = MemoryLog(leaves: referenceLeaves)
        let proof = try await Merkle.inclusionProof(index: 0, size: 8, read: log.reader)
        #expect(
            proof == [
                hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                hex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ]
        )
    }

    @Test func referenceConsistencyProofs() async throws {
        let log = MemoryLog(leaves: referenceLeaves)
        #expect(
            try await Merkle.consistencyProof(oldSize: 1, newSize: 8, read: log.reader) == [
                hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                hex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ]
        )
        #expect(
            try await Merkle.consistencyProof(oldSize: 6, newSize: 8, read: log.reader) == [
                hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                hex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                hex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ]
        )
        #expect(
            try await Merkle.consistencyProof(oldSize: 2, newSize: 5, read: log.reader) == [
                hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                hex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ]
        )
    }

    /// Every proof of every tree up to 70 leaves verifies, and no altered proof does.
    @Test func proofsAgreeWithTheDefinition() async throws {
        let leaves = (0..<70).map { [UInt8(truncatingIfNeeded: $0), 0xAB] }
        let log = MemoryLog(leaves: leaves)
        for size in UInt64(1)...70 {
            let root = naiveRoot(leaves[..<Int(size)])
            #expect(try await Merkle.root(size: size, read: log.reader) == root)
            for index in 0..<size {
                let proof = try await Merkle.inclusionProof(index: index, size: size, read: log.reader)
                let leaf = Merkle.leafHash(leaves[Int(index)])
                #expect(Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root))
                if !proof.isEmpty {
                    var bad = proof
                    bad[bad.count - 1] = Merkle.leafHash([1])
                    #expect(!Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: bad, root: root))
                }
            }
            for old in 0...size {
                let oldRoot = naiveRoot(leaves[..<Int(old)])
                let proof = try await Merkle.consistencyProof(oldSize: old, newSize: size, read: log.reader)
                #expect(
                    Merkle.verifyConsistency(oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof),
                    "\(old) → \(size)"
                )
                if old > 0 && old < size {
                    #expect(!Merkle.verifyConsistency(oldSize: old, newSize: size, oldRoot: Merkle.leafHash([9]), newRoot: root, proof: proof))
                    #expect(!Merkle.verifyConsistency(oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof.dropLast()))
                }
            }
        }
    }

    @Test func frontierRestoresOnlyWithTheRightShape() {
        let log = MemoryLog(leaves: referenceLeaves)
        #expect(MerkleFrontier(size: 8, hashes: log.frontier.hashes) == log.frontier)
        #expect(MerkleFrontier(size: 7, hashes: log.frontier.hashes) == nil)
    }
}
