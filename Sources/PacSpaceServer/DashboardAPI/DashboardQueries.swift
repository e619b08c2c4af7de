import PacSpaceCore
import PacSpaceStore

/// The dashboard's typed queries, one value per aggregate: its JSON routes
/// (``DashboardAPIRoutes``) and its pages (``DashboardPageRoutes``) call the same
/// functions, so nothing is decided twice (docs/architecture.md, "Dashboard pages").
struct DashboardQueries: Sendable {
    let signIn: DashboardSignIn
    let account: DashboardAccount
    let environments: DashboardEnvironments
    let keys: DashboardKeys
    let webhooks: DashboardWebhooks
    let customers: DashboardCustomers
    let records: DashboardRecords

    init(
        stores: Stores,
        configuration: ServerConfiguration,
        tokens: AccessTokens,
        passwords: Passwords,
        mailer: Mailer,
        limiter: RateLimiter,
        provisioner: Provisioner,
        sequencer: Sequencer,
        keyAuthenticator: APIKeyAuthenticator,
        sealer: KeySealer,
        outboundPolicy: OutboundPolicy,
        dispatcher: WebhookDispatcher,
        deliveries: WebhookDeliveries,
        periodReceipts: PeriodReceipts,
        seals: PeriodSeals
    ) {
        let now = configuration.now
        signIn = DashboardSignIn(
            accounts: stores.accounts,
            sessions: stores.sessions,
            tokens: tokens,
            passwords: passwords,
            mailer: mailer,
            limiter: limiter,
            configuration: configuration
        )
        account = DashboardAccount(
            accounts: stores.accounts,
            sessions: stores.sessions,
            credits: stores.credits,
            passwords: passwords,
            limiter: limiter,
            configuration: configuration
        )
        environments = DashboardEnvironments(
            environments: stores.environments,
            provisioner: provisioner,
            sequencer: sequencer,
            serverLog: stores.serverLog,
            publicURL: configuration.publicURL,
            now: now
        )
        keys = DashboardKeys(keys: stores.apiKeys, environments: stores.environments, authenticator: keyAuthenticator, now: now)
        webhooks = DashboardWebhooks(
            endpoints: stores.webhookEndpoints,
            outbox: stores.webhookOutbox,
            sealer: sealer,
            policy: outboundPolicy,
            dispatcher: dispatcher,
            deliveries: deliveries,
            limiter: limiter,
            now: now
        )
        customers = DashboardCustomers(deltas: stores.deltas, environments: stores.environments, receipts: periodReceipts, seals: seals, now: now)
        records = DashboardRecords(records: stores.records, recordLinks: stores.recordLinks, environments: stores.environments, now: now)
    }
}
