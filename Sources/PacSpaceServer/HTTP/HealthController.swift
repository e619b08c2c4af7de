import Hummingbird
import PacSpaceCore
import PacSpaceStore
import SQLKit

/// `/healthz` (the process answers) and `/readyz` (this server can take traffic: the store
/// answers a query and the webhook dispatcher is reading its outbox).
///
/// A halted environment does not make the server unready: a load balancer would take every
/// tenant's traffic away for one tenant's log, which the sequencer retries alone with backoff
/// (the contracts status tells its tenant; `/metrics` counts them). Anyone is told ready or
/// not ready; the detail — halted environments with their reasons, the outbox's last error —
/// only whoever holds the operator's token (`PACSPACE_METRICS_TOKEN`), since error texts and
/// environment ids are not for the public. A halted server log (a witness saw another
/// history, docs/witnesses.md "A split view") does not make it unready either — writes and
/// reads go on, unwitnessed — and is in the detail as `serverLogHalted`.
struct HealthController: Sendable {
    let database: Database
    let sequencer: Sequencer
    let dispatcher: WebhookDispatcher
    let serverLog: ServerLogStore
    let token: OperatorToken
    let now: @Sendable () -> Int64

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in Envelope.success(.ok, ["status": "ok"]) }
        router.get("readyz", use: ready)
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        let detailed = try token.presented(request, context)
        var problems: [String] = []
        do {
            _ = try await database.read { db in try await db.raw("SELECT 1 AS one").first() }
        } catch {
            problems.append("The database is not reachable.")
        }
        if let stall = dispatcher.stall(now: now()) { problems.append("The webhook outbox is stuck: \(stall).") }
        // The first 100 by id, and how many: the answer stays small whatever the fleet.
        let all = sequencer.haltedEnvironments
        let halted: [JSONValue] = all.sorted { $0.key < $1.key }.prefix(100).map {
            ["environmentId": .string($0.key), "reason": .string($0.value.reason)]
        }
        let serverLogHalted: JSONValue = (try? await serverLog.halted()).flatMap { $0.map(JSONValue.string) } ?? .null
        guard problems.isEmpty else {
            var refusal = APIError.retryLater(
                .serviceUnavailable,
                .serviceUnavailable,
                detailed ? problems.joined(separator: " ") : "Not ready.",
                after: 5
            )
            if detailed {
                refusal = refusal.adding("haltedEnvironments", .array(halted)).adding("haltedCount", .int(all.count))
                    .adding("serverLogHalted", serverLogHalted)
            }
            throw refusal
        }
        guard detailed else { return Envelope.success(.ok, ["status": "ready"]) }
        return Envelope.success(
            .ok,
            [
                "status": "ready", "haltedEnvironments": .array(halted), "haltedCount": .int(all.count),
                "serverLogHalted": serverLogHalted,
            ]
        )
    }
}
