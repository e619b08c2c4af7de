import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The signed-in dashboard's home and environments (docs/operations.md, "The dashboard"):
/// each calls the typed queries the `/dashboard/contracts`, `/dashboard/customers/summary`,
/// `/dashboard/credit` and `/dashboard/webhooks` routes answer from, at once, and renders
/// ``HomePage`` or ``EnvironmentsPage``.
struct DashboardPagesController: Sendable {
    let kit: AppPageKit
    let dashboard: DashboardQueries

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app", use: home)
        router.get("app/environments", use: environments)
        router.post("app/environments", use: activate)
    }

    /// Per environment: what an operator looks at first.
    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let user = me.user
        async let tenant = dashboard.account.tenant(user: user)
        async let credits = dashboard.account.balance(user: user)
        async let endpoints = dashboard.webhooks.list(user: user, page: 1, limit: 100)
        let states = try await dashboard.environments.states(user: user)
        let summaries = try await withThrowingTaskGroup(of: (EnvironmentName, DashboardCustomers.Summary).self) { group in
            for state in states {
                guard let record = state.record, record.status == .active else { continue }
                group.addTask { (state.name, try await dashboard.customers.summary(of: record)) }
            }
            return try await group.reduce(into: [EnvironmentName: DashboardCustomers.Summary]()) { $0[$1.0] = $1.1 }
        }
        let model = HomePage(
            tenant: try await tenant,
            states: states,
            summaries: summaries,
            credits: try await credits,
            endpoints: try await endpoints.endpoints,
            now: kit.web.now()
        )
        return kit.render(.appHome, model, request: request, context: context, me: me, current: "home")
    }

    @Sendable func environments(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        return try await environmentsPage(me, request: request, context: context)
    }

    private func environmentsPage(
        _ me: WebSession.SignedIn,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let model = EnvironmentsPage(try await dashboard.environments.states(user: me.user), publicURL: dashboard.environments.publicURL)
        return kit.render(.appEnvironments, model, request: request, context: context, me: me, current: "environments", error: error, status: status)
    }

    /// Activates (or retries) an environment, as `POST /dashboard/contracts/provision` does.
    @Sendable func activate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        do {
            let environment = try form.body(["environment"]).choice("environment", of: EnvironmentName.self)
            _ = try await dashboard.environments.provision(user: me.user, environment: environment)
        } catch let refusal as APIError {
            return try await environmentsPage(me, error: refusal.message, status: refusal.status, request: request, context: context)
        }
        return AppPageKit.redirect("/app/environments")
    }
}
