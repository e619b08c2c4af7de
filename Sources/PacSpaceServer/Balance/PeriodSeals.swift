import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// Sealing periods and listing the seals (docs/api.md §5): the Balance API's checkpoint
/// routes and the dashboard's customer checkpoints answer with these.
struct PeriodSeals: Sendable {
    let checkpoints: CheckpointStore
    let deltas: DeltaStore
    let receipts: ReceiptReader
    let sequencer: Sequencer
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    /// The checkpoint of `customerID` (nil: the whole environment) over `input`, no scope
    /// meaning the current UTC month; `created` is false when the same resolved scope was
    /// sealed before (the same checkpoint again).
    func seal(_ log: LogIdentity, customerID: String?, input: ScopeInput) async throws -> (checkpoint: JSONValue, created: Bool) {
        var input = input
        if input.scope == .allTime {
            // docs/api.md §5: no scope fields means the current UTC month.
            input = try ScopeInput(Scope.Fields(timePreset: "current_month"), now: now(), maxDays: maxScopeDays)
        }
        let (selection, before, scopeJSON, scopeKey) = try await resolve(input, customerID: customerID, log: log)
        if let customerID { _ = try await deltas.requireCustomer(environmentID: log.environmentID, customerID: customerID) }
        let (record, created) = try await checkpoints.checkpoint(
            environmentID: log.environmentID,
            origin: log.origin,
            customerID: customerID,
            scopeKey: scopeKey,
            scope: scopeJSON,
            selection: selection,
            before: before,
            now: now()
        )
        if created { sequencer.wake() }
        return (try await receipts.json(record), created)
    }

    /// The list a request's query asks for (`limit`, `offset`, `customerId`, scope
    /// parameters): the Balance API's `GET /checkpoints` and the dashboard's alike.
    func list(_ log: LogIdentity, request: Request) async throws -> JSONValue {
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...100) ?? 20
        let offset = try query.offset()
        let customerID = try query.string("customerId").map(DeltaInput.customerID)
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        return try await list(log, customerID: customerID, scope: scope, limit: limit, offset: offset)
    }

    /// `{checkpoints, total, limit, offset}`: the seals of `customerID` (nil: every
    /// customer's and the environment's), of `scope` when it names one.
    func list(_ log: LogIdentity, customerID: String?, scope: ScopeInput, limit: Int, offset: Int) async throws -> JSONValue {
        let (items, total) = try await sealed(log, customerID: customerID, scope: scope, limit: limit, offset: offset)
        return try await json(items, total: total, limit: limit, offset: offset)
    }

    /// `{checkpoints, total, limit, offset}`, each checkpoint with its receipt once the log
    /// covers it: the one shape of every checkpoint list (Balance API and dashboard).
    func json(_ items: [CheckpointRecord], total: Int, limit: Int, offset: Int) async throws -> JSONValue {
        var answers: [JSONValue] = []
        for item in items { answers.append(try await receipts.json(item, witnessed: false)) }
        return ["checkpoints": .array(answers), "total": .int(total), "limit": .int(limit), "offset": .int(offset)]
    }

    /// The seals of `customerID` (nil: every customer's and the environment's), of `scope`
    /// when it names one, newest first; and how many there are.
    func sealed(_ log: LogIdentity, customerID: String?, scope: ScopeInput, limit: Int, offset: Int) async throws -> ([CheckpointRecord], total: Int)
    {
        try await checkpoints.list(environmentID: log.environmentID, customerID: customerID, scopeKey: scope.key, limit: limit, offset: offset)
    }

    /// The covered and the starting-balance selections, the answer's scope, and the key
    /// that makes the same resolved scope the same checkpoint.
    private func resolve(
        _ input: ScopeInput,
        customerID: String?,
        log: LogIdentity
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
                    environmentID: log.environmentID,
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
