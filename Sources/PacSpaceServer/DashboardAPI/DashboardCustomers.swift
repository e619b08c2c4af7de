import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore
import PacSpaceStore

/// The dashboard's customers as typed queries (docs/api.md §10): each read or action one
/// function, with the tenant's scoping and the role check inside it. The JSON routes
/// (``DashboardCustomersController``) parse, call and present; the pages
/// (``CustomerPagesController``) call the same functions and render page models, so
/// nothing is decided twice and no wire field is read back by name.
struct DashboardCustomers: Sendable {
    let deltas: DeltaStore
    let environments: EnvironmentStore
    let receipts: PeriodReceipts
    let seals: PeriodSeals
    let now: @Sendable () -> Int64

    /// A page of an environment's customers.
    struct Listing: Sendable {
        let customers: [CustomerTotals]
        let total: Int
        let page: Int
        let limit: Int
    }

    /// One customer and a page of its deltas.
    struct Detail: Sendable {
        let customer: CustomerTotals
        let deltas: [DeltaRecord]
        let total: Int
        let page: Int
        let limit: Int
        var totalPages: Int { (total + limit - 1) / limit }
    }

    /// Customers with a delta accepted within this many days count as active in the summary.
    static let activeDays: Int64 = 30

    /// An environment in figures: what an operator looks at first.
    struct Summary: Sendable {
        let environment: EnvironmentName
        let figures: DeltaStore.CustomerSummary
        /// Deltas VERIFIED this UTC month.
        let verifiedThisMonth: Int64
        /// The backlog the sequencer has not taken yet, and when its oldest was accepted.
        let queuedDeltas: Int64
        let oldestQueuedAt: Int64?
        /// When the log last signed a checkpoint; nil before the first.
        let lastSignedAt: Int64?
        /// Last UTC month (`YYYY-MM`), and its customers with deltas and no seal of it.
        let lastMonth: String
        let customersUnsealed: Int64
    }

    /// The user's tenant's `name` environment, active (412 `CONTRACT_NOT_DEPLOYED` before).
    func environment(_ name: EnvironmentName, of user: User) async throws -> EnvironmentRecord {
        try await environments.active(name, tenantID: user.tenantID)
    }

    /// The log of the user's tenant's `name` environment.
    func log(_ name: EnvironmentName, of user: User) async throws -> LogIdentity {
        guard let log = try await environment(name, of: user).log else {
            throw APIError(.preconditionFailed, .contractNotDeployed, "The environment has no log yet; provision it first.")
        }
        return log
    }

    /// The environment in figures (our addition; docs/api.md §10): its customers, this
    /// month's verified deltas, the backlog and its age, the last signed checkpoint, and how
    /// many customers' last month is still to seal.
    func summary(user: User, environment name: EnvironmentName) async throws -> Summary {
        try await summary(of: try await environment(name, of: user))
    }

    /// The summary of an active environment record the caller read for its user (the home
    /// page has them all from one read).
    func summary(of environment: EnvironmentRecord) async throws -> Summary {
        let name = environment.environment
        let now = now()
        let thisMonth = String(Timestamp.iso8601(millis: now).prefix(7))
        let lastMonth = Self.previousMonth(thisMonth)
        let window = try ScopeInput(Scope.Fields(period: lastMonth), now: now, maxDays: Int.max)
        async let figures = deltas.customerSummary(environmentID: environment.id, activeSince: now - Self.activeDays * 86_400_000)
        async let usage = deltas.usage(environmentID: environment.id, period: thisMonth)
        async let backlog = deltas.backlog(environmentID: environment.id)
        async let signed = seals.receipts.log.latestCheckpoint(environmentID: environment.id)
        var unsealed: Int64 = 0
        if case .window(let from, let until) = window.scope, let key = window.key {
            unsealed = try await deltas.customersUnsealed(environmentID: environment.id, from: from, until: until, scopeKey: key)
        }
        let waiting = try await backlog
        return Summary(
            environment: name,
            figures: try await figures,
            verifiedThisMonth: try await usage.verified,
            queuedDeltas: waiting.queued,
            oldestQueuedAt: waiting.oldestAcceptedAt,
            lastSignedAt: try await signed?.signedAt,
            lastMonth: lastMonth,
            customersUnsealed: unsealed
        )
    }

    /// "2026-01" → "2025-12".
    static func previousMonth(_ month: String) -> String {
        guard let year = Int(month.prefix(4)), let number = Int(month.suffix(2)) else { return month }
        let (y, m) = number == 1 ? (year - 1, 12) : (year, number - 1)
        return String(y) + "-" + (m < 10 ? "0" : "") + String(m)
    }

