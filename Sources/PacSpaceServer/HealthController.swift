import Hummingbird
import PacSpaceCore
import PacSpaceStore
import SQLKit

/// `/healthz` (the process answers) and `/readyz` (the store answers a query and the
/// sequencer is verifying every environment: 503 names each halted one and why).
struct HealthController: Sendable {
    let database: Database
    let sequencer: Sequencer

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in Envelope.success(.ok, ["status": "ok"]) }
        router.get("readyz") { _, _ in
            do {
                _ = try await database.read { db in try await db.raw("SELECT 1 AS one").first() }
            } catch {
                throw APIError.retryLater(.serviceUnavailable, "SERVICE_UNAVAILABLE", "The database is not reachable.", after: 5)
            }
            let halted = sequencer.haltedEnvironments
            guard halted.isEmpty else {
                // Environment ids and reasons only: no tenant data. Other environments go on meanwhile.
                let reasons = halted.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.reason)" }
                throw APIError.retryLater(.serviceUnavailable, "SERVICE_UNAVAILABLE",
                                          "The sequencer is halted for \(halted.count) environment(s), retried with backoff: \(reasons.joined(separator: "; ")).",
                                          after: 5)
            }
            return Envelope.success(.ok, ["status": "ready"])
        }
    }
}
