import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /api/v1/balance/derive/:customerId` (docs/api.md §5): the balance from VERIFIED
/// deltas in a scope (all time, `period`, `timePreset`, `startDate`/`endDate`, or after a
/// `startingCheckpoint`), plus `startingBalance`. All time reads the running total the
/// sequencer keeps (the same cost at ten deltas or ten million); other scopes are
/// indexed range sums. `limit`/`offset` page the deltas themselves.
struct DeriveController: Sendable {
    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("derive/:customerId", use: derive)
    }

    @Sendable func derive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let customerID = try context.pathParameter("customerId")
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...1000) ?? 100
        let offset = try query.offset()
        let starting = try query.amount("startingBalance") ?? .zero
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let customer = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID)
        let selection = try await scope.selection(environmentID: key.environmentID, customerID: customerID, deltas: deltas, checkpoints: checkpoints)
        let (sum, count) = try await deltas.totals(environmentID: key.environmentID, customerID: customerID, selection: selection)
        guard let balance = sum.adding(starting) else { throw APIError.invalid("startingBalance", "range", "startingBalance is too large.") }
        let page = try await deltas.verifiedDeltas(
            environmentID: key.environmentID,
            customerID: customerID,
            selection: selection,
            limit: limit,
            offset: offset
        )
        let items = page.map(\.json)
        return Envelope.success(
            .ok,
            [
                "customerId": .string(customerID), "computedBalance": balance.json, "startingBalance": starting.json,
                "deltasCount": .int(count), "deltaCount": .int(count), "scope": scope.json,
                "latestReceiptId": .optional(customer.latestReceiptID),
                "lastVerifiedIndex": customer.lastVerifiedIndex.map(JSONValue.int) ?? .null,
                "limit": .int(limit), "offset": .int(offset), "deltas": .array(items),
            ]
        )
    }
}
