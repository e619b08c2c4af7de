import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /receipt/:customerId` and `GET /invoice-proof/:customerId` (api.md §5): a scope's
/// VERIFIED deltas with their `proofRoot`. When the scope was sealed with
/// `POST /checkpoint`, the answer is that checkpoint's (publicly verifiable at
/// `verifyUrl`); otherwise the root is computed now, `sealed` is false, and sealing the
/// same scope yields the same root as long as no new delta joins it.
struct ReceiptController: Sendable {
    static let maxDeltas = 10_000

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
        let customerID = try context.parameters.require("customerId")
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        _ = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID)
        let selection = try await scope.selection(environmentID: key.environmentID, customerID: customerID, deltas: deltas, checkpoints: checkpoints)
        // One range read: the page is the whole scope (at most maxDeltas); count and sum come from it.
        let page = try await deltas.verifiedDeltas(environmentID: key.environmentID, customerID: customerID, selection: selection,
                                                   limit: Self.maxDeltas + 1, offset: 0)
        guard page.count <= Self.maxDeltas else {
            throw APIError(.badRequest, "SCOPE_TOO_WIDE", "A receipt lists at most \(Self.maxDeltas) deltas; this scope has more. Narrow it.")
        }
        let count = page.count
        let sum = Amount(micros: page.reduce(0) { $0 + $1.amount.micros })
        var starting = Amount.zero
        if let preceding = selection.preceding {
            starting = try await deltas.totals(environmentID: key.environmentID, customerID: customerID, selection: preceding).sum
        }
        let root = PeriodRoot.root(of: page.compactMap { Hash(prefixedHex: $0.contentHash) })
        let scopeKey = scope.key
        var sealed: CheckpointRecord?
        if let scopeKey { sealed = try await checkpoints.checkpoint(environmentID: key.environmentID, customerID: customerID, scopeKey: scopeKey) }
        // A sealed checkpoint speaks for the scope only while no delta has joined it since.
        if sealed?.proofRoot != root.prefixedHex { sealed = nil }
        let proofRoot = root.prefixedHex
        let verifyURL = "\(publicURL)/api/v1/verify/\(proofRoot)"
        return Envelope.success(.ok, [
            "customerId": .string(customerID), "scope": scope.json, "proofRoot": .string(proofRoot),
            "sealed": .bool(sealed != nil), "checkpointId": .optional(sealed?.checkpointID),
            "deltaCount": .int(count), "startingBalance": starting.json, "finalBalance": (starting.adding(sum) ?? sum).json,
            "deltas": .array(page.map { .object(DeltaController.json($0) + [("logIndex", $0.logIndex.map(JSONValue.int) ?? .null)]) }),
            "verificationApiUrl": .string(verifyURL), "verifyUrl": .string(verifyURL + "?source=both"),
            "accessHint": .null, "customerLinkUrl": .null, "customerLinkHost": .null,
        ])
    }
}
