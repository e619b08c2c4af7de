import Crypto
import Foundation
import PacSpaceCore
import Testing

/// A witness's decisions (c2sp.org/tlog-witness), in the spec's order, on requests built here.
@Suite struct WitnessCheckTests {
    static let log = try? NoteSigner(name: "log.test/a", privateKey: .init())

    /// A tree of `size` leaves "leaf i" and its signed checkpoint.
    static func checkpoint(_ size: UInt64, root: Hash? = nil, signer: NoteSigner? = log) throws -> (Hash, String) {
        let leaves = (0..<size).map { Merkle.leafHash(Array("leaf \($0)".utf8)) }
        var frontier = MerkleFrontier()
        for leaf in leaves { _ = frontier.append(leaf: leaf) }
        let treeRoot = root ?? frontier.root
        guard let signer else { throw NoteError.invalidKeyName("") }
        return (treeRoot, try signer.sign(Checkpoint(origin: "log.test/a", size: size, root: treeRoot).body))
    }

    static func judge(_ body: String, view: WitnessCheck.View?) -> WitnessCheck.Verdict {
        WitnessCheck.judge(
            body,
            trusted: { $0 == "log.test/a" ? [log].compactMap { $0.flatMap { try? NoteVerifier(verifierKey: $0.verifierKey) } } : [] },
            view: { _ in view }
        )
    }

    @Test func theSpecsOrder() throws {
        let (root5, note5) = try Self.checkpoint(5)
        let held = WitnessCheck.View(size: 5, root: root5)
        // Round trip of the request form.
        let request = AddCheckpoint(oldSize: 0, proof: [], checkpoint: note5)
        #expect(try AddCheckpoint(parsing: request.body) == request)
        guard case .cosign(let first, _) = Self.judge(request.body, view: nil) else { throw TestFailure() }
        #expect(first.size == 5)
        // Same size, same root: cosigned again; another root: 409 with the held size.
        #expect(Self.judge(request.body.replacingFirst("old 0", "old 5"), view: held).status == 200)
        let (_, other) = try Self.checkpoint(5, root: Hash.sha256([1]))
        #expect(Self.judge(AddCheckpoint(oldSize: 5, proof: [], checkpoint: other).body, view: held) == .conflict(size: 5))
        // A stale old size: 409; one past the checkpoint: 400 first.
        #expect(Self.judge(request.body, view: held) == .conflict(size: 5))
        #expect(Self.judge(AddCheckpoint(oldSize: 6, proof: [], checkpoint: note5).body, view: held).status == 400)
        // Unknown origin 404 before anything about sizes; an untrusted key 403.
        let stranger = try NoteSigner(name: "log.test/b", privateKey: .init())
        let strange = try stranger.sign(Checkpoint(origin: "log.test/b", size: 1, root: Hash.sha256([2])).body)
        #expect(Self.judge(AddCheckpoint(oldSize: 9, proof: [], checkpoint: strange).body, view: held).status == 404)
        let impostor = try NoteSigner(name: "log.test/a", privateKey: .init())
        let (_, forged) = try Self.checkpoint(8, signer: impostor)
        #expect(Self.judge(AddCheckpoint(oldSize: 5, proof: [], checkpoint: forged).body, view: held).status == 403)
        // Growth with a wrong proof: 422; a proof from size 0: 400; a non-empty root at size 0: 422.
        let (_, note8) = try Self.checkpoint(8)
        #expect(Self.judge(AddCheckpoint(oldSize: 5, proof: [Hash.sha256([3])], checkpoint: note8).body, view: held).status == 422)
        #expect(Self.judge(AddCheckpoint(oldSize: 0, proof: [Hash.sha256([3])], checkpoint: note8).body, view: nil).status == 400)
        let (_, empty) = try Self.checkpoint(0, root: Hash.sha256([4]))
        #expect(Self.judge(AddCheckpoint(oldSize: 0, proof: [], checkpoint: empty).body, view: nil).status == 422)
        for bad in [
            "old 5\n" + note8, "old -1\n\n" + note8, "old 05\n\n" + note8,
            "old 5\n" + String(repeating: "\(root5.base64)\n", count: 64) + "\n" + note8,
        ] {
            #expect(Self.judge(bad, view: held).status == 400, "\(bad.prefix(12))")
        }
    }

    struct TestFailure: Error {}
}

extension String {
    fileprivate func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
