import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `POST /api/v1/balance/checkpoint` and `GET /api/v1/balance/checkpoints` (docs/api.md §5):
/// seal a period of one customer (or of the whole environment) with its `proofRoot`
/// (docs/verification.md, "Period roots"); the checkpoint entry joins the log's queue and is
/// VERIFIED once a signed checkpoint covers it.
struct CheckpointController: Sendable {
    let seals: PeriodSeals
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
        let input = try ScopeInput(body: body, now: now(), maxDays: maxScopeDays)
        let (checkpoint, created) = try await seals.seal(key.log, customerID: customerID, input: input)
        return Envelope.success(created ? .created : .ok, checkpoint)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        return Envelope.success(.ok, try await seals.list(key.log, request: request))
    }
}
