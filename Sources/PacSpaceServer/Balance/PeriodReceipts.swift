import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// A scope's receipt (docs/api.md §5): its VERIFIED deltas with their `proofRoot`. When the
/// scope was sealed with a checkpoint, the answer is that checkpoint's (publicly
/// verifiable at `verifyUrl`); otherwise the root is computed now, `sealed` is false, and
/// sealing the same scope yields the same root as long as no new delta joins it. The
/// Balance API's `/receipt` and the dashboard's customer receipt answer with it.
struct PeriodReceipts: Sendable {
    static let maxDeltas = 10_000
    static let maxMetadataBytes: Int64 = 8 * 1_048_576

    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let links: VerifyLinks

    /// The receipt of `customerID`'s VERIFIED deltas in `scope`, in `log`.
    func receipt(_ log: LogIdentity, customerID: String, scope: ScopeInput) async throws -> PeriodReceipt {
        _ = try await deltas.requireCustomer(environmentID: log.environmentID, customerID: customerID)
        let selection = try await scope.selection(environmentID: log.environmentID, customerID: customerID, deltas: deltas, checkpoints: checkpoints)
        // Counted before anything is loaded: an answer lists the whole scope, so its size is
        // bounded here (10,000 deltas with 16 KiB of metadata each took 355 MiB to build).
        let footprint = try await deltas.footprint(environmentID: log.environmentID, customerID: customerID, selection: selection)
        guard footprint.count <= Int64(Self.maxDeltas), footprint.metadataBytes <= Self.maxMetadataBytes else {
            throw APIError(
                .badRequest,
                .scopeTooWide,
                "A receipt lists at most \(Self.maxDeltas) deltas with at most \(Self.maxMetadataBytes / 1_048_576) MiB of metadata; "
                    + "this scope has \(footprint.count) deltas and \(footprint.metadataBytes) bytes. Narrow it."
            )
        }
        let page = try await deltas.verifiedDeltas(
            environmentID: log.environmentID,
            customerID: customerID,
            selection: selection,
            limit: Self.maxDeltas,
            offset: 0
        )
        var starting = Amount.zero
        if let preceding = selection.preceding {
            starting = try await deltas.totals(environmentID: log.environmentID, customerID: customerID, selection: preceding).sum
        }
        guard let final = Amount(exactly: Int128(starting.micros) + page.map(\.amount).exactSum) else {
            throw AmountOutOfRange("the scope's final balance")
        }
        var sealed: CheckpointRecord?
        if let scopeKey = scope.key {
            sealed = try await checkpoints.checkpoint(environmentID: log.environmentID, customerID: customerID, scopeKey: scopeKey)
        }
        // The root as the scope's checkpoint computes it: v2, or v1 for a checkpoint sealed before v2.
        let hashes = page.map(\.contentHash)
        let scopeJSON = scope.checkpointScope(customerID: customerID)
        var root = try PeriodRoot.root(.v2, of: hashes, origin: log.origin, scope: scopeJSON)
        if let sealed, try LogEntry.periodRootVersion(ofCheckpointLeaf: sealed.leafData) == .v1 {
            let legacy = try PeriodRoot.root(.v1, of: hashes, origin: log.origin, scope: scopeJSON)
            if sealed.proofRoot == legacy { root = legacy }
        }
        // A sealed checkpoint speaks for the scope only while no delta has joined it since.
        if sealed?.proofRoot != root { sealed = nil }
        return PeriodReceipt(
            customerID: customerID,
            scope: scope.json,
            proofRoot: root,
            sealed: sealed,
            deltas: page,
            startingBalance: starting,
            finalBalance: final
        )
    }
}

/// A scope's receipt (``PeriodReceipts/receipt(_:customerID:scope:)``): its VERIFIED deltas,
/// their root, and the checkpoint that sealed the scope, if one still speaks for it.
struct PeriodReceipt: Sendable {
    let customerID: String
    let scope: JSONValue
    let proofRoot: Hash
    let sealed: CheckpointRecord?
    let deltas: [DeltaRecord]
    let startingBalance: Amount
    let finalBalance: Amount

    /// The Balance API's `/receipt` answer and the dashboard's customer receipt.
    func json(links: VerifyLinks) -> JSONValue {
        let proofRoot = proofRoot.prefixedHex
        // verifyUrl is the page that shows the period to whom the provider passes it on
        // (docs/verification.md, "The verification page"); verificationApiUrl its JSON.
        let pageID = sealed?.checkpointID ?? proofRoot
        return [
            "customerId": .string(customerID), "scope": scope, "proofRoot": .string(proofRoot),
            "sealed": .bool(sealed != nil), "checkpointId": .optional(sealed?.checkpointID),
            "deltaCount": .int(deltas.count), "startingBalance": startingBalance.json, "finalBalance": finalBalance.json,
            "deltas": .array(deltas.map(\.json)),
            "verificationApiUrl": .string("\(links.publicURL)/api/v1/verify/\(proofRoot)"),
            "verifyUrl": .string(links.disclosingPage(pageID)),
            "accessHint": .null, "customerLinkUrl": .null, "customerLinkHost": .null,
        ]
    }
}
