import Crypto
import Foundation
import PacSpaceCore
import Testing

/// The chain from an environment checkpoint to the witnesses (docs/witnesses.md, "Witnessed
/// receipts"), as `pacspace verify-receipt --policy` and the verify page check it: the
/// checkpoint is a leaf of the server log, under a checkpoint signed by a log the policy
/// names and cosigned by its quorum. The e2e test checks the same chain with aics-tlog.
@Suite struct WitnessedReceiptTests {
    struct Chain {
        let environmentCheckpoint: String
        let serverLogReceipt: String
        let serverLogKey: String
        let witnessKeys: [String]
    }

    /// A server log of five environment checkpoints; the one at index 3 is proved, under a
    /// server-log checkpoint cosigned by `cosigners` of three witnesses at `time`.
    static func chain(cosigners: Set<Int> = [0, 1], time: UInt64 = 1_800_000_000) async throws -> Chain {
        let environment = try NoteSigner(name: "pacspace.test/tnt_w/testnet", privateKey: .init())
        let notes = try (1...5).map { size in
            try environment.sign(Checkpoint(origin: environment.name, size: UInt64(size), root: Hash.sha256([UInt8(size)])).body)
        }
        let log = MemoryLog(leaves: notes.map { Array($0.utf8) })
        let server = try NoteSigner(name: "pacspace.test/api/v1/server-log", privateKey: .init())
        let body = Checkpoint(origin: server.name, size: 5, root: log.frontier.root).body
        let witnesses = try (0..<3).map { try Cosignature.Signer(name: "witness.test/w\($0)", privateKey: .init()) }
        var note = try server.sign(body)
        for index in cosigners.sorted() { note += try witnesses[index].cosign(body, time: time) }
        let proof = TlogProof(index: 3, hashes: try await Merkle.inclusionProof(index: 3, size: 5, read: log.reader), checkpoint: note)
        return Chain(
            environmentCheckpoint: notes[3],
            serverLogReceipt: proof.text,
            serverLogKey: server.verifierKey,
            witnessKeys: witnesses.map(\.verifierKey)
        )
    }

    static func policy(_ chain: Chain, quorum: String = "group two 2 W0 W1 W2\nquorum two") throws -> WitnessPolicy {
        let witnesses = chain.witnessKeys.enumerated().map { "witness W\($0.offset) \($0.element)" }.joined(separator: "\n")
        return try WitnessPolicy(parsing: "log \(chain.serverLogKey)\n\(witnesses)\n\(quorum)\n")
    }

    @Test func aCosignedChainMeetsItsQuorum() async throws {
        let chain = try await Self.chain()
        let report = try OfflineVerification.verifyWitnesses(
            environmentCheckpoint: chain.environmentCheckpoint,
            serverLogReceipt: chain.serverLogReceipt,
            policy: try Self.policy(chain)
        )
        #expect(report.quorumMet && report.serverLogIndex == 3 && report.serverLogCheckpoint.size == 5)
        #expect(report.serverLogVerifierKey == chain.serverLogKey)
        #expect(report.witnesses.map(\.cosignedAt) == [1_800_000_000, 1_800_000_000, nil])
        #expect(report.witnesses.map(\.verifierKey) == chain.witnessKeys)
        // All three asked for, two cosigned: reported, not met.
        let strict = try OfflineVerification.verifyWitnesses(
            environmentCheckpoint: chain.environmentCheckpoint,
            serverLogReceipt: chain.serverLogReceipt,
            policy: try Self.policy(chain, quorum: "group all 3 W0 W1 W2\nquorum all")
        )
        #expect(!strict.quorumMet)
    }

    /// Another environment checkpoint, another log's key, a changed proof hash, a cosignature
    /// of another checkpoint: each is refused or counted as no cosignature.
    @Test func aBrokenChainIsRefused() async throws {
        let chain = try await Self.chain()
        let policy = try Self.policy(chain)
        let other = chain.environmentCheckpoint.replacingOccurrences(of: "\n4\n", with: "\n5\n")
        #expect(throws: OfflineVerification.Failure.self) {
            try OfflineVerification.verifyWitnesses(environmentCheckpoint: other, serverLogReceipt: chain.serverLogReceipt, policy: policy)
        }
        let stranger = try NoteSigner(name: "pacspace.test/api/v1/server-log", privateKey: .init())
        let wrongLog = try WitnessPolicy(parsing: "log \(stranger.verifierKey)\nquorum none\n")
        #expect(throws: OfflineVerification.Failure.self) {
            try OfflineVerification.verifyWitnesses(
                environmentCheckpoint: chain.environmentCheckpoint,
                serverLogReceipt: chain.serverLogReceipt,
                policy: wrongLog
            )
        }
        var lines = chain.serverLogReceipt.components(separatedBy: "\n")
        lines[2] = Hash.sha256([9]).base64
        #expect(throws: OfflineVerification.Failure.self) {
            try OfflineVerification.verifyWitnesses(
                environmentCheckpoint: chain.environmentCheckpoint,
                serverLogReceipt: lines.joined(separator: "\n"),
                policy: policy
            )
        }
        #expect(throws: OfflineVerification.Failure.self) {
            try OfflineVerification.verifyWitnesses(
                environmentCheckpoint: chain.environmentCheckpoint,
                serverLogReceipt: chain.serverLogReceipt,
                policy: try WitnessPolicy(parsing: "quorum none\n")
            )
        }
        // A cosignature line moved onto another checkpoint of the same log does not count.
        let elsewhere = try await Self.chain(cosigners: [])
        let moved = chain.serverLogReceipt.components(separatedBy: "\n").filter { $0.hasPrefix("— witness.test/") }
        let borrowed = elsewhere.serverLogReceipt + moved.map { $0 + "\n" }.joined()
        let report = try OfflineVerification.verifyWitnesses(
            environmentCheckpoint: elsewhere.environmentCheckpoint,
            serverLogReceipt: borrowed,
            policy: try Self.policy(elsewhere)
        )
        #expect(report.witnesses.allSatisfy { $0.cosignedAt == nil } && !report.quorumMet)
    }

    /// A witness may sign any 64-bit time: shown as seconds past what milliseconds hold.
    @Test func aTimeFarAheadIsShownNotTrapped() async throws {
        let chain = try await Self.chain(time: UInt64(Int64.max))
        let report = try OfflineVerification.verifyWitnesses(
            environmentCheckpoint: chain.environmentCheckpoint,
            serverLogReceipt: chain.serverLogReceipt,
            policy: try Self.policy(chain)
        )
        #expect(report.witnesses.first?.cosignedAt == UInt64(Int64.max))
        #expect(Timestamp.iso8601(posixSeconds: UInt64(Int64.max)) == "9223372036854775807 s after 1970")
        #expect(Timestamp.iso8601(posixSeconds: 1_800_000_000) == "2027-01-15T08:00:00.000Z")
    }
}
