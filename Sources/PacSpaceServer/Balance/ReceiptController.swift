import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /receipt/:customerId` and `GET /invoice-proof/:customerId` (docs/api.md §5): a scope's
/// VERIFIED deltas with their `proofRoot`. When the scope was sealed with
/// `POST /checkpoint`, the answer is that checkpoint's (publicly verifiable at
/// `verifyUrl`); otherwise the root is computed now, `sealed` is false, and sealing the
/// same scope yields the same root as long as no new delta joins it.
struct ReceiptController: Sendable {
    static let maxDeltas = 10_000
    static let maxMetadataBytes: Int64 = 8 * 1_048_576

    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let publicURL: String
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("receipt/:customerId", use: receipt)
        group.get("invoice-proof/:customerId", use: receipt)
    }

    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let customerID = try context.pathParameter("customerId")
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        _ = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID)
        let selection = try await scope.selection(environmentID: key.environmentID, customerID: customerID, deltas: deltas, checkpoints: checkpoints)
        // Counted before anything is loaded: an answer lists the whole scope, so its size is
        // bounded here (10,000 deltas with 16 KiB of metadata each took 355 MiB to build).
        let footprint = try await deltas.footprint(environmentID: key.environmentID, customerID: customerID, selection: selection)
        guard footprint.count <= Int64(Self.maxDeltas), footprint.metadataBytes <= Self.maxMetadataBytes else {
            throw APIError(
                .badRequest,
                "SCOPE_TOO_WIDE",
                "A receipt lists at most \(Self.maxDeltas) deltas with at most \(Self.maxMetadataBytes / 1_048_576) MiB of metadata; "
                    + "this scope has \(footprint.count) deltas and \(footprint.metadataBytes) bytes. Narrow it."
            )
        }
        let page = try await deltas.verifiedDeltas(
            environmentID: key.environmentID,
            customerID: customerID,
            selection: selection,
            limit: Self.maxDeltas,
            offset: 0
        )
        let count = page.count
        var starting = Amount.zero
        if let preceding = selection.preceding {
            starting = try await deltas.totals(environmentID: key.environmentID, customerID: customerID, selection: preceding).sum
        }
        guard let final = Amount(exactly: Int128(starting.micros) + page.map(\.amount).exactSum) else {
            throw AmountOutOfRange("the scope's final balance")
        }
        var sealed: CheckpointRecord?
        if let scopeKey = scope.key {
            sealed = try await checkpoints.checkpoint(environmentID: key.environmentID, customerID: customerID, scopeKey: scopeKey)
        }
        // The root as the scope's checkpoint computes it: v2, or v1 for a checkpoint sealed before v2.
        let hashes = page.compactMap { Hash(prefixedHex: $0.contentHash) }
        let scopeJSON = scope.checkpointScope(customerID: customerID)
        var root = try PeriodRoot.root(.v2, of: hashes, origin: key.logOrigin, scope: scopeJSON)
        if let sealed, LogEntry.periodRootVersion(ofCheckpointLeaf: sealed.leafData) == .v1 {
            let legacy = try PeriodRoot.root(.v1, of: hashes, origin: key.logOrigin, scope: scopeJSON)
            if sealed.proofRoot == legacy.prefixedHex { root = legacy }
        }
        // A sealed checkpoint speaks for the scope only while no delta has joined it since.
        if sealed?.proofRoot != root.prefixedHex { sealed = nil }
        let proofRoot = root.prefixedHex
        let verifyURL = "\(publicURL)/api/v1/verify/\(proofRoot)"
        return Envelope.success(
            .ok,
            [
                "customerId": .string(customerID), "scope": scope.json, "proofRoot": .string(proofRoot),
                "sealed": .bool(sealed != nil), "checkpointId": .optional(sealed?.checkpointID),
                "deltaCount": .int(count), "startingBalance": starting.json, "finalBalance": final.json,
                "deltas": .array(page.map(\.json)),
                "verificationApiUrl": .string(verifyURL), "verifyUrl": .string(verifyURL + "?source=both"),
                "accessHint": .null, "customerLinkUrl": .null, "customerLinkHost": .null,
            ]
        )
    }
}
