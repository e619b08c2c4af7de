import Hummingbird
import PacSpaceCore
import PacSpaceStore
import SQLKit

/// `/healthz` (the process answers) and `/readyz` (the store answers a query and no
/// environment's log is halted as inconsistent).
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
                throw APIError.retryLater(.serviceUnavailable, "SERVICE_UNAVAILABLE",
                                          "The log of \(halted.sorted().joined(separator: ", ")) disagrees with its last signed checkpoint; see the server log.",
                                          after: 60)
            }
            return Envelope.success(.ok, ["status": "ready"])
        }
    }
}
