import Hummingbird

/// The dashboard's JSON API, `/dashboard` (docs/api.md): sign-in and sessions, then every
/// route behind the dashboard's bearer check; each controller over its typed queries
/// (``DashboardQueries``).
struct DashboardAPIRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to router: Router<AppRequestContext>) {
        let (dashboard, auth) = (services.dashboard, services.auth)
        DashboardAuthController(signIn: dashboard.signIn, account: dashboard.account, routeLimit: services.signInLimit)
            .addRoutes(to: router, auth: auth)
        CreditsController(account: dashboard.account).addRoutes(to: router, auth: auth)
        APIKeysController(keys: dashboard.keys).addRoutes(to: router, auth: auth)
        WebhooksController(webhooks: dashboard.webhooks).addRoutes(to: router, auth: auth)
        ContractsController(environments: dashboard.environments).addRoutes(to: router, auth: auth)
        DashboardCustomersController(customers: dashboard.customers, keys: services.keyCheck, maxScopeDays: services.configuration.maxScopeDays)
            .addRoutes(to: router, auth: auth)
        DashboardRecordsController(records: dashboard.records, links: services.links).addRoutes(to: router, auth: auth)
    }
}
