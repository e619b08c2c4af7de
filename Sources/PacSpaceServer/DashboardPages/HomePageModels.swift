import PacSpaceCore
import PacSpaceStore

/// `app-home.mustache`: per environment, what an operator looks at first.
struct HomePage: Sendable {
    struct Card: Sendable {
        let environment: String
        let label: String
        let status: String
        let statusLabel: String
        let active: Bool
        /// Of an active environment.
        let treeSize: String
        let customers: String
        let verifiedThisMonth: String
        let queuedDeltas: String
        let lag: String
        let lastSigned: String
        let balance: String
        /// Production's credits available; nil for the sandbox.
        let credits: String?
        let lastMonth: String
        let unsealed: String
        let hasUnsealed: Bool
        /// Of an environment not active yet.
        let explain: String
    }

    struct FailingEndpoint: Sendable {
        let url: String
        let since: String
    }

    let company: String
    let environments: [Card]
    let failingEndpoints: [FailingEndpoint]

    init(
        tenant: Tenant,
        states: [DashboardEnvironments.State],
        summaries: [EnvironmentName: DashboardCustomers.Summary],
        credits: CreditBalance,
        endpoints: [WebhookEndpoint],
        now: Int64
    ) {
        company = tenant.name
        environments = states.map { state in
            let summary = state.record?.status == .active ? summaries[state.name] : nil
            return Card(
                environment: state.name.rawValue,
                label: PageParts.label(state.name),
                status: state.status,
                statusLabel: PageParts.words(state.status),
                active: summary != nil,
                treeSize: String(state.record?.treeSize ?? 0),
                customers: String(summary?.figures.customers ?? 0),
                verifiedThisMonth: String(summary?.verifiedThisMonth ?? 0),
                queuedDeltas: String(summary?.queuedDeltas ?? 0),
                lag: PageParts.age(summary?.oldestQueuedAt, now: now) ?? "none",
                lastSigned: PageParts.age(summary?.lastSignedAt, now: now) ?? "never",
                balance: summary?.figures.verifiedBalance?.description ?? "—",
                credits: state.name.isPaid ? credits.available.description : nil,
                lastMonth: summary?.lastMonth ?? "",
                unsealed: String(summary?.customersUnsealed ?? 0),
                hasUnsealed: (summary?.customersUnsealed ?? 0) > 0,
                explain: state.record?.status == .provisioning
                    ? "Being provisioned; it is ready in a few seconds." : "Not active yet: activate it to get a log, a key and API keys."
            )
        }
        failingEndpoints = endpoints.filter { $0.failingSince != nil || !$0.active }.map { endpoint in
            FailingEndpoint(url: endpoint.url, since: endpoint.failingSince.map { Timestamp.iso8601(millis: $0) } ?? "disabled")
        }
    }
}

/// `app-environments.mustache`: each environment, its log and verifier key once active,
/// activation otherwise.
struct EnvironmentsPage: Sendable {
    struct Card: Sendable {
        let environment: String
        let label: String
        let status: String
        let statusLabel: String
        let active: Bool
        let provisioning: Bool
        let failed: Bool
        let canActivate: Bool
        /// Of an active environment: its contract.
        let id: String
        let logOrigin: String
        let publicKey: String
        let chainId: String
        let treeSize: String
        let provisionedAt: String
        /// Why provisioning failed.
        let error: String
        /// Where the log is readable as C2SP tlog-tiles.
        let tilesPrefix: String
        /// Its checkpoints are not being witnessed: the server stopped publishing.
        let witnessingHalted: Bool
        /// How to follow it with `pacspace monitor`, once the server log exists.
        let canMonitor: Bool
        let monitorPolicy: String
        let monitorCommand: String
    }

    let environments: [Card]
    /// While one is being provisioned, the page refreshes itself.
    let refresh: Bool

    init(_ states: [DashboardEnvironments.State], publicURL: String) {
        environments = states.map { state in
            let record = state.record
            let status = record?.status
            let tilesPrefix = record?.tilesPrefix(publicURL: publicURL) ?? ""
            return Card(
                environment: state.name.rawValue,
                label: PageParts.label(state.name),
                status: state.status,
                statusLabel: PageParts.words(state.status),
                active: status == .active,
                provisioning: status == .provisioning,
                failed: status == .error,
                canActivate: status == nil || status == .error,
                id: record?.id ?? "",
                logOrigin: record?.logOrigin ?? "",
                publicKey: record?.publicKey ?? "",
                chainId: String(state.name.chainID),
                treeSize: String(record?.treeSize ?? 0),
                provisionedAt: PageParts.time(record?.provisionedAt),
                error: record?.error ?? "unknown error",
                tilesPrefix: tilesPrefix,
                witnessingHalted: status == .active && state.witnessingHalted,
                canMonitor: status == .active && state.serverLogKey != nil,
                monitorPolicy: "log \(state.serverLogKey ?? "")\nlog \(record?.publicKey ?? "")\n"
                    + "# witness <name> <vkey>, one line per witness you trust\n# quorum <name, or a group of them>\n",
                monitorCommand:
                    "pacspace monitor --log \(publicURL)/api/v1/server-log --environment \(tilesPrefix)"
                    + " --policy mine.policy --state ./monitor"
            )
        }
        refresh = states.contains { $0.record?.status == .provisioning }
    }
}
