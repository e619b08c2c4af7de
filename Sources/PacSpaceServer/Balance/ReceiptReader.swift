import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// The receipt of a logged entry (docs/verification.md, "Checking a delta without this server"): its leaf
/// data, its inclusion proof in a signed tree, that checkpoint, and all of it as one C2SP
/// tlog-proof text. The tree is the latest until the entry is witnessed, then the one the
/// server log holds, with the chain to the witnesses (docs/witnesses.md, "Witnessed receipts").
struct Receipt: Sendable {
    /// The leaf as the log holds it: a commitment to the entry's opening, or the opening
    /// itself for a leaf written before commitments (``LeafCommitment``).
    let leafData: [UInt8]
    let logIndex: UInt64
    let treeSize: UInt64
    let inclusionProof: [Hash]
    let checkpoint: String
    /// The checkpoint's inclusion in the witnessed server log; nil until witnessed.
    var witnessed: WitnessedProof?

    /// The receipt of the entry whose clear leaf is `opening`, proved by `proof` against
    /// `checkpoint`: its leaf is the form from which the proof leads to the signed root
    /// (when neither does — a row edited behind the server's back — the commitment, which
    /// then fails every check).
    init(opening: [UInt8], index: Int64, proof: [Hash], checkpoint: SignedCheckpoint) {
        let size = UInt64(checkpoint.treeSize)
        let root = Hash(base64: checkpoint.rootHash)
        leafData =
            root.flatMap { LeafCommitment.leaf(opening: opening, index: UInt64(index), size: size, proof: proof, root: $0) }
            ?? LeafCommitment.leaf(committingTo: opening)
        logIndex = UInt64(index)
        treeSize = size
        inclusionProof = proof
        self.checkpoint = checkpoint.note
    }

    var tlogProof: TlogProof { TlogProof(index: logIndex, hashes: inclusionProof, checkpoint: checkpoint) }

    var json: JSONValue {
        [
            "leafData": .string(String(decoding: leafData, as: UTF8.self)), "logIndex": .int(logIndex), "treeSize": .int(treeSize),
            "inclusionProof": .array(inclusionProof.map { .string($0.prefixedHex) }), "checkpoint": .string(checkpoint),
            "receipt": .string(tlogProof.text), "witnessed": witnessed?.json ?? .null,
        ]
    }
}

/// The chain from an environment checkpoint to the witnesses: the checkpoint note (the
/// receipt's, verbatim) as a leaf of the first witnessed server-log checkpoint, which carries
/// the cosignatures kept for it.
struct WitnessedProof: Sendable {
    /// A C2SP tlog-proof whose leaf is the environment checkpoint's signed note.
    let serverLogReceipt: TlogProof
    let witnessedAt: Int64

    var json: JSONValue {
        ["witnessedAt": .string(Timestamp.iso8601(millis: witnessedAt)), "serverLogReceipt": .string(serverLogReceipt.text)]
    }
}

/// Builds receipts from the stored log: O(log n) stored-hash reads.
struct ReceiptReader: Sendable {
    let log: LogStore
    let serverLog: ServerLogStore

    /// The receipt of a VERIFIED delta, proved against the environment's latest checkpoint.
    func proof(for record: DeltaRecord) async throws -> Receipt {
        guard let index = record.logIndex else { throw APIError(.internalServerError, .internalError, "The delta has no log entry.") }
        return try await proof(
            environmentID: record.environmentID,
            index: index,
            opening: LogEntry.delta(receiptID: record.receiptID, contentHash: record.contentHash).leafData
        )
    }

    /// A checkpoint with its receipt once the log covers it (`logCheckpoint`, else null). A
    /// list leaves the witness chain out (`witnessed` null, the receipt against the latest
    /// checkpoint): it would weigh up to 8 KiB an item; one checkpoint's answer carries it.
    func json(_ checkpoint: CheckpointRecord, witnessed: Bool = true) async throws -> JSONValue {
        guard checkpoint.status == .verified, let index = checkpoint.logIndex else { return checkpoint.json(logCheckpoint: .null) }
        let receipt = try await proof(
            environmentID: checkpoint.environmentID,
            index: index,
            opening: Array(checkpoint.leafData.utf8),
            witnessed: witnessed
        )
        return checkpoint.json(logCheckpoint: receipt.json)
    }

