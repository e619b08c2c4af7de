import Hummingbird
import PacSpaceCore
import PacSpaceStore
import SQLKit

/// `/healthz` (the process answers) and `/readyz` (the store answers a query, the
/// sequencer is verifying every environment and the webhook dispatcher is reading its
/// outbox: 503 names each halted environment or the stall, and why).
struct HealthController: Sendable {
    let database: Database
    let sequencer: Sequencer
    let dispatcher: WebhookDispatcher
    let now: @Sendable () -> Int64

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in Envelope.success(.ok, ["status": "ok"]) }
        router.get("readyz") { _, _ in
            do {
                _ = try await database.read { db in try await db.raw("SELECT 1 AS one").first() }
            } catch {
                throw APIError.retryLater(.serviceUnavailable, "SERVICE_UNAVAILABLE", "The database is not reachable.", after: 5)
            }
            var problems: [String] = []
            let halted = sequencer.haltedEnvironments
            if !halted.isEmpty {
                // Environment ids and reasons only: no tenant data. Other environments go on meanwhile.
                let reasons = halted.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.reason)" }
                problems.append(
                    "The sequencer is halted for \(halted.count) environment(s), retried with backoff: \(reasons.joined(separator: "; "))."
                )
            }
            if let stall = dispatcher.stall(now: now()) {
                problems.append("The webhook outbox is stuck: \(stall).")
            }
            guard problems.isEmpty else {
                throw APIError.retryLater(.serviceUnavailable, "SERVICE_UNAVAILABLE", problems.joined(separator: " "), after: 5)
            }
            return Envelope.success(.ok, ["status": "ready"])
        }
    }
}
