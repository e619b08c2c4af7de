import Hummingbird

/// The Records API, `/api/v1/records` (docs/records.md), one group behind the API-key check;
/// and Shared Record links, `/api/v1/c` and their page, read without a key and limited per
/// address as pages are.
struct RecordsRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to router: Router<AppRequestContext>, pages: RouterGroup<AppRequestContext>) {
        let (configuration, now) = (services.configuration, services.now)
        let group = router.group("api/v1/records").add(middleware: services.keyCheck)
        let readers = RecordReaders(records: stores.records, environments: stores.environments, keys: stores.recordKeys, now: now)
        RecordsController(
            records: stores.records,
            writer: services.recordWriter,
            receipts: services.receipts,
            links: services.links,
            readers: readers,
            policy: services.policy,
            now: now
        ).addRoutes(to: group)
        RecordGrants(records: stores.records, readers: readers, keys: stores.recordKeys, now: now).addRoutes(to: group)
        RecordLinksController(
            records: stores.records,
            links: stores.recordLinks,
            keys: stores.recordKeys,
            passwords: services.passwords,
            publicURL: configuration.publicURL,
            now: now
        ).addRoutes(to: group)
        RecordKeysController(keys: stores.recordKeys, now: now).addRoutes(to: group)
        let shared = SharedRecordController(
            links: stores.recordLinks,
            records: stores.records,
            environments: stores.environments,
            receipts: services.receipts,
            passwords: services.passwords,
            limiter: services.limiter,
            limits: configuration.rateLimits,
            secureCookies: configuration.publicURL.lowercased().hasPrefix("https://"),
            now: now
        )
        shared.addRoutes(to: router.group("api/v1/c").add(middleware: services.pageLimit))
        shared.addPage(to: pages, pages: services.pages, publicURL: configuration.publicURL)
    }
}