    /// The receipt of the log entry at `index` whose clear leaf is `opening`: against the
    /// environment checkpoint the witnessed server log holds, with that chain, once the
    /// entry is witnessed (the same receipt at every read from then on); else against the
    /// latest checkpoint.
    func proof(environmentID: String, index: Int64, opening: [UInt8], witnessed: Bool = true) async throws -> Receipt {
        let (checkpoint, chain) =
            witnessed
            ? try await basis(environmentID: environmentID, through: index) : (try await log.latestCheckpoint(environmentID: environmentID), nil)
        var receipt = try await proof(environmentID: environmentID, index: index, opening: opening, against: checkpoint)
        receipt.witnessed = chain
        return receipt
    }

    /// The checkpoint a page of receipts is proved against, with its chain to the witnesses:
    /// the one the witnessed server log holds for the page's last logged entry (`index`),
    /// when there is one — every receipt of the page is then witnessed, and the last one is
    /// its entry's single receipt; else the latest, without a chain.
    func basis(environmentID: String, through index: Int64?) async throws -> (SignedCheckpoint?, WitnessedProof?) {
        if let index, let place = try await serverLog.witnessedPlace(environmentID: environmentID, index: index) {
            return (place.environmentCheckpoint, try await chain(place))
        }
        return (try await log.latestCheckpoint(environmentID: environmentID), nil)
    }

    /// The environment checkpoint's inclusion in the first witnessed server-log checkpoint
    /// holding it, with that checkpoint's cosignatures.
    private func chain(_ place: ServerLogStore.WitnessedPlace) async throws -> WitnessedProof {
        let size = UInt64(place.serverLogCheckpoint.treeSize)
        let path = try await Merkle.inclusionProof(index: UInt64(place.serverLogIndex), size: size) { try await serverLog.hashes($0) }
        return WitnessedProof(
            serverLogReceipt: TlogProof(index: UInt64(place.serverLogIndex), hashes: path, checkpoint: place.cosignedNote),
            witnessedAt: place.witnessedAt
        )
    }

    private func proof(environmentID: String, index: Int64, opening: [UInt8], against checkpoint: SignedCheckpoint?) async throws -> Receipt {
        guard let checkpoint, checkpoint.treeSize > index else {
            throw APIError(.internalServerError, .internalError, "The log entry is not covered by a checkpoint.")
        }
        let proof = try await Merkle.inclusionProof(index: UInt64(index), size: UInt64(checkpoint.treeSize)) { subtrees in
            try await log.hashes(environmentID: environmentID, subtrees)
        }
        return Receipt(opening: opening, index: index, proof: proof, checkpoint: checkpoint)
    }

    /// The receipts of many entries against one checkpoint, their stored hashes read at
    /// once (a history page: one read of the union instead of one per entry; measured by
    /// scripts/bench's records phase).
    func proofs(environmentID: String, entries: [(index: Int64, opening: [UInt8])]) async throws -> [Receipt] {
        guard !entries.isEmpty else { return [] }
        return try await proofs(environmentID: environmentID, entries: entries, against: try await log.latestCheckpoint(environmentID: environmentID))
    }

    /// The latest checkpoint of the environment, to prove several reads against one tree.
    func latestCheckpoint(environmentID: String) async throws -> SignedCheckpoint? {
        try await log.latestCheckpoint(environmentID: environmentID)
    }

    /// The receipts of many entries against `checkpoint` (a streamed answer proves each of its
    /// steps against the checkpoint it began with).
    func proofs(
        environmentID: String,
        entries: [(index: Int64, opening: [UInt8])],
        against checkpoint: SignedCheckpoint?
    ) async throws
        -> [Receipt]
    {
        guard !entries.isEmpty else { return [] }
        guard let checkpoint, entries.allSatisfy({ checkpoint.treeSize > $0.index }) else {
            throw APIError(.internalServerError, .internalError, "A log entry is not covered by a checkpoint.")
        }
        let size = UInt64(checkpoint.treeSize)
        let needed = Set(entries.flatMap { Merkle.inclusionRanges(index: UInt64($0.index), size: size).flatMap(Subtree.covering) })
        let ordered = Array(needed)
        let stored = Dictionary(uniqueKeysWithValues: zip(ordered, try await log.hashes(environmentID: environmentID, ordered)))
        var receipts: [Receipt] = []
        for entry in entries {
            let proof = try await Merkle.inclusionProof(index: UInt64(entry.index), size: size) { subtrees in
                try subtrees.map { subtree in
                    guard let hash = stored[subtree] else { throw APIError(.internalServerError, .internalError, "A stored hash is missing.") }
                    return hash
                }
            }
            receipts.append(Receipt(opening: entry.opening, index: entry.index, proof: proof, checkpoint: checkpoint))
        }
        return receipts
    }
}
