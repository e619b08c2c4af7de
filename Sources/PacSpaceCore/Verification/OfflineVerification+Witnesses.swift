/// Offline verification of a receipt's witnesses (docs/witnesses.md, "Witnessed receipts"):
/// the environment checkpoint an entry's receipt proves against is a leaf of the server log,
/// under a server-log checkpoint signed by a log the policy names and cosigned by enough of
/// its witnesses (c2sp.org/tlog-policy, tlog-cosignature).
extension OfflineVerification {
    /// One witness of the policy, as the server-log checkpoint shows it.
    public struct WitnessResult: Sendable, Equatable {
        public let name: String
        /// Its cosigner key (vkey text, key type 0x04).
        public let verifierKey: String
        /// When it cosigned (POSIX seconds), or nil without a valid cosignature of its key.
        public let cosignedAt: UInt64?

        /// The line `verify-receipt` and `monitor` print for it.
        public var summary: String {
            guard let cosignedAt else { return "✗ witness \(name): no valid cosignature" }
            return "✓ witness \(name) cosigned it at \(Timestamp.iso8601(posixSeconds: cosignedAt))"
        }
    }

    /// What the chain proved.
    public struct WitnessReport: Sendable, Equatable {
        /// The environment checkpoint's index in the server log.
        public let serverLogIndex: UInt64
        public let serverLogCheckpoint: Checkpoint
        /// The key of the log that signed it (vkey text), one of the policy's.
        public let serverLogVerifierKey: String
        /// Every witness of the policy, in the policy's order.
        public let witnesses: [WitnessResult]
        /// Whether the valid cosignatures meet the policy's quorum.
        public let quorumMet: Bool
    }

    /// Checks that `environmentCheckpoint` (the signed note an entry's receipt proves
    /// against, verbatim) is the leaf at the index of `serverLogReceipt` (a C2SP tlog-proof)
    /// under a checkpoint signed by a log of `policy`, and which of the policy's witnesses
    /// cosigned that checkpoint. Throws on a broken chain; a quorum not met is reported.
    public static func verifyWitnesses(
        environmentCheckpoint: String,
        serverLogReceipt: String,
        policy: WitnessPolicy
    ) throws(Failure)
        -> WitnessReport
    {
        guard !policy.logs.isEmpty else { throw Failure("the policy names no log: add the server log's key (log <vkey>)") }
        let proof: TlogProof
        do { proof = try TlogProof(parsing: serverLogReceipt) } catch { throw Failure("the server-log receipt is not a valid tlog-proof: \(error)") }
        let note: SignedNote
        do { note = try SignedNote(parsing: proof.checkpoint) } catch { throw Failure("the server-log checkpoint is not a signed note: \(error)") }
        var opened: (Checkpoint, NoteVerifier)?
        for log in policy.logs {
            if let checkpoint = try? Checkpoint.open(proof.checkpoint, verifier: log.verifier), checkpoint.origin == log.verifier.name {
                opened = (checkpoint, log.verifier)
                break
            }
        }
        guard let (checkpoint, verifier) = opened else {
            throw Failure("the server-log checkpoint is not validly signed by a log the policy names")
        }
        guard
            Merkle.verifyInclusion(
                leaf: Merkle.leafHash(Array(environmentCheckpoint.utf8)),
                index: proof.index,
                size: checkpoint.size,
                proof: proof.hashes,
                root: checkpoint.root
            )
        else {
            throw Failure(
                "the server-log proof does not lead from the environment checkpoint (\(proof.index)) to the signed root of size \(checkpoint.size)"
            )
        }
        let witnesses = cosigners(of: note, policy: policy)
        return WitnessReport(
            serverLogIndex: proof.index,
            serverLogCheckpoint: checkpoint,
            serverLogVerifierKey: verifier.verifierKey,
            witnesses: witnesses,
            quorumMet: policy.isMet(by: Set(witnesses.filter { $0.cosignedAt != nil }.map(\.name)))
        )
    }

    /// Each witness of `policy`, with the time of its valid cosignature of `note` (a signed
    /// checkpoint with its cosignature lines) or nil, in the policy's order.
    public static func cosigners(of note: SignedNote, policy: WitnessPolicy) -> [WitnessResult] {
        let lines = note.signatures.map { SignedNote.signatureLine(name: $0.name, keyID: $0.keyID, signature: $0.bytes) }
        return policy.witnesses.map { witness in
            WitnessResult(
                name: witness.name,
                verifierKey: witness.cosigner.verifierKey,
                cosignedAt: lines.lazy.compactMap { witness.cosigner.timestamp(of: $0, cosigning: note.text) }.first
            )
        }
    }
}
