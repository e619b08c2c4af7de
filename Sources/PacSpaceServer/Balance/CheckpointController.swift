import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `POST /api/v1/balance/checkpoint` and `GET /api/v1/balance/checkpoints` (docs/api.md §5):
/// seal a period of one customer (or of the whole environment) with its `proofRoot`
/// (docs/verification.md, "Period roots"); the checkpoint entry joins the log's queue and is
/// VERIFIED once a signed checkpoint covers it.
struct CheckpointController: Sendable {
    let checkpoints: CheckpointStore
    let deltas: DeltaStore
    let receipts: ReceiptReader
    let sequencer: Sequencer
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("checkpoint", use: create)
        group.get("checkpoints", use: list)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(request, allowed: ScopeInput.fieldNames.union(["customerId"]))
        let customerID = body["customerId"] == nil || body["customerId"] == .null ? nil : try DeltaInput.customerID(body)
        var input = try ScopeInput(body: body, now: now(), maxDays: maxScopeDays)
        if input.scope == .allTime {
            // docs/api.md §5: no scope fields means the current UTC month.
            input = try ScopeInput(Scope.Fields(timePreset: "current_month"), now: now(), maxDays: maxScopeDays)
        }
        let (selection, before, scopeJSON, scopeKey) = try await resolve(input, customerID: customerID, key: key)
        if let customerID { _ = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID) }
        let (record, created) = try await checkpoints.checkpoint(
            environmentID: key.environmentID,
            origin: key.logOrigin,
            customerID: customerID,
            scopeKey: scopeKey,
            scope: scopeJSON,
            selection: selection,
            before: before,
            now: now()
        )
        if created { sequencer.wake() }
        return Envelope.success(created ? .created : .ok, try await receipts.json(record))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...100) ?? 20
        let offset = try query.integer("offset", in: 0...Int(Int32.max)) ?? 0
        let customerID = try query.string("customerId").map(DeltaInput.customerID)
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let scopeKey = scope.key
        let (items, total) = try await checkpoints.list(
            environmentID: key.environmentID,
            customerID: customerID,
            scopeKey: scopeKey,
            limit: limit,
            offset: offset
        )
        var answers: [JSONValue] = []
        for item in items { answers.append(try await receipts.json(item)) }
        return Envelope.success(.ok, ["checkpoints": .array(answers), "total": .int(total), "limit": .int(limit), "offset": .int(offset)])
    }

    /// The covered and the starting-balance selections, the answer's scope, and the key
    /// that makes the same resolved scope the same checkpoint.
    private func resolve(
        _ input: ScopeInput,
        customerID: String?,
        key: APIKeyIdentity
    ) async throws
        -> (DeltaStore.Selection, DeltaStore.Selection?, JSONValue, String)
    {
        let scope = input.checkpointScope(customerID: customerID)
        switch input.scope {
        case .window(let start, let end):
            let selection = DeltaStore.Selection.accepted(from: start, until: end)
            return (selection, selection.preceding, scope, input.key ?? "")
        case .after:
            guard let customerID else {
                throw APIError.invalid("startingCheckpoint", "customer", "A checkpoint after startingCheckpoint needs customerId.")
            }
            guard
                case .afterSequence(let sequence) = try await input.selection(
                    environmentID: key.environmentID,
                    customerID: customerID,
                    deltas: deltas,
                    checkpoints: checkpoints
                )
            else {
                throw APIError.invalid("startingCheckpoint", "unknown", "Unknown startingCheckpoint.")
            }
            let selection = DeltaStore.Selection.afterSequence(sequence)
            return (selection, selection.preceding, scope, input.key ?? "")
        case .allTime:
            return (.all, nil, scope, "all")
        }
    }
}
