import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /receipt/:customerId` and `GET /invoice-proof/:customerId` (docs/api.md §5): a scope's
/// VERIFIED deltas with their `proofRoot`. When the scope was sealed with
/// `POST /checkpoint`, the answer is that checkpoint's (publicly verifiable at
/// `verifyUrl`); otherwise the root is computed now, `sealed` is false, and sealing the
/// same scope yields the same root as long as no new delta joins it.
struct ReceiptController: Sendable {
    let receipts: PeriodReceipts
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("receipt/:customerId", use: receipt)
        group.get("invoice-proof/:customerId", use: receipt)
    }

    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let customerID = try context.pathParameter("customerId")
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        return Envelope.success(.ok, try await receipts.receipt(key.log, customerID: customerID, scope: scope).json(links: receipts.links))
    }
}
