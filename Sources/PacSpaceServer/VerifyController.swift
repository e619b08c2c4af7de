import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /api/v1/verify/:id` (api.md §6): public verification of a delta by receiptId or
/// contentHash. Only hashes, the amount and proofs are shown — never customerId, reason
/// or metadata. `source=db` answers from the database; `chain` re-proves the entry
/// against the latest signed checkpoint (inclusion proof recomputed, signature checked);
/// `both` does both and says whether they agree.
struct VerifyController: Sendable {
    let environments: EnvironmentStore
    let deltas: DeltaStore
    let receipts: ReceiptReader

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("api/v1/verify/:id", use: verify)
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let source = request.uri.queryParameters.get("source") ?? "db"
        guard ["db", "chain", "both"].contains(source) else {
            throw APIError.invalid("source", "enum", "source must be one of: db, chain, both.")
        }
        let record: DeltaRecord?
        if id.hasPrefix("rcpt_") {
            record = try await deltas.delta(receiptID: id)
        } else if let hash = Hash(prefixedHex: id.lowercased()) {
            record = try await deltas.delta(contentHash: hash.prefixedHex)
        } else {
            throw APIError.invalid("id", "format", "id must be a receiptId (rcpt_…) or a 0x-hex content hash.")
        }
        guard let record, let environment = try await environments.environment(id: record.environmentID) else {
            throw APIError.notFound("Nothing recorded under \(id).")
        }
        let recordedAt = Timestamp.iso8601(millis: record.createdAt)
        var data: [(String, JSONValue)] = [
            ("kind", "delta"), ("receiptId", .string(record.receiptID)), ("contentHash", .string(record.contentHash)),
            ("recordedAt", .string(recordedAt)), ("status", .string(record.status)),
            ("summary", ["recordCount": 1, "netChange": record.amount.json, "startingBalance": .null, "endingBalance": .null,
                         "firstRecordAt": .string(recordedAt), "lastRecordAt": .string(recordedAt)]),
            ("records", []),
        ]
        let inDatabase = record.status == "VERIFIED"
        var verification: [(String, JSONValue)] = [
            ("verificationReference", .string(record.receiptID)), ("logOrigin", .optional(environment.logOrigin)),
            ("publicKey", .optional(environment.publicKey)),
        ]
        var onChain: Bool?
        if inDatabase {
            let receipt = try await receipts.proof(for: record)
            verification += [("logIndex", .int(receipt.logIndex)), ("treeSize", .int(receipt.treeSize)),
                             ("checkpoint", .string(receipt.checkpoint)),
                             ("inclusionProof", .array(receipt.inclusionProof.map { .string($0.prefixedHex) })),
                             ("receipt", .string(receipt.tlogProof.text))]
            if source != "db" {
                // Independently of the database's status: the proof, the root and the signature.
                onChain = (try? environment.publicKey.map(NoteVerifier.init(verifierKey:)).map { verifier in
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
}
