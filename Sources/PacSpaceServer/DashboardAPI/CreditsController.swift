import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/credit/*` (docs/api.md §8): the tenant's credit balance and ledger, from
/// ``DashboardAccount``.
struct CreditsController: Sendable {
    let account: DashboardAccount

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/credit").add(middleware: auth)
        group.get("balances", use: balances)
        group.get("entries", use: entries)
    }

    @Sendable func balances(_ request: Request, context: AppRequestContext) async throws -> Response {
        Envelope.success(.ok, try await account.balance(user: try context.requireUser()).json)
    }

    @Sendable func entries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await account.creditEntries(user: user, page: page, limit: limit)
        return Envelope.page(items.map(\.json), total: total, page: page, limit: limit)
    }
}
