import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's checkpoints (docs/operations.md, "The dashboard"): every sealed period
/// of an environment — its customers' and its own — with its status and the link that
/// shows it to the customer. It calls the typed query `GET /dashboard/checkpoints` answers
/// from (``DashboardCustomers/checkpoints(user:environment:customerID:scope:limit:offset:)``).
struct CheckpointPagesController: Sendable {
    let kit: AppPageKit
    let customers: DashboardCustomers
    let links: VerifyLinks
    let maxScopeDays: Int

    static let pageSize = 50

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/checkpoints", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        let environment = try PageParts.environment(query)
        let page = try query.page("page", limit: Self.pageSize)
        var listed: (checkpoints: [CheckpointRecord], total: Int)?
        var (error, status): (String?, HTTPResponse.Status) = (nil, .ok)
        do {
            listed = try await customers.checkpoints(
                user: me.user,
                environment: environment,
                customerID: nil,
                scope: try ScopeInput(Scope.Fields(), now: customers.now(), maxDays: maxScopeDays),
                limit: Self.pageSize,
                offset: (page - 1) * Self.pageSize
            )
        } catch let refusal as APIError {
            (error, status) = (refusal.message, refusal.status)
        }
        let model = CheckpointListPage(
            listed?.checkpoints ?? [],
            total: listed?.total ?? 0,
            environment: environment,
            page: page,
            links: links
        )
        return kit.render(.appCheckpoints, model, request: request, context: context, me: me, current: "checkpoints", error: error, status: status)
    }
}
