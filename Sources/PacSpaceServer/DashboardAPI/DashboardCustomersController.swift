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
    let deltas: DeltaStore
    let environments: EnvironmentStore
    /// Checks an `X-Api-Key` sent beside the token, as the Balance API does.
    let keys: APIKeyMiddleware
    let receipts: PeriodReceipts
    let seals: PeriodSeals
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    /// Customers with a delta accepted within this many days count as active in the summary.
    static let activeDays: Int64 = 30
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
        let user = try context.requireManager(of: "customers")
        let body = try await RequestBody.decode(
            request,
            allowed: ["displayName", "customerId", "sharingStateHint", "eventCadence", "unitLabel"]
        )
        let profile = CustomerProfile(
            displayName: try body.string("displayName", maxLength: 200),
            unitLabel: try body.optionalString("unitLabel", maxLength: 64),
            sharingStateHint: try body.optionalString("sharingStateHint", maxLength: 64),
            eventCadence: try body.optionalString("eventCadence", maxLength: 64)
        )
        let customerID = try body.optionalString("customerId", maxLength: 128).map(DeltaInput.customerID) ?? Identifier.make("cust")
        let environment = try await chosenEnvironment(request, context, user)
        guard let customer = try await deltas.createCustomer(in: environment, customerID: customerID, profile: profile, now: now()) else {
            throw APIError(.conflict, "CONFLICT", "Customer \(customerID) exists already in \(environment.environment.rawValue).")
        }
        context.logger.info("customer created", metadata: ["environmentId": .string(environment.id)])
        return Envelope.success(.created, customer.json)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = QueryParameters(request: request)
        let (page, limit) = try query.page()
        let search = try query.string("search", maxLength: 128)
        let environment = try await chosenEnvironment(request, context, user)
        let (items, total) = try await deltas.customers(environmentID: environment.id, search: search, limit: limit, offset: (page - 1) * limit)
        return Envelope.page(items.map(\.json), total: total, page: page, limit: limit)
    }

    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try await chosenEnvironment(request, context, user)
        let now = now()
        let figures = try await deltas.customerSummary(environmentID: environment.id, activeSince: now - Self.activeDays * 86_400_000)
        // What an operator looks at first (our addition; docs/api.md §10): this month's
        // verified deltas, the backlog and its age, the last signed checkpoint, and how many
        // customers' last month is still to seal.
        let thisMonth = String(Timestamp.iso8601(millis: now).prefix(7))
        let (verifiedThisMonth, _) = try await deltas.usage(environmentID: environment.id, period: thisMonth)
        let backlog = try await deltas.backlog(environmentID: environment.id)
        let signed = try await seals.receipts.log.latestCheckpoint(environmentID: environment.id)
        let lastMonth = Self.previousMonth(thisMonth)
        let window = try ScopeInput(Scope.Fields(period: lastMonth), now: now, maxDays: Int.max)
        var unsealed: Int64 = 0
        if case .window(let from, let until) = window.scope, let key = window.key {
            unsealed = try await deltas.customersUnsealed(environmentID: environment.id, from: from, until: until, scopeKey: key)
        }
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        return Envelope.success(
            .ok,
            [
                "environment": .string(environment.environment.rawValue), "customers": .int(figures.customers),
                "activeCustomers": .int(figures.activeCustomers), "activeDays": .int(Self.activeDays),
                "totalDeltas": .int(figures.totalDeltas), "verifiedDeltas": .int(figures.verifiedDeltas),
                "computedBalance": figures.verifiedBalance?.json ?? .null,
                "verifiedThisMonth": .int(verifiedThisMonth), "queuedDeltas": .int(backlog.queued),
                "oldestQueuedAt": time(backlog.oldestAcceptedAt), "lastSignedAt": time(signed?.signedAt),
                "lastMonth": ["period": .string(lastMonth), "customersUnsealed": .int(unsealed)],
            ]
        )
    }

    /// "2026-01" → "2025-12".
    static func previousMonth(_ month: String) -> String {
        guard let year = Int(month.prefix(4)), let number = Int(month.suffix(2)) else { return month }
        let (y, m) = number == 1 ? (year - 1, 12) : (year, number - 1)
        return String(y) + "-" + (m < 10 ? "0" : "") + String(m)
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
        var filter = DeltaStore.DeltaFilter()
        filter.status = try query.choice("status", of: DeltaStatus.self)
        filter.reason = try query.string("reason", maxLength: 500)
        filter.search = try query.string("search", maxLength: 128)
        filter.order = try query.choice("sortBy", of: DeltaStore.DeltaFilter.Order.self) ?? .sequenceNumber
        filter.ascending = try query.choice("sortOrder", of: SortOrder.self) == .asc
        let start = try query.string("startDate")
        let end = try query.string("endDate")
        if start != nil || end != nil {
            // The Balance API's window rules: both ends, [startDate, endDate), not in the future.
            guard
                case .window(let from, let until) = try ScopeInput(
                    Scope.Fields(startDate: start, endDate: end),
                    now: now(),
                    maxDays: Self.widestFilterDays
                )
                .scope
            else { throw APIError.invalid("startDate", "required", "startDate and endDate go together.") }
            filter.from = from
            filter.until = until
        }
        let environment = try await chosenEnvironment(request, context, user)
        let customer = try await deltas.requireCustomer(environmentID: environment.id, customerID: customerID)
        let (items, total) = try await deltas.deltas(
            environmentID: environment.id,
            customerID: customerID,
            filter: filter,
            limit: limit,
            offset: (page - 1) * limit
        )
        return Envelope.success(
            .ok,
            .object(
                customer.fields + [
                    (
                        "deltas",
                        [
                            "items": .array(items.map(\.json)), "page": .int(page), "limit": .int(limit), "total": .int(total),
                            "totalPages": .int((total + limit - 1) / limit),
                        ]
                    )
                ]
            )
        )
    }

    /// The customer's receipt for a scope (`period`, or any of the Balance API's scope
    /// parameters): the Balance API's receipt answer.
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let log = try await chosenLog(request, context, user)
        return Envelope.success(.ok, try await receipts.answer(log, customerID: customerID, scope: scope))
    }

    /// Seals a period of the customer (body: the Balance API's scope fields; none = the
    /// current UTC month): the Balance API's checkpoint answer.
    @Sendable func checkpoint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "checkpoints")
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let body = try await RequestBody.decodeOptional(request, allowed: ScopeInput.fieldNames)
        let input =
            try body.map { try ScopeInput(body: $0, now: now(), maxDays: maxScopeDays) }
            ?? ScopeInput(Scope.Fields(), now: now(), maxDays: maxScopeDays)
        let log = try await chosenLog(request, context, user)
        let (sealed, created) = try await seals.seal(log, customerID: customerID, input: input)
        return Envelope.success(created ? .created : .ok, sealed)
    }

    /// Every checkpoint of the environment — its customers' and its own — newest first
    /// (`limit`, `offset`, `customerId`, scope parameters): the Balance API's `GET
    /// /checkpoints` answer, for a dashboard user (our addition; docs/api.md §10).
    @Sendable func environmentCheckpoints(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return Envelope.success(.ok, try await seals.list(try await chosenLog(request, context, user), request: request))
    }

    /// The customer's checkpoints (`limit`, `offset`, scope parameters as the Balance API's).
    @Sendable func checkpointList(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...100) ?? 20
        let offset = try query.offset()
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let log = try await chosenLog(request, context, user)
        _ = try await deltas.requireCustomer(environmentID: log.environmentID, customerID: customerID)
        return Envelope.success(.ok, try await seals.list(log, customerID: customerID, scope: scope, limit: limit, offset: offset))
    }

    /// The customer's VERIFIED deltas in a scope (derive's: the amounts sum to its
    /// `computedBalance` less its starting balance) as CSV (RFC 4180), one row per delta,
    /// in sequence order, read by sequence number (each row once) and sent 1,000 rows at
    /// a time. A failure half-way ends the transfer unfinished (no last chunk), so a
    /// client cannot take a cut file for a whole one.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let customerID = try DeltaInput.customerID(try context.pathParameter("customerId"))
        let scope = try ScopeInput(query: request, now: now(), maxDays: maxScopeDays)
        let log = try await chosenLog(request, context, user)
        _ = try await deltas.requireCustomer(environmentID: log.environmentID, customerID: customerID)
        let selection = try await scope.selection(
            environmentID: log.environmentID,
            customerID: customerID,
            deltas: deltas,
            checkpoints: receipts.checkpoints
        )
        let deltas = self.deltas
        var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8"]
        headers[.contentDisposition] = "attachment; filename=\"\(customerID)-deltas.csv\""
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: CustomerCSV.header))
            var last: Int64 = 0
            while true {
                let page = try await deltas.verifiedDeltas(
                    environmentID: log.environmentID,
                    customerID: customerID,
                    selection: selection,
                    after: last,
                    limit: 1_000,
                    offset: 0
                )
                guard let end = page.last?.sequenceNumber else { break }
                try await writer.write(ByteBuffer(string: page.map(CustomerCSV.row).joined()))
                last = end
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    enum SortOrder: String, CaseIterable {
        case asc
        case desc
    }

    /// The log of the environment the request names.
    private func chosenLog(_ request: Request, _ context: AppRequestContext, _ user: User) async throws -> LogIdentity {
        guard let log = try await chosenEnvironment(request, context, user).log else {
            throw APIError(.preconditionFailed, "CONTRACT_NOT_DEPLOYED", "The environment has no log yet; provision it first.")
        }
        return log
    }

    /// The environment the request names (see the type's documentation), active.
    private func chosenEnvironment(_ request: Request, _ context: AppRequestContext, _ user: User) async throws -> EnvironmentRecord {
        let name: EnvironmentName
        if let named = try request.namedEnvironment() {
            name = named
        } else if request.headers[.apiKey] != nil {
            let identity = try await keys.identify(request, context: context)
            guard identity.tenantID == user.tenantID else {
                throw APIError(.unauthorized, "INVALID_API_KEY", "The API key is invalid, disabled or revoked.")
            }
            name = identity.environment
        } else {
            name = .testnet
        }
        try request.checkChainID(of: name)
        return try await environments.active(name, tenantID: user.tenantID)
    }
}
