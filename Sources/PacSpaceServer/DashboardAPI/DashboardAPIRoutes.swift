import Hummingbird

/// The dashboard's JSON API, `/dashboard` (docs/api.md): sign-in and sessions, then every
/// route behind the dashboard's bearer check.
struct DashboardAPIRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to router: Router<AppRequestContext>) {
        let (configuration, now, auth) = (services.configuration, services.now, services.auth)
        DashboardAuthController(
            accounts: stores.accounts,
            sessions: stores.sessions,
            tokens: services.tokens,
            passwords: services.passwords,
            mailer: services.mailer,
            limiter: services.limiter,
            configuration: configuration
        ).addRoutes(to: router, auth: auth)
        CreditsController(credits: stores.credits).addRoutes(to: router, auth: auth)
        APIKeysController(keys: stores.apiKeys, environments: stores.environments, authenticator: services.keyAuthenticator, now: now)
            .addRoutes(to: router, auth: auth)
        WebhooksController(
            endpoints: stores.webhookEndpoints,
            outbox: stores.webhookOutbox,
            sealer: services.sealer,
            policy: services.outboundPolicy,
            dispatcher: services.dispatcher,
            limiter: services.limiter,
            now: now
        ).addRoutes(to: router, auth: auth)
        WebhookDeliveriesController(outbox: stores.webhookOutbox, dispatcher: services.dispatcher, limiter: services.limiter, now: now)
            .addDashboardRoutes(to: router, auth: auth)
        ContractsController(environments: stores.environments, provisioner: services.provisioner, sequencer: services.sequencer, now: now)
            .addRoutes(to: router, auth: auth)
        DashboardCustomersController(customers: services.customers, keys: services.keyCheck, maxScopeDays: configuration.maxScopeDays)
            .addRoutes(to: router, auth: auth)
        DashboardRecordsController(
            records: stores.records,
            recordLinks: stores.recordLinks,
            environments: stores.environments,
            links: services.links,
            now: now
        ).addRoutes(to: router, auth: auth)
    }
}
