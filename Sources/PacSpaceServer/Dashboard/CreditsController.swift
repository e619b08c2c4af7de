import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/credit/*` (api.md §8): the tenant's credit balance and ledger.
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
        return Envelope.success(
            .ok,
            [
                "creditBalance": balance.balance.json, "availableBalance": balance.available.json, "reserved": balance.reserved.json,
            ]
        )
    }

    @Sendable func entries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await credits.entries(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return Envelope.page(
            items.map { entry in
                [
                    "id": .string(entry.id), "type": .string(entry.type), "amount": entry.amount.json, "description": .string(entry.description),
                    "balanceAfter": entry.balanceAfter.json, "createdAt": .string(Timestamp.iso8601(millis: entry.createdAt)),
                ]
            },
            total: total,
            page: page,
            limit: limit
        )
    }
}
