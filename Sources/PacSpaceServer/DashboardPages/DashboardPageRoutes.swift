import Hummingbird

/// The dashboard's pages, `/app` (README, "In a browser"), on the page group: each page
/// controller over the typed queries its JSON routes answer from (``DashboardQueries``).
///
/// Every limit a page's work had behind its JSON route holds for the page: the per-user,
/// per-tenant and per-key limits live in the typed functions both call (failed logins,
/// wrong passwords, test events and retries); the per-address limit on `/dashboard/auth`
/// also wraps the sign-in and account pages, whose work is the same (bcrypt, mail, sessions).
struct DashboardPageRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to pages: RouterGroup<AppRequestContext>) {
        let (configuration, dashboard, links) = (services.configuration, services.dashboard, services.links)
        let web = WebSession(
            sessions: stores.sessions,
            publicURL: configuration.publicURL,
            lifetimeSeconds: configuration.refreshTokenSeconds,
            masterKey: services.masterKeys.first ?? [],
            now: services.now
        )
        let kit = AppPageKit(pages: services.pages, web: web)
        let signIn = pages.group().add(middleware: services.signInLimit)
        SignInPagesController(kit: kit, signIn: dashboard.signIn).addRoutes(to: signIn)
        AccountPageController(kit: kit, account: dashboard.account).addRoutes(to: signIn)
        DashboardPagesController(kit: kit, dashboard: dashboard).addRoutes(to: pages)
        KeyPagesController(kit: kit, keys: dashboard.keys).addRoutes(to: pages)
        WebhookPagesController(kit: kit, webhooks: dashboard.webhooks).addRoutes(to: pages)
        CustomerPagesController(kit: kit, customers: dashboard.customers, links: links, maxScopeDays: configuration.maxScopeDays)
            .addRoutes(to: pages)
        CheckpointPagesController(kit: kit, customers: dashboard.customers, links: links, maxScopeDays: configuration.maxScopeDays)
            .addRoutes(to: pages)
        RecordPagesController(kit: kit, records: dashboard.records, links: links).addRoutes(to: pages)
    }
}
