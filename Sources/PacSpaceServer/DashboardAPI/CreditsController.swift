import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/credit/*` (docs/api.md §8): the tenant's credit balance and ledger.
struct CreditsController: Sendable {
    let credits: CreditStore

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/credit").add(middleware: auth)
        group.get("balances", use: balances)
        group.get("entries", use: entries)
    }

    @Sendable func balances(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let balance = try await credits.balance(tenantID: user.tenantID)
        return Envelope.success(.ok, balance.json)
    }

    @Sendable func entries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await credits.entries(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return Envelope.page(
            items.map(\.json),
            total: total,
            page: page,
            limit: limit
        )
    }
}
