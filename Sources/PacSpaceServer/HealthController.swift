import Hummingbird
import PacSpaceCore
import PacSpaceStore
import SQLKit

/// `/healthz` (the process answers) and `/readyz` (the store answers a query).
struct HealthController: Sendable {
    let database: Database

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in Envelope.success(.ok, ["status": "ok"]) }
        router.get("readyz") { _, _ in
            do {
                _ = try await database.read { db in try await db.raw("SELECT 1 AS one").first() }
                return Envelope.success(.ok, ["status": "ready"])
            } catch {
                throw APIError.retryLater(.serviceUnavailable, "SERVICE_UNAVAILABLE", "The database is not reachable.", after: 5)
            }
        }
    }
}
