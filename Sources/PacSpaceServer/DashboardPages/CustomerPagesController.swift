import Foundation
import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The dashboard's customers (docs/operations.md, "The dashboard"): search and list with
/// balances, add one by hand, a customer's deltas filtered and paged, its CSV export, and
/// its billing periods sealed and linked to their verification pages. Each page calls the
/// typed queries the `/dashboard/customers` routes answer from (``DashboardCustomers``) and
/// renders a page model (``CustomerListPage``, ``CustomerPage``).
struct CustomerPagesController: Sendable {
    let kit: AppPageKit
    let customers: DashboardCustomers
    let links: VerifyLinks
    let maxScopeDays: Int

    /// Customers and deltas per page.
    static let pageSize = 50

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/customers", use: list)
        router.post("app/customers", use: create)
        router.get("app/customers/:customerId", use: show)
        router.get("app/customers/:customerId/export", use: export)
        router.post("app/customers/:customerId/checkpoint", use: seal)
    }

    /// The environment a page shows: `environment=testnet|mainnet`, testnet by default.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        return try await listPage(
            me,
            environment: PageParts.environment(try query.string("environment", maxLength: 16)),
            search: try query.string("search", maxLength: 128) ?? "",
            page: try query.page("page", limit: Self.pageSize),
            request: request,
            context: context
        )
    }

    private func listPage(
        _ me: WebSession.SignedIn,
        environment: EnvironmentName,
        search: String,
        page: Int,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        var error = error
        var listing: DashboardCustomers.Listing?
        do {
            listing = try await customers.list(
                user: me.user,
                environment: environment,
                search: search.isEmpty ? nil : search,
                page: page,
                limit: Self.pageSize
            )
        } catch let refusal as APIError {
            error = error ?? refusal.message
        }
        let model = CustomerListPage(listing, environment: environment, search: search)
        return kit.render(.appCustomers, model, request: request, context: context, me: me, current: "customers", error: error, status: status)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let environment = PageParts.environment(form["environment"])
        do {
            let (customerID, profile) = try DashboardCustomersController.newCustomer(try form.body(DashboardCustomersController.newCustomerFields))
            let (customer, _) = try await customers.create(user: me.user, environment: environment, customerID: customerID, profile: profile)
            return AppPageKit.redirect("/app/customers/\(AppPageKit.escape(customer.customerID))?environment=\(environment.rawValue)")
        } catch let refusal as APIError {
            return try await listPage(
                me,
                environment: environment,
                search: "",
                page: 1,
                error: refusal.message,
                status: refusal.status,
                request: request,
                context: context
            )
        }
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        return try await customerPage(
            me,
            customerID: try context.pathParameter("customerId"),
            environment: PageParts.environment(try query.string("environment", maxLength: 16)),
            filter: CustomerPage.Filter(
                status: try query.string("status", maxLength: 16) ?? "",
                reason: try query.string("reason", maxLength: 200) ?? "",
                startDate: try query.string("startDate", maxLength: 40) ?? "",
                endDate: try query.string("endDate", maxLength: 40) ?? "",
                derive: try query.string("derive", maxLength: 7) ?? ""
            ),
            query: query,
            page: try query.page("page", limit: Self.pageSize),
            request: request,
            context: context
        )
    }

    /// The customer page. Its independent reads (the deltas, the seals, a derived month)
    /// run concurrently.
    private func customerPage(
        _ me: WebSession.SignedIn,
        customerID: String,
        environment: EnvironmentName,
        filter: CustomerPage.Filter,
        query: QueryParameters?,
        page: Int,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        var error = error
        let now = customers.now()
        // A filter the API refuses (a date it cannot read): say so above the unfiltered page.
        var deltaFilter = DeltaStore.DeltaFilter()
        if let query {
            do { deltaFilter = try DashboardCustomersController.filter(query, now: now) } catch let refusal as APIError { error = refusal.message }
        }
        let (user, customers) = (me.user, customers)
        async let detail = customers.detail(
            user: user,
            environment: environment,
            customerID: customerID,
            filter: deltaFilter,
            page: page,
            limit: Self.pageSize
        )
        async let sealed = customers.customerCheckpoints(
            user: user,
            environment: environment,
            customerID: customerID,
            scope: ScopeInput(Scope.Fields(), now: now, maxDays: maxScopeDays),
            limit: 24,
            offset: 0
        )
        // Derive for a month: the receipt of that period (docs/api.md §5).
        var derived: PeriodReceipt?
        if !filter.derive.isEmpty {
            do {
                let scope = try ScopeInput(Scope.Fields(period: filter.derive), now: now, maxDays: maxScopeDays)
                derived = try await customers.receipt(user: user, environment: environment, customerID: customerID, scope: scope)
            } catch let refusal as APIError {
                error = refusal.message
            }
        }
        let model = CustomerPage(
            try await detail,
            checkpoints: try await sealed.checkpoints,
            derived: derived,
            environment: environment,
            filter: filter,
            links: links,
            now: now
        )
        return kit.render(
            .appCustomer,
            model,
            request: request,
            context: context,
            me: me,
            current: "customers",
            error: error,
            notice: notice,
            status: status
        )
    }

    /// The CSV export, as `GET /dashboard/customers/:id/export` streams it.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let environment = PageParts.environment(try QueryParameters(request: request).string("environment", maxLength: 16))
        let scope = try ScopeInput(Scope.Fields(), now: customers.now(), maxDays: maxScopeDays)
        return try await customers.export(user: me.user, environment: environment, customerID: try context.pathParameter("customerId"), scope: scope)
    }

    /// Seals `period` (YYYY-MM) for the customer, as `POST /dashboard/customers/:id/checkpoint` does.
    @Sendable func seal(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let customerID = try context.pathParameter("customerId")
        let environment = PageParts.environment(form["environment"])
        var (notice, error): (String?, String?) = (nil, nil)
        var status = HTTPResponse.Status.ok
        do {
            let period = form["period"].flatMap { $0.isEmpty ? nil : $0 }
            let input = try ScopeInput(Scope.Fields(period: period), now: customers.now(), maxDays: maxScopeDays)
            _ = try await customers.seal(user: me.user, environment: environment, customerID: customerID, input: input)
            notice = "Period sealed: its checkpoint joins the log within seconds; the verify link is in the table."
        } catch let refusal as APIError {
            (error, status) = (refusal.message, refusal.status)
        }
        return try await customerPage(
            me,
            customerID: customerID,
            environment: environment,
            filter: CustomerPage.Filter(),
            query: nil,
            page: 1,
            notice: notice,
            error: error,
            status: status,
            request: request,
            context: context
        )
    }
}
