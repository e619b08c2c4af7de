/// What a C2SP tlog-witness decides about an `add-checkpoint` request (c2sp.org/tlog-witness),
/// in the spec's order: the request's form, the checkpoint's origin, the log's signature, the
/// old size, then the consistency proof. Pure: the caller holds the witness's view of each
/// log, persists the new one before answering, and signs.
public enum WitnessCheck {
    /// The latest checkpoint a witness cosigned for a log.
    public struct View: Sendable, Equatable {
        public let size: UInt64
        public let root: Hash

        public init(size: UInt64, root: Hash) {
            self.size = size
            self.root = root
        }
    }

    /// The decision, and the HTTP status the spec gives it.
    public enum Verdict: Sendable, Equatable {
        /// Cosign: the checkpoint (its note text, to sign) becomes the log's view.
        case cosign(Checkpoint, text: String)
        /// 400: not a request the protocol allows.
        case malformed(String)
        /// 404: the witness does not follow this origin.
        case unknownLog(String)
        /// 403: no signature by a key the witness trusts for the origin verifies.
        case forbidden(String)
        /// 409: the old size is not the witness's (its size, `text/x.tlog.size`), or the
        /// same size came with another root.
        case conflict(size: UInt64)
        /// 422: the consistency proof does not verify.
        case unprocessable(String)

        public var status: Int {
            switch self {
            case .cosign: 200
            case .malformed: 400
            case .unknownLog: 404
            case .forbidden: 403
            case .conflict: 409
            case .unprocessable: 422
            }
        }
    }

    /// Judges `body` against the keys trusted for each origin (`trusted`) and the views held.
    public static func judge(_ body: String, trusted: (String) -> [NoteVerifier], view: (String) -> View?) -> Verdict {
        let request: AddCheckpoint
        do { request = try AddCheckpoint(parsing: body) } catch { return .malformed(error.description) }
        let note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: request.checkpoint)
            checkpoint = try Checkpoint(body: note.text)
        } catch { return .malformed("the checkpoint: \(error)") }
        let keys = trusted(checkpoint.origin)
        guard !keys.isEmpty else { return .unknownLog("this witness does not follow \(checkpoint.origin)") }
        // Lines by unknown keys are ignored; one valid line by a trusted key is enough, and
        // a trusted key's line that does not verify is refused.
        var signed = false
        for key in keys {
            let lines = note.signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
            guard !lines.isEmpty else { continue }
            guard (try? note.verified(by: key)) != nil else { return .forbidden("a signature by \(key.name) does not verify") }
            signed = true
        }
        guard signed else { return .forbidden("no signature by a key trusted for \(checkpoint.origin)") }
        guard request.oldSize <= checkpoint.size else { return .malformed("the old size is larger than the checkpoint's") }
        let held = view(checkpoint.origin)
        guard request.oldSize == held?.size ?? 0 else { return .conflict(size: held?.size ?? 0) }
        guard checkpoint.size > 0 || checkpoint.root == Merkle.emptyRoot else { return .unprocessable("an empty tree has the empty root") }
        guard let held, held.size > 0 else {
            guard request.proof.isEmpty else { return .malformed("a proof from size 0 must be empty") }
            return .cosign(checkpoint, text: note.text)
        }
        if held.size == checkpoint.size {
            guard held.root == checkpoint.root else { return .conflict(size: held.size) }
            return .cosign(checkpoint, text: note.text)
        }
        guard
            Merkle.verifyConsistency(
                oldSize: held.size,
                newSize: checkpoint.size,
                oldRoot: held.root,
                newRoot: checkpoint.root,
                proof: request.proof
            )
        else { return .unprocessable("the consistency proof from \(held.size) to \(checkpoint.size) does not verify") }
        return .cosign(checkpoint, text: note.text)
    }
}
