import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// Finds what an id names and proves it from the stored log: the one lookup and the one
/// proof the verify endpoint (JSON) and the verify page (HTML) share.
struct PublicVerification: Sendable {
    let environments: EnvironmentStore
    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let records: RecordStore
    let receipts: ReceiptReader
    /// The server's witness policy: whose cosignatures a witnessed receipt is checked against.
    let witnessPolicy: WitnessPolicy?
    /// The server log, whose own key the policy is read as accepting.
    let serverLog: ServerLogStore

    /// The entry `id` names: a receiptId (`rcpt_`), a record entry's receipt id (`ent_`), a checkpointId (`chk_`), a proofRoot or
    /// a content hash (0x-hex), or — for the page, which may show a delta's content to
    /// whoever holds the id that blinds it — a recordId (`rec_`). Unknown: 404; malformed:
    /// 400; a v1 proofRoot several checkpoints share: 409 `AMBIGUOUS_PROOF_ROOT`.
    func entry(_ id: String, acceptingRecordID: Bool = false) async throws -> VerifiableEntry {
        let unknown = APIError.notFound("Nothing recorded under \(id).")
        if id.hasPrefix("rcpt_") {
            guard let record = try await deltas.delta(receiptID: id) else { throw unknown }
            return VerifiableEntry(delta: record)
        }
        if id.hasPrefix("chk_") {
            guard let checkpoint = try await checkpoints.checkpoint(id: id) else { throw unknown }
            return VerifiableEntry(checkpoint: checkpoint)
        }
        if id.hasPrefix("ent_") {
            guard let (entry, record) = try await records.entry(id: id) else { throw unknown }
            return VerifiableEntry(recordEntry: entry, record: record)
        }
        if acceptingRecordID, id.hasPrefix("rec_") {
            guard let record = try await deltas.delta(recordID: id) else { throw unknown }
            return VerifiableEntry(delta: record)
        }
        guard let hash = Hash(prefixedHex: id.lowercased()) else {
            throw APIError.invalid(
                "id",
                "format",
                "id must be a proofRoot or content hash (0x-hex), a checkpointId (chk_…) or a receiptId (rcpt_…)."
            )
        }
        let sharing = try await checkpoints.checkpoints(proofRoot: hash.prefixedHex)
        if sharing.count > 1 {
            // A v1 root (sealed before v2) shared by several periods — every empty one among
            // them: which checkpoint, and whose, is not for this answer to guess.
            throw APIError(
                .conflict,
                .ambiguousProofRoot,
                "Several checkpoints share proofRoot \(hash.prefixedHex) (it was computed before period roots named their log and scope). "
                    + "Verify by checkpointId (chk_…) instead."
            )
        }
        if let checkpoint = sharing.first { return VerifiableEntry(checkpoint: checkpoint) }
        if let record = try await deltas.delta(contentHash: hash.prefixedHex) { return VerifiableEntry(delta: record) }
        throw unknown
    }

    /// What the stored log says of an entry.
    struct Proof: Sendable {
        let environment: EnvironmentRecord
        /// The entry's receipt against the latest checkpoint; nil until the log holds it.
        let receipt: Receipt?
        /// Whether the receipt was checked independently of the database's status: the
        /// inclusion proof recomputed to the signed root and the signature checked under
        /// the environment's verifier key. False without a receipt.
        let holds: Bool
        /// The receipt's chain to the witnesses, checked under the server's policy; nil when
        /// the entry is not witnessed (or the server has no policy).
        var witnesses: OfflineVerification.WitnessReport? = nil
        /// Why the chain does not check, when it does not.
        var witnessFailure: String? = nil
        /// The policy's quorum (``WitnessPolicy/quorumJSON``), for the page's own check.
        var quorum: JSONValue? = nil
    }

    /// The receipt of `entry`, checked.
    func prove(_ entry: VerifiableEntry) async throws -> Proof {
        guard let environment = try await environments.environment(id: entry.environmentID) else {
            throw APIError.notFound("Nothing recorded under \(entry.reference).")
        }
        guard entry.verified, let index = entry.logIndex else { return Proof(environment: environment, receipt: nil, holds: false) }
        let receipt = try await receipts.proof(environmentID: entry.environmentID, index: index, opening: entry.opening)
        let holds =
            (try? environment.publicKey.map(NoteVerifier.init(verifierKey:)).map { verifier in
                try receipt.tlogProof.verify(leafData: receipt.leafData, verifier: verifier)
            }) != nil
        var proof = Proof(environment: environment, receipt: receipt, holds: holds)
        if let witnessed = receipt.witnessed, let witnessPolicy {
            proof.quorum = witnessPolicy.quorumJSON
            do {
                guard let key = try await serverLog.identity()?.publicKey, let verifier = try? NoteVerifier(verifierKey: key) else {
                    throw OfflineVerification.Failure("the server log has no key yet")
                }
                proof.witnesses = try OfflineVerification.verifyWitnesses(
                    environmentCheckpoint: receipt.checkpoint,
                    serverLogReceipt: witnessed.serverLogReceipt.text,
                    policy: witnessPolicy.accepting(log: verifier)
                )
            } catch let failure as OfflineVerification.Failure { proof.witnessFailure = failure.description }
        }
        return proof
    }
}
