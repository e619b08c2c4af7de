import Foundation
import PacSpaceCore
import Testing

/// The public form of a log leaf (docs/verification.md, "What a public leaf shows") and the
/// entry bundles that carry it (c2sp.org/tlog-tiles, "Log entries").
@Suite struct LeafCommitmentTests {
    /// The delta leaf of `DeltaContentTests.contentHashKnownAnswer`.
    static let opening = Array(
        #"{"contentHash":"0x429e425f82e6b8a4f56019fffd682fec06ca1a54cd8dc6c1c46bc146cb70cd7e","receiptId":"rcpt_x","type":"delta","v":1}"#.utf8
    )

    /// Known answer computed independently (Python: hashlib.sha256(b"pacspace:leaf-commitment:v1\x00"
    /// + opening), the leaf by json.dumps(sort_keys=True, separators=(",", ":"))).
    @Test func commitmentKnownAnswer() {
        let leaf = LeafCommitment.leaf(committingTo: Self.opening)
        #expect(
            String(decoding: leaf, as: UTF8.self)
                == #"{"commitment":"0x674ef587ef01c7c5eb0596455d05630cfc1a95f6662eee81488dd3e534056d23","type":"commitment","v":1}"#
        )
        #expect(leaf.count == LeafCommitment.leafLength)
        #expect(Merkle.leafHash(leaf).prefixedHex == "0x2560e2077525a01e8e97f9cb855472f93d82877373ba8bab1465bb802120f8c4")
        #expect(LeafCommitment.isCommitment(leaf))
        #expect(LeafCommitment.isLeaf(leaf, of: Self.opening) && LeafCommitment.isLeaf(Self.opening, of: Self.opening))
        #expect(!LeafCommitment.isLeaf(leaf, of: Self.opening + [0x20]))
    }

    /// Only the exact commitment shape counts as public: a clear leaf, an uppercase or short
    /// digit string, another member or a trailing byte does not.
    @Test func onlyTheExactShapeIsACommitment() {
        let leaf = String(decoding: LeafCommitment.leaf(committingTo: Self.opening), as: UTF8.self)
        #expect(!LeafCommitment.isCommitment(Self.opening))
        for variant in [
            leaf.uppercased(), leaf + " ", String(leaf.dropLast()), leaf.replacingOccurrences(of: "\"v\":1", with: "\"v\":2"),
            leaf.replacingOccurrences(of: "0x674e", with: "0x674g"), leaf.replacingOccurrences(of: "commitment\",", with: "delta\","),
        ] {
            #expect(!LeafCommitment.isCommitment(Array(variant.utf8)), "\(variant)")
        }
    }

    /// A verifier given the clear leaf finds the form the log holds: the commitment in a new
    /// log, the clear leaf in one written before, neither in a tree without the entry.
    @Test func theLoggedFormIsFound() {
        let other = Array("another leaf".utf8)
        for logged in [LeafCommitment.leaf(committingTo: Self.opening), Self.opening] {
            let leaves = [other, logged, other]
            let hashes = leaves.map(Merkle.leafHash)
            let root = Hash.sha256([1] + Hash.sha256([1] + hashes[0].bytes + hashes[1].bytes).bytes + hashes[2].bytes)
            let proof = [hashes[0], hashes[2]]
            #expect(LeafCommitment.leaf(opening: Self.opening, index: 1, size: 3, proof: proof, root: root) == logged)
            #expect(LeafCommitment.leaf(opening: other, index: 1, size: 3, proof: proof, root: root) == nil)
        }
    }

    /// Entry bundles: big-endian uint16 lengths, decoded back; a truncated bundle is refused.
    @Test func entryBundlesRoundTrip() throws {
        let leaves = [Self.opening, [], Array(repeating: 0x61, count: 300)]
        let bundle = try EntryBundle.encode(leaves)
        #expect(Array(bundle.prefix(2)) == [0, UInt8(Self.opening.count)])
        #expect(Array(bundle[(2 + Self.opening.count)...].prefix(4)) == [0, 0, 1, 44])
        #expect(EntryBundle.decode(bundle) == leaves)
        #expect(EntryBundle.decode(Array(bundle.dropLast())) == nil)
        #expect(EntryBundle.decode([0]) == nil)
        #expect(throws: EntryBundle.TooLong.self) { try EntryBundle.encode([Array(repeating: 0, count: 65_536)]) }
    }
}
