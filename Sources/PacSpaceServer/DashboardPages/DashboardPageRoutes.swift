import Hummingbird

/// The dashboard's pages, `/app` (README, "In a browser"), on the page group.
struct DashboardPageRoutes {
    let stores: Stores
    let services: ServerServices
    /// How the pages reach the JSON API today: in process (``InProcessAPI``).
    let api: InProcessAPI

    func add(to pages: RouterGroup<AppRequestContext>) {
        let configuration = services.configuration
        let web = WebSession(
            sessions: stores.sessions,
            tokens: services.tokens,
            publicURL: configuration.publicURL,
            lifetimeSeconds: configuration.refreshTokenSeconds,
            masterKey: services.masterKeys.first ?? [],
            now: services.now
        )
        let kit = AppPageKit(pages: services.pages, web: web, api: api)
        let links = services.links
        SignInPagesController(kit: kit).addRoutes(to: pages)
        DashboardPagesController(kit: kit).addRoutes(to: pages)
        KeyPagesController(kit: kit).addRoutes(to: pages)
        WebhookPagesController(kit: kit).addRoutes(to: pages)
        AccountPageController(kit: kit).addRoutes(to: pages)
        CustomerPagesController(kit: kit, customers: services.customers, links: links, maxScopeDays: configuration.maxScopeDays)
            .addRoutes(to: pages)
        CheckpointPagesController(kit: kit, customers: services.customers, links: links, maxScopeDays: configuration.maxScopeDays)
            .addRoutes(to: pages)
        RecordPagesController(kit: kit, links: links).addRoutes(to: pages)
    }
}
