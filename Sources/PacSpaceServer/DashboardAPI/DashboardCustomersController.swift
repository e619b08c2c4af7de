import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// The dashboard's customer routes of the hosted API (docs/api.md §10), JWT like the rest
/// of `/dashboard`: create a customer by hand, list and search, the environment in
/// figures, one customer with its deltas narrowed and ordered.
///
/// **Which environment.** `X-Environment: sandbox | production` when sent; otherwise the
/// environment of an `X-Api-Key` sent beside the token (the official SDK's
/// `customers.create` sends both), which must be a key of the user's tenant; otherwise
/// the sandbox. The environment must be active (412 `CONTRACT_NOT_DEPLOYED`).
struct DashboardCustomersController: Sendable {
    /// What every route calls: the typed queries the pages call too.
    let customers: DashboardCustomers
    /// Checks an `X-Api-Key` sent beside the token, as the Balance API does.
    let keys: APIKeyMiddleware
    let maxScopeDays: Int
    var seals: PeriodSeals { customers.seals }
    var now: @Sendable () -> Int64 { customers.now }

    /// The widest window a customer's delta list may be narrowed to. Unlike a scope whose
    /// balance is computed (`PACSPACE_MAX_SCOPE_DAYS`), a filter only picks rows of a paged
    /// list, so it needs no bound but a sane one: a century.
    static let widestFilterDays = 36_600

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        router.group("dashboard/checkpoints").add(middleware: auth).get(use: environmentCheckpoints)
        let group = router.group("dashboard/customers").add(middleware: auth)
        group.post(use: create)
        group.get(use: list)
        group.get("summary", use: summary)
        group.get(":customerId", use: show)
        group.get(":customerId/export", use: export)
        group.get(":customerId/receipt", use: receipt)
        group.post(":customerId/checkpoint", use: checkpoint)
        group.get(":customerId/checkpoints", use: checkpointList)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (customerID, profile) = try Self.newCustomer(try await RequestBody.decode(request, allowed: Self.newCustomerFields))
        let environment = try await chosenEnvironment(request, context, user)
        let (customer, environmentID) = try await customers.create(user: user, environment: environment, customerID: customerID, profile: profile)
        context.logger.info("customer created", metadata: ["environmentId": .string(environmentID)])
        return Envelope.success(.created, customer.json)
    }

    /// The members a new customer may have.
    static let newCustomerFields: Set<String> = ["displayName", "customerId", "sharingStateHint", "eventCadence", "unitLabel"]

    /// A new customer's id (nil: one is drawn) and profile, from a JSON body or the page's form.
    static func newCustomer(_ body: RequestBody) throws -> (customerID: String?, profile: CustomerProfile) {
        let profile = CustomerProfile(
            displayName: try body.string("displayName", maxLength: 200),
            unitLabel: try body.optionalString("unitLabel", maxLength: 64),
            sharingStateHint: try body.optionalString("sharingStateHint", maxLength: 64),
            eventCadence: try body.optionalString("eventCadence", maxLength: 64)
        )
        return (try body.optionalString("customerId", maxLength: 128).map(DeltaInput.customerID), profile)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = QueryParameters(request: request)
        let (page, limit) = try query.page()
        let search = try query.string("search", maxLength: 128)
        let listing = try await customers.list(
            user: user,
            environment: try await chosenEnvironment(request, context, user),
            search: search,
            page: page,
            limit: limit
        )
        return Envelope.page(listing.customers.map(\.json), total: listing.total, page: page, limit: limit)
    }

    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let summary = try await customers.summary(user: user, environment: try await chosenEnvironment(request, context, user))
        return Envelope.success(.ok, Self.json(summary))
    }

    /// The summary's wire shape.
    static func json(_ summary: DashboardCustomers.Summary) -> JSONValue {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        let figures = summary.figures
        return [
            "environment": .string(summary.environment.rawValue), "customers": .int(figures.customers),
            "activeCustomers": .int(figures.activeCustomers), "activeDays": .int(DashboardCustomers.activeDays),
            "totalDeltas": .int(figures.totalDeltas), "verifiedDeltas": .int(figures.verifiedDeltas),
            "computedBalance": figures.verifiedBalance?.json ?? .null,
            "verifiedThisMonth": .int(summary.verifiedThisMonth), "queuedDeltas": .int(summary.queuedDeltas),
            "oldestQueuedAt": time(summary.oldestQueuedAt), "lastSignedAt": time(summary.lastSignedAt),
            "lastMonth": ["period": .string(summary.lastMonth), "customersUnsealed": .int(summary.customersUnsealed)],
        ]
    }

    /// One customer and a page of its deltas (`deltaPage`, `deltaLimit`), narrowed by
    /// `status`, `reason`, `startDate` + `endDate` and `search`, ordered by `sortBy`
    /// (`sequenceNumber`, `createdAt`, `delta`) and `sortOrder` (`desc`, `asc`).
    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let query = QueryParameters(request: request)
        let limit = try query.integer("deltaLimit", in: 1...100) ?? 20
        let page = try query.page("deltaPage", limit: limit)
        let filter = try Self.filter(query, now: now())
        let detail = try await customers.detail(
            user: user,
            environment: try await chosenEnvironment(request, context, user),
            customerID: customerID,
            filter: filter,
            page: page,
            limit: limit
        )
        return Envelope.success(.ok, Self.json(detail))
    }

    /// The deltas' filter a query names: `status`, `reason`, `search`, `startDate` +
    /// `endDate` (the Balance API's window rules: both ends, [startDate, endDate), not in
    /// the future), `sortBy` and `sortOrder`. The customer page reads its query with it too.
    static func filter(_ query: QueryParameters, now: Int64) throws -> DeltaStore.DeltaFilter {
        var filter = DeltaStore.DeltaFilter()
        filter.status = try query.choice("status", of: DeltaStatus.self)
        filter.reason = try query.string("reason", maxLength: 500)
        filter.search = try query.string("search", maxLength: 128)
        filter.order = try query.choice("sortBy", of: DeltaStore.DeltaFilter.Order.self) ?? .sequenceNumber
        filter.ascending = try query.choice("sortOrder", of: SortOrder.self) == .asc
        let start = try query.string("startDate")
        let end = try query.string("endDate")
        if start != nil || end != nil {
            guard
                case .window(let from, let until) = try ScopeInput(Scope.Fields(startDate: start, endDate: end), now: now, maxDays: widestFilterDays)
                    .scope
            else { throw APIError.invalid("startDate", "required", "startDate and endDate go together.") }
            filter.from = from
            filter.until = until
        }
        return filter
    }

    /// A customer and its page of deltas, as `GET /dashboard/customers/:id` answers.
    static func json(_ detail: DashboardCustomers.Detail) -> JSONValue {
        .object(
            detail.customer.fields + [
                (
                    "deltas",
                    [
                        "items": .array(detail.deltas.map(\.json)), "page": .int(detail.page), "limit": .int(detail.limit),
                        "total": .int(detail.total), "totalPages": .int(detail.totalPages),
                    ]
                )
            ]
        )
    }

    /// The customer's receipt for a scope (`period`, or any of the Balance API's scope
    /// parameters): the Balance API's receipt answer.
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let environment = try await chosenEnvironment(request, context, user)
        let receipt = try await customers.receipt(user: user, environment: environment, customerID: customerID, scope: scope)
        return Envelope.success(.ok, receipt.json(links: customers.receipts.links))
    }

    /// Seals a period of the customer (body: the Balance API's scope fields; none = the
    /// current UTC month): the Balance API's checkpoint answer.
    @Sendable func checkpoint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let body = try await RequestBody.decodeOptional(request, allowed: ScopeInput.fieldNames)
        let input =
            try body.map { try ScopeInput(body: $0, now: now(), maxDays: maxScopeDays) }
            ?? ScopeInput(Scope.Fields(), now: now(), maxDays: maxScopeDays)
        let environment = try await chosenEnvironment(request, context, user)
        let (sealed, created) = try await customers.seal(user: user, environment: environment, customerID: customerID, input: input)
        return Envelope.success(created ? .created : .ok, sealed)
    }

    /// Every checkpoint of the environment — its customers' and its own — newest first
    /// (`limit`, `offset`, `customerId`, scope parameters): the Balance API's `GET
    /// /checkpoints` answer, for a dashboard user (our addition; docs/api.md §10).
    @Sendable func environmentCheckpoints(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = QueryParameters(request: request)
        return try await checkpoints(request, context, user, customerID: try query.string("customerId").map(DeltaInput.customerID), known: false)
    }

    /// The customer's checkpoints (`limit`, `offset`, scope parameters as the Balance API's).
    @Sendable func checkpointList(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try await checkpoints(
            request,
            context,
            user,
            customerID: try DeltaInput.customerID(try context.pathParameter("customerId")),
            known: true
        )
    }

    /// `{checkpoints, total, limit, offset}` (`limit`, `offset`, scope parameters as the
    /// Balance API's), each checkpoint with its receipt once the log covers it; of a
    /// customer that must exist when `known`.
    private func checkpoints(
        _ request: Request,
        _ context: AppRequestContext,
        _ user: User,
        customerID: String?,
        known: Bool
    ) async throws -> Response {
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...100) ?? 20
        let offset = try query.offset()
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let environment = try await chosenEnvironment(request, context, user)
        let listed =
            if let customerID, known {
                try await customers.customerCheckpoints(
                    user: user,
                    environment: environment,
                    customerID: customerID,
                    scope: scope,
                    limit: limit,
                    offset: offset
                )
            } else {
                try await customers.checkpoints(
                    user: user,
                    environment: environment,
                    customerID: customerID,
                    scope: scope,
                    limit: limit,
                    offset: offset
                )
            }
        return Envelope.success(.ok, try await seals.json(listed.checkpoints, total: listed.total, limit: limit, offset: offset))
    }

    /// The customer's VERIFIED deltas in a scope as CSV (``DashboardCustomers/export(user:environment:customerID:scope:)``).
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        return try await customers.export(
            user: user,
            environment: try await chosenEnvironment(request, context, user),
            customerID: customerID,
            scope: scope
        )
    }

    enum SortOrder: String, CaseIterable {
        case asc
        case desc
    }

    /// The environment the request names (see the type's documentation).
    private func chosenEnvironment(_ request: Request, _ context: AppRequestContext, _ user: User) async throws -> EnvironmentName {
        let name: EnvironmentName
        if let named = try request.namedEnvironment() {
            name = named
        } else if request.headers[.apiKey] != nil {
            let identity = try await keys.identify(request, context: context)
            guard identity.tenantID == user.tenantID else {
                throw APIError(.unauthorized, .invalidApiKey, "The API key is invalid, disabled or revoked.")
            }
            name = identity.environment
        } else {
            name = .testnet
        }
        try request.checkChainID(of: name)
        return name
    }
}
