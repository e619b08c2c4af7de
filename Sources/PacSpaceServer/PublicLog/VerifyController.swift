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
    let verification: PublicVerification

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("api/v1/verify/:id", use: verify)
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try context.pathParameter("id")
        let source = try QueryParameters(request: request).string("source") ?? "db"
        guard ["db", "chain", "both"].contains(source) else {
            throw APIError.invalid("source", "enum", "source must be one of: db, chain, both.")
        }
        let entry = try await verification.entry(id)
        let proof = try await verification.prove(entry)
        var data: [(String, JSONValue)] = entry.fields + [("status", .string(entry.status)), ("summary", entry.summary), ("records", [])]
        let inDatabase = entry.verified
        var details: [(String, JSONValue)] = [
            ("verificationReference", .string(entry.reference)), ("logOrigin", .optional(proof.environment.logOrigin)),
            ("publicKey", .optional(proof.environment.publicKey)),
        ]
        if let receipt = proof.receipt {
            details += [
                ("logIndex", .int(receipt.logIndex)), ("treeSize", .int(receipt.treeSize)),
                ("checkpoint", .string(receipt.checkpoint)),
                ("inclusionProof", .array(receipt.inclusionProof.map { .string($0.prefixedHex) })),
                ("receipt", .string(receipt.tlogProof.text)),
            ]
        }
        // Independently of the database's status: the proof, the root and the signature.
        let onChain: Bool? = source == "db" ? nil : proof.holds
        let verified: Bool
        switch source {
        case "chain": verified = proof.holds
        case "both": verified = inDatabase && proof.holds
        default: verified = inDatabase
        }
        data.insert(("verified", .bool(verified)), at: 0)
        data.append(("source", .string(source)))
        if source == "both" { data.append(("agree", .bool(inDatabase == onChain))) }
        data.append(("verification", .object(details)))
        return Envelope.success(.ok, .object(data))
    }
}
