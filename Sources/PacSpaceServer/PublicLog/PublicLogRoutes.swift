import Hummingbird

/// The public log and verification, `/api/v1/log` and `/api/v1/verify` (docs/verification.md),
/// and the verification pages, `/verify`: read by anyone, without an account.
struct PublicLogRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to router: Router<AppRequestContext>, pages: RouterGroup<AppRequestContext>) {
        LogController(environments: stores.environments, log: stores.log, deltas: stores.deltas, receipts: services.receipts)
            .addRoutes(to: router)
        ServerLogController(store: stores.serverLog, publicURL: services.configuration.publicURL, interval: services.configuration.publishInterval)
            .addRoutes(to: router)
        VerifyController(verification: services.verification).addRoutes(to: router)
        VerifyPageController(
            verification: services.verification,
            links: services.links,
            pages: services.pages,
            maxScopeDays: services.configuration.maxScopeDays,
            now: services.now
        ).addRoutes(to: pages)
    }
}
