import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /api/v1/verify/:id` (docs/api.md §6): public verification of a checkpoint by its
/// proofRoot or checkpointId, or of a delta by receiptId or contentHash. A proofRoot
/// several checkpoints share (v1 roots, see ``PeriodRoot``) is refused as ambiguous. Only hashes, amounts and proofs
/// are shown — never customerId, reason or metadata. `source=db` answers from the database; `chain` re-proves the entry
/// against the latest signed checkpoint (inclusion proof recomputed, signature checked);
/// `both` does both and says whether they agree.
struct VerifyController: Sendable {
    let environments: EnvironmentStore
    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let receipts: ReceiptReader

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("api/v1/verify/:id", use: verify)
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let source = try QueryParameters(request: request).string("source") ?? "db"
        guard ["db", "chain", "both"].contains(source) else {
            throw APIError.invalid("source", "enum", "source must be one of: db, chain, both.")
        }
        let entry: Entry
        if id.hasPrefix("rcpt_"), let record = try await deltas.delta(receiptID: id) {
            entry = Entry(delta: record)
        } else if id.hasPrefix("chk_"), let checkpoint = try await checkpoints.checkpoint(id: id) {
            entry = Entry(checkpoint: checkpoint)
        } else if let hash = Hash(prefixedHex: id.lowercased()) {
            let sharing = try await checkpoints.checkpoints(proofRoot: hash.prefixedHex)
            if sharing.count > 1 {
                // A v1 root (sealed before v2) shared by several periods — every empty one among
                // them: which checkpoint, and whose, is not for this answer to guess.
                throw APIError(
                    .conflict,
                    "AMBIGUOUS_PROOF_ROOT",
                    "Several checkpoints share proofRoot \(hash.prefixedHex) (it was computed before period roots named their log and scope). "
                        + "Verify by checkpointId (chk_…) instead."
                )
            }
            if let checkpoint = sharing.first {
                entry = Entry(checkpoint: checkpoint)
            } else if let record = try await deltas.delta(contentHash: hash.prefixedHex) {
                entry = Entry(delta: record)
            } else {
                throw APIError.notFound("Nothing recorded under \(id).")
            }
        } else if id.hasPrefix("rcpt_") || id.hasPrefix("chk_") {
            throw APIError.notFound("Nothing recorded under \(id).")
        } else {
            throw APIError.invalid(
                "id",
                "format",
                "id must be a proofRoot or content hash (0x-hex), a checkpointId (chk_…) or a receiptId (rcpt_…)."
            )
        }
        guard let environment = try await environments.environment(id: entry.environmentID) else {
            throw APIError.notFound("Nothing recorded under \(id).")
        }
        var data: [(String, JSONValue)] = entry.fields + [("status", .string(entry.status)), ("summary", entry.summary), ("records", [])]
        let inDatabase = entry.verified
        var verification: [(String, JSONValue)] = [
            ("verificationReference", .string(entry.reference)), ("logOrigin", .optional(environment.logOrigin)),
            ("publicKey", .optional(environment.publicKey)),
        ]
        var onChain: Bool?
        if inDatabase, let index = entry.logIndex {
            let receipt = try await receipts.proof(environmentID: entry.environmentID, index: index, leafData: entry.leafData)
            verification += [
                ("logIndex", .int(receipt.logIndex)), ("treeSize", .int(receipt.treeSize)),
                ("checkpoint", .string(receipt.checkpoint)),
                ("inclusionProof", .array(receipt.inclusionProof.map { .string($0.prefixedHex) })),
                ("receipt", .string(receipt.tlogProof.text)),
            ]
            if source != "db" {
                // Independently of the database's status: the proof, the root and the signature.
                onChain =
                    (try? environment.publicKey.map(NoteVerifier.init(verifierKey:)).map { verifier in
                        try receipt.tlogProof.verify(leafData: receipt.leafData, verifier: verifier)
                    }) != nil
            }
        } else if source != "db" {
            onChain = false
        }
        let verified: Bool
        switch source {
        case "chain": verified = onChain ?? false
        case "both": verified = inDatabase && (onChain ?? false)
        default: verified = inDatabase
        }
        data.insert(("verified", .bool(verified)), at: 0)
        data.append(("source", .string(source)))
        if source == "both" { data.append(("agree", .bool(inDatabase == onChain))) }
        data.append(("verification", .object(verification)))
        return Envelope.success(.ok, .object(data))
    }

    /// What verification needs of a delta or a checkpoint, and nothing private.
    struct Entry {
        let environmentID: String
        /// The delta's or checkpoint's status, as the wire shows it.
        let status: String
        let verified: Bool
        let logIndex: Int64?
        let leafData: [UInt8]
        let reference: String
        let fields: [(String, JSONValue)]
        let summary: JSONValue

        init(delta record: DeltaRecord) {
            let recordedAt = JSONValue.string(Timestamp.iso8601(millis: record.createdAt))
            environmentID = record.environmentID
            status = record.status.rawValue
            verified = record.status == .verified
            logIndex = record.logIndex
            leafData = LogEntry.delta(receiptID: record.receiptID, contentHash: Hash(prefixedHex: record.contentHash) ?? Merkle.emptyRoot)
            reference = record.receiptID
            fields = [
                ("kind", "delta"), ("receiptId", .string(record.receiptID)), ("contentHash", .string(record.contentHash)),
                ("recordedAt", recordedAt),
            ]
            summary = [
                "recordCount": 1, "netChange": record.amount.json, "startingBalance": .null, "endingBalance": .null,
                "firstRecordAt": recordedAt, "lastRecordAt": recordedAt,
            ]
        }

        init(checkpoint record: CheckpointRecord) {
            let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
            environmentID = record.environmentID
            status = record.status.rawValue
            verified = record.status == .verified
            logIndex = record.logIndex
            leafData = Array(record.leafData.utf8)
            reference = record.checkpointID
            fields = [
                ("kind", "checkpoint"), ("proofRoot", .string(record.proofRoot)), ("checkpointId", .string(record.checkpointID)),
                ("recordedAt", time(record.createdAt)),
            ]
            summary = [
                "recordCount": .int(record.deltaCount), "netChange": record.netChange.json,
                "startingBalance": record.startingBalance.json, "endingBalance": record.endingBalance.json,
                "firstRecordAt": time(record.firstRecordAt), "lastRecordAt": time(record.lastRecordAt),
            ]
        }
    }
}