    /// Customers of the environment, searched by id or name, a page at a time.
    func list(user: User, environment name: EnvironmentName, search: String?, page: Int, limit: Int) async throws -> Listing {
        let environment = try await environment(name, of: user)
        let (items, total) = try await deltas.customers(environmentID: environment.id, search: search, limit: limit, offset: (page - 1) * limit)
        return Listing(customers: items, total: total, page: page, limit: limit)
    }

    /// Adds a customer by hand (owners, admins, developers); a new id when none is given.
    func create(
        user: User,
        environment name: EnvironmentName,
        customerID: String?,
        profile: CustomerProfile
    ) async throws -> (
        CustomerTotals, environmentID: String
    ) {
        try user.requireManager(of: "customers")
        let environment = try await environment(name, of: user)
        let customerID = customerID ?? Identifier.make("cust")
        guard let customer = try await deltas.createCustomer(in: environment, customerID: customerID, profile: profile, now: now()) else {
            throw APIError(.conflict, .conflict, "Customer \(customerID) exists already in \(environment.environment.rawValue).")
        }
        return (customer, environment.id)
    }

    /// One customer and a page of its deltas, narrowed and ordered by `filter`.
    func detail(
        user: User,
        environment name: EnvironmentName,
        customerID: String,
        filter: DeltaStore.DeltaFilter,
        page: Int,
        limit: Int
    ) async throws -> Detail {
        let environment = try await environment(name, of: user)
        let customer = try await deltas.requireCustomer(environmentID: environment.id, customerID: customerID)
        let (items, total) = try await deltas.deltas(
            environmentID: environment.id,
            customerID: customerID,
            filter: filter,
            limit: limit,
            offset: (page - 1) * limit
        )
        return Detail(customer: customer, deltas: items, total: total, page: page, limit: limit)
    }

    /// The customer's receipt for `scope` (the Balance API's receipt).
    func receipt(user: User, environment name: EnvironmentName, customerID: String, scope: ScopeInput) async throws -> PeriodReceipt {
        try await receipts.receipt(try await log(name, of: user), customerID: customerID, scope: scope)
    }

    /// Seals a period of the customer (owners, admins, developers): the Balance API's
    /// checkpoint answer, and whether it is new.
    func seal(user: User, environment name: EnvironmentName, customerID: String, input: ScopeInput) async throws -> (JSONValue, created: Bool) {
        try user.requireManager(of: "checkpoints")
        let sealed = try await seals.seal(try await log(name, of: user), customerID: customerID, input: input)
        return (sealed.checkpoint, sealed.created)
    }

    /// Seals of the environment, newest first: those of `customerID` (nil: every customer's
    /// and the environment's own; a customer it does not have: none), of `scope` when it
    /// names one; and how many there are.
    func checkpoints(
        user: User,
        environment name: EnvironmentName,
        customerID: String?,
        scope: ScopeInput,
        limit: Int,
        offset: Int
    ) async throws -> (checkpoints: [CheckpointRecord], total: Int) {
        try await seals.sealed(try await log(name, of: user), customerID: customerID, scope: scope, limit: limit, offset: offset)
    }

    /// The customer's seals, as ``checkpoints(user:environment:customerID:scope:limit:offset:)``;
    /// 404 `CUSTOMER_NOT_FOUND` for a customer the environment does not have.
    func customerCheckpoints(
        user: User,
        environment name: EnvironmentName,
        customerID: String,
        scope: ScopeInput,
        limit: Int,
        offset: Int
    ) async throws -> (checkpoints: [CheckpointRecord], total: Int) {
        let log = try await log(name, of: user)
        _ = try await deltas.requireCustomer(environmentID: log.environmentID, customerID: customerID)
        return try await seals.sealed(log, customerID: customerID, scope: scope, limit: limit, offset: offset)
    }

    /// The customer's VERIFIED deltas in `scope` (derive's: the amounts sum to its
    /// `computedBalance` less its starting balance) as CSV (RFC 4180), one row per delta,
    /// in sequence order, read by sequence number (each row once) and sent 1,000 rows at
    /// a time. A failure half-way ends the transfer unfinished (no last chunk), so a
    /// client cannot take a cut file for a whole one.
    func export(user: User, environment name: EnvironmentName, customerID: String, scope: ScopeInput) async throws -> Response {
        let log = try await log(name, of: user)
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
}
