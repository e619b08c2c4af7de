import PacSpaceCore
import PacSpaceStore

/// `app-customers.mustache`: an environment's customers, searched and paged.
struct CustomerListPage: Sendable {
    struct Row: Sendable {
        let customerId: String
        let path: String
        let displayName: String
        let balance: String
        let deltas: String
        let lastActivityAt: String
        let environment: String
    }

    let environment: String
    let environmentLabel: String
    let environmentChoices: [PageParts.Choice]
    let search: String
    let customers: [Row]
    let hasCustomers: Bool
    let total: Int
    /// "1 customer", "12 customers". (Stored: templates read a model's stored properties.)
    let counted: String
    let pager: PageParts.Pager?

    init(_ listing: DashboardCustomers.Listing?, environment: EnvironmentName, search: String) {
        let rows = (listing?.customers ?? []).map { customer in
            Row(
                customerId: customer.customerID,
                path: AppPageKit.escape(customer.customerID),
                displayName: customer.profile?.displayName ?? customer.customerID,
                balance: customer.verifiedBalance.description,
                deltas: String(customer.totalDeltas),
                lastActivityAt: Timestamp.iso8601(millis: customer.lastActivityAt),
                environment: environment.rawValue
            )
        }
        let total = listing?.total ?? 0
        let limit = listing?.limit ?? 1
        self.environment = environment.rawValue
        environmentLabel = PageParts.label(environment)
        environmentChoices = PageParts.environments(environment)
        self.search = search
        customers = rows
        hasCustomers = !rows.isEmpty
        self.total = total
        counted = total == 1 ? "1 customer" : "\(total) customers"
        pager = PageParts.Pager(page: listing?.page ?? 1, pages: (total + limit - 1) / limit) { number in
            "/app/customers?environment=\(environment.rawValue)&search=\(AppPageKit.escape(search))&page=\(number)"
        }
    }
}

/// `app-customer.mustache`: one customer, its deltas filtered and paged, its sealed periods
/// and, when asked, a month derived.
struct CustomerPage: Sendable {
    /// What the page is narrowed to, as the query gave it (empty: not given).
    struct Filter: Sendable {
        var status = ""
        var reason = ""
        var startDate = ""
        var endDate = ""
        /// The month to derive, `YYYY-MM`.
        var derive = ""

        /// The filter as query parameters, for the pager's links.
        var query: String {
            [("status", status), ("reason", reason), ("startDate", startDate), ("endDate", endDate)]
                .filter { !$0.1.isEmpty }.map { "&\($0.0)=\(AppPageKit.escape($0.1))" }.joined()
        }
    }

    struct DeltaRow: Sendable {
        let sequenceNumber: String
        let createdAt: String
        let delta: String
        let reason: String
        let referenceId: String
        let status: String
        let verified: Bool
        /// When witnesses cosigned it, or "—" (not witnessed, or no witnesses on this server).
        let witnessedAt: String
        let recordId: String
    }

    struct CheckpointRow: Sendable {
        let window: String
        let deltaCount: String
        let netChange: String
        let endingBalance: String
        let status: String
        let verifyPath: String
    }

    struct Derived: Sendable {
        let period: String
        let deltaCount: String
        let startingBalance: String
        let finalBalance: String
        let proofRoot: String
        let sealed: Bool
    }

    let customerId: String
    let path: String
    let displayName: String
    let named: Bool
    let unitLabel: String?
    let balance: String
    let totalDeltas: String
    let verifiedDeltas: String
    let environment: String
    let environmentLabel: String
    let reason: String
    let startDate: String
    let endDate: String
    let derive: String
    let deltas: [DeltaRow]
    let hasDeltas: Bool
    let checkpoints: [CheckpointRow]
    let hasCheckpoints: Bool
    let derived: Derived?
    let currentPeriod: String
    let statusChoices: [PageParts.Choice]
    let pager: PageParts.Pager?

    init(
        _ detail: DashboardCustomers.Detail,
        checkpoints: [CheckpointRecord],
        derived: PeriodReceipt?,
        environment: EnvironmentName,
        filter: Filter,
        links: VerifyLinks,
        now: Int64
    ) {
        let customer = detail.customer
        let id = AppPageKit.escape(customer.customerID)
        customerId = customer.customerID
        path = id
        displayName = customer.profile?.displayName ?? customer.customerID
        named = customer.profile?.displayName != nil && customer.profile?.displayName != customer.customerID
        unitLabel = customer.profile?.unitLabel
        balance = customer.verifiedBalance.description
        totalDeltas = String(customer.totalDeltas)
        verifiedDeltas = String(customer.verifiedDeltas)
        self.environment = environment.rawValue
        environmentLabel = PageParts.label(environment)
        reason = filter.reason
        startDate = filter.startDate
        endDate = filter.endDate
        derive = filter.derive
        deltas = detail.deltas.map { delta in
            DeltaRow(
                sequenceNumber: String(delta.sequenceNumber),
                createdAt: Timestamp.iso8601(millis: delta.createdAt),
                delta: delta.amount.description,
                reason: delta.reason,
                referenceId: delta.referenceID ?? "",
                status: delta.status.rawValue,
                verified: delta.status == .verified,
                witnessedAt: PageParts.time(delta.witnessedAt, absent: "—"),
                recordId: delta.recordID
            )
        }
        hasDeltas = !deltas.isEmpty
        self.checkpoints = checkpoints.map { checkpoint in
            CheckpointRow(
                window: VerifyPageView.window(checkpoint.scope.value),
                deltaCount: String(checkpoint.deltaCount),
                netChange: checkpoint.netChange.description,
                endingBalance: checkpoint.endingBalance.description,
                status: checkpoint.status.rawValue,
                verifyPath: String(links.disclosingPage(checkpoint.checkpointID).dropFirst(links.publicURL.count))
            )
        }
        hasCheckpoints = !self.checkpoints.isEmpty
        self.derived = derived.map { receipt in
            Derived(
                period: filter.derive,
                deltaCount: String(receipt.deltas.count),
                startingBalance: receipt.startingBalance.description,
                finalBalance: receipt.finalBalance.description,
                proofRoot: receipt.proofRoot.prefixedHex,
                sealed: receipt.sealed != nil
            )
        }
        currentPeriod = String(Timestamp.iso8601(millis: now).prefix(7))
        statusChoices = [("", "Any"), ("VERIFIED", "Verified"), ("QUEUED", "Waiting"), ("FAILED", "Failed")].map {
            PageParts.Choice(value: $0.0, label: $0.1, selected: $0.0 == filter.status)
        }
        pager = PageParts.Pager(page: detail.page, pages: detail.totalPages) { number in
            "/app/customers/\(id)?environment=\(environment.rawValue)\(filter.query)&page=\(number)"
        }
    }
}
