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
        let environment: EnvironmentName = try query.string("environment", maxLength: 16) == "mainnet" ? .mainnet : .testnet
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

/// `app-checkpoints.mustache`: an environment's sealed periods, paged.
struct CheckpointListPage: Sendable {
    struct Row: Sendable {
        let customer: String
        let window: String
        let deltaCount: String
        let netChange: String
        let endingBalance: String
        let status: String
        let sealedAt: String
        let verifyPath: String
    }

    let checkpoints: [Row]
    let hasCheckpoints: Bool
    let total: Int
    let environmentLabel: String
    let environmentChoices: [PageParts.Choice]
    let pager: PageParts.Pager?

    init(_ checkpoints: [CheckpointRecord], total: Int, environment: EnvironmentName, page: Int, links: VerifyLinks) {
        self.checkpoints = checkpoints.map { checkpoint in
            Row(
                customer: checkpoint.customerID ?? "the whole environment",
                window: VerifyPageView.window(checkpoint.scope.value),
                deltaCount: String(checkpoint.deltaCount),
                netChange: checkpoint.netChange.description,
                endingBalance: checkpoint.endingBalance.description,
                status: checkpoint.status.rawValue,
                sealedAt: Timestamp.iso8601(millis: checkpoint.createdAt),
                verifyPath: String(links.disclosingPage(checkpoint.checkpointID).dropFirst(links.publicURL.count))
            )
        }
        hasCheckpoints = !self.checkpoints.isEmpty
        self.total = total
        environmentLabel = PageParts.label(environment)
        environmentChoices = PageParts.environments(environment)
        let limit = CheckpointPagesController.pageSize
        pager = PageParts.Pager(page: page, pages: (total + limit - 1) / limit) { number in
            "/app/checkpoints?environment=\(environment.rawValue)&page=\(number)"
        }
    }
}
