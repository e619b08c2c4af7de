import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle

/// Opens the database configured in `configuration` (creating the data directory).
public func openDatabase(_ configuration: ServerConfiguration, logger: Logger) async throws -> Database {
    try DataDirectory.secure(configuration.dataDirectory)
    if let url = configuration.databaseURL {
        logger.info("using PostgreSQL", metadata: ["pool": .stringConvertible(configuration.postgresConnections)])
        return try Database.postgres(url: url, maximumConnections: configuration.postgresConnections, logger: logger)
    }
    let path = (configuration.dataDirectory as NSString).appendingPathComponent("pacspace.sqlite")
    logger.info("using SQLite", metadata: ["file": .string(path)])
    return try await Database.sqlite(path: path, logger: logger)
}

/// The built server: the Hummingbird application and the routes it answers.
public struct PacSpaceApplication {
    public let application: Application<RouterResponder<AppRequestContext>>
    /// Every registered route as `METHOD /path/:param`.
    public let routes: [String]
}

/// Builds the whole server: database, migrations, routes, background services.
public func buildApplication(_ configuration: ServerConfiguration, logger: Logger) async throws -> PacSpaceApplication {
    try DataDirectory.secure(configuration.dataDirectory)
    let outbox = (configuration.dataDirectory as NSString).appendingPathComponent("outbox")
    try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
    let masterKeys =
        configuration.masterKeys.isEmpty
        ? try ServerConfiguration.secretRing(.master, in: configuration.dataDirectory, logger: logger) : configuration.masterKeys
    let jwtSecrets =
        configuration.jwtSecrets.isEmpty
        ? try ServerConfiguration.secretRing(.jwt, in: configuration.dataDirectory, logger: logger) : configuration.jwtSecrets

    let sealer = try KeySealer(masterKeys: masterKeys)
    let passwords = try await Passwords(cost: configuration.bcryptCost, threads: configuration.passwordThreads ?? Passwords.threads)
    // Opened last: nothing below can fail, so an open connection is never left unclosed.
    let database = try await openDatabase(configuration, logger: logger)
    let accounts = AccountStore(database: database)
    let environments = EnvironmentStore(database: database)
    let sessions = SessionStore(database: database)
    let tokens = await AccessTokens(secrets: jwtSecrets, issuer: configuration.publicURL, lifetimeSeconds: configuration.accessTokenSeconds)
    let provisioner = Provisioner(
        environments: environments,
        sealer: sealer,
        originHost: configuration.originHost,
        logger: logger,
        now: configuration.now
    )
    let auth = DashboardAuthMiddleware(tokens: tokens, sessions: sessions, now: configuration.now)

    let metrics = ServerMetrics()
    let router = Router(context: AppRequestContext.self)
    // Router middleware wraps only routes added after it, so it comes first.
    let routes = RouteTable()
    router.middlewares.add(RequestIDMiddleware())
    router.middlewares.add(HTTPMetricsMiddleware(metrics: metrics))
    router.middlewares.add(SecurityHeadersMiddleware(embedOrigins: configuration.embedOrigins))
    router.middlewares.add(CrossOriginMiddleware(allowed: configuration.corsOrigins))
    router.middlewares.add(ErrorMiddleware(routes: routes))
    router.middlewares.add(ClientAddressMiddleware(trusted: configuration.trustedProxies))
    // One limiter for every limit, each key prefixed by what it limits; bounded in memory.
    let limiter = RateLimiter(refused: { metrics.rateLimited($0) })
    OpenAPIController(publicURL: configuration.publicURL).addRoutes(to: router)
    let mailer = Mailer(
        transport: configuration.mailTransport,
        outbox: outbox,
        from: "PacSpace <no-reply@\(configuration.originHost)>",
        logger: logger,
        now: configuration.now
    )
    DashboardAuthController(
        accounts: accounts,
        sessions: sessions,
        tokens: tokens,
        passwords: passwords,
        mailer: mailer,
        limiter: limiter,
        configuration: configuration
    ).addRoutes(to: router, auth: auth)
    let credits = CreditStore(database: database)
    CreditsController(credits: credits).addRoutes(to: router, auth: auth)
    let apiKeys = APIKeyStore(database: database)
    let keyAuthenticator = APIKeyAuthenticator(keys: apiKeys, environments: environments, logger: logger)
    APIKeysController(keys: apiKeys, environments: environments, authenticator: keyAuthenticator, now: configuration.now)
        .addRoutes(to: router, auth: auth)

    let webhookOutbox = WebhookOutbox(database: database)
    let outboundPolicy = OutboundPolicy(allowedHosts: configuration.webhookAllowedHosts)
    let dispatcher = WebhookDispatcher(
        outbox: webhookOutbox,
        client: WebhookClient(policy: outboundPolicy),
        sealer: sealer,
        schedule: configuration.webhookSchedule,
        accounts: accounts,
        mailer: mailer,
        metrics: metrics,
        logger: logger,
        now: configuration.now
    )
    WebhooksController(
        endpoints: WebhookEndpointStore(database: database),
        outbox: webhookOutbox,
        sealer: sealer,
        policy: outboundPolicy,
        dispatcher: dispatcher,
        limiter: limiter,
        now: configuration.now
    ).addRoutes(to: router, auth: auth)

    let log = LogStore(database: database)
    let deltas = DeltaStore(database: database, idempotencyLifetimeMillis: Int64(configuration.idempotencyDays) * 86_400_000)
    let checkpoints = CheckpointStore(database: database)
    let records = RecordStore(database: database)
    let receipts = ReceiptReader(log: log)
    let sequencer = Sequencer(
        log: log,
        environments: environments,
        sealer: sealer,
        witnessDirectory: (configuration.dataDirectory as NSString).appendingPathComponent("witness"),
        interval: configuration.sequencerInterval,
        metrics: metrics,
        logger: logger,
        now: configuration.now
    )
    let operatorToken = OperatorToken(configuration.metricsToken, limiter: limiter, limits: configuration.rateLimits, now: configuration.now)
    HealthController(database: database, sequencer: sequencer, dispatcher: dispatcher, token: operatorToken, now: configuration.now)
        .addRoutes(to: router)
    MetricsController(
        metrics: metrics,
        token: operatorToken,
        sequencer: sequencer,
        dispatcher: dispatcher,
        outbox: webhookOutbox,
        now: configuration.now
    ).addRoutes(to: router)
    ContractsController(environments: environments, provisioner: provisioner, sequencer: sequencer, now: configuration.now)
        .addRoutes(to: router, auth: auth)
    let writer = IngestWriter(
        deltas: deltas,
        metrics: metrics,
        logger: logger,
        now: configuration.now,
        committed: { queued in
            for (environmentID, count) in queued { sequencer.queued(count, in: environmentID) }
            sequencer.wake()
        }
    )
    let policy = WritePolicy(
        sequencer: sequencer,
        maxBacklog: configuration.maxBacklog,
        costPerEntry: configuration.creditsPerDelta.micros,
        creditsLowThreshold: configuration.creditsLowThreshold.micros
    )
    let keyCheck = APIKeyMiddleware(authenticator: keyAuthenticator, limiter: limiter, limits: configuration.rateLimits, now: configuration.now)
    let balance = router.group("api/v1/balance").add(middleware: keyCheck)
    DeltaController(
        writer: writer,
        deltas: deltas,
        idempotency: IdempotencyGate(deltas: deltas, now: configuration.now),
        receipts: receipts,
        policy: policy
    )
    .addRoutes(to: balance)
    DeriveController(deltas: deltas, checkpoints: checkpoints, maxScopeDays: configuration.maxScopeDays, now: configuration.now).addRoutes(
        to: balance
    )
    CompareController(deltas: deltas, checkpoints: checkpoints, maxScopeDays: configuration.maxScopeDays, now: configuration.now).addRoutes(
        to: balance
    )
    LimitsController(maxScopeDays: configuration.maxScopeDays, maxBacklog: configuration.maxBacklog).addRoutes(to: balance)
    let seals = PeriodSeals(
        checkpoints: checkpoints,
        deltas: deltas,
        receipts: receipts,
        sequencer: sequencer,
        maxScopeDays: configuration.maxScopeDays,
        now: configuration.now
    )
    let links = VerifyLinks(publicURL: configuration.publicURL, masterKeys: masterKeys)
    let periodReceipts = PeriodReceipts(deltas: deltas, checkpoints: checkpoints, links: links)
    CheckpointController(seals: seals, maxScopeDays: configuration.maxScopeDays, now: configuration.now).addRoutes(to: balance)
    DashboardCustomersController(
        deltas: deltas,
        environments: environments,
        keys: keyCheck,
        receipts: periodReceipts,
        seals: seals,
        maxScopeDays: configuration.maxScopeDays,
        now: configuration.now
    ).addRoutes(to: router, auth: auth)
    CustomersController(
        deltas: deltas,
        checkpoints: checkpoints,
        credits: credits,
        creditsPerDelta: configuration.creditsPerDelta,
        receipts: receipts,
        maxScopeDays: configuration.maxScopeDays,
        now: configuration.now
    ).addRoutes(to: balance)
    ReceiptController(receipts: periodReceipts, maxScopeDays: configuration.maxScopeDays, now: configuration.now).addRoutes(to: balance)
    let recordLinks = RecordLinkStore(database: database)
    DashboardRecordsController(records: records, recordLinks: recordLinks, environments: environments, links: links, now: configuration.now)
        .addRoutes(to: router, auth: auth)
    let recordKeys = RecordKeyStore(database: database)
    let readers = RecordReaders(records: records, environments: environments, keys: recordKeys, now: configuration.now)
    RecordsController(
        records: records,
        writer: RecordWriter(records: records, now: configuration.now) { queued in
            for (environmentID, count) in queued { sequencer.queued(count, in: environmentID) }
            sequencer.wake()
        },
        receipts: receipts,
        links: links,
        readers: readers,
        policy: policy,
        now: configuration.now
    )
    .addRoutes(to: router.group("api/v1/records").add(middleware: keyCheck))
    RecordGrants(records: records, readers: readers, keys: recordKeys, now: configuration.now)
        .addRoutes(to: router.group("api/v1/records").add(middleware: keyCheck))
    RecordLinksController(
        records: records,
        links: recordLinks,
        keys: recordKeys,
        passwords: passwords,
        publicURL: configuration.publicURL,
        now: configuration.now
    )
    .addRoutes(to: router.group("api/v1/records").add(middleware: keyCheck))
    // Shared Record links are read without a key: limited per address like the pages.
    let sharedRecords = SharedRecordController(
        links: recordLinks,
        records: records,
        environments: environments,
        receipts: receipts,
        passwords: passwords,
        limiter: limiter,
        limits: configuration.rateLimits,
        secureCookies: configuration.publicURL.lowercased().hasPrefix("https://"),
        now: configuration.now
    )
    sharedRecords.addRoutes(
        to: router.group("api/v1/c").add(
            middleware: RouteRateLimit(limiter: limiter, policy: configuration.rateLimits.pages, now: configuration.now)
        )
    )
    RecordKeysController(keys: recordKeys, now: configuration.now)
        .addRoutes(to: router.group("api/v1/records").add(middleware: keyCheck))
    let deliveries = WebhookDeliveriesController(outbox: webhookOutbox, dispatcher: dispatcher, limiter: limiter, now: configuration.now)
    deliveries.addRoutes(to: balance)
    deliveries.addDashboardRoutes(to: router, auth: auth)
    LogController(environments: environments, log: log, deltas: deltas, receipts: receipts).addRoutes(to: router)
    let verification = PublicVerification(
        environments: environments,
        deltas: deltas,
        checkpoints: checkpoints,
        records: records,
        receipts: receipts
    )
    VerifyController(verification: verification).addRoutes(to: router)

    let assets = AssetCatalog()
    assets.addRoutes(to: router)
    let pages = try PageTemplates(assets: assets)
    let pageRoutes = router.group().add(middleware: PageErrorMiddleware(pages: pages, routes: routes))
        .add(middleware: RouteRateLimit(limiter: limiter, policy: configuration.rateLimits.pages, now: configuration.now))
    VerifyPageController(verification: verification, links: links, pages: pages, maxScopeDays: configuration.maxScopeDays, now: configuration.now)
        .addRoutes(to: pageRoutes)
    sharedRecords.addPage(to: pageRoutes, pages: pages, publicURL: configuration.publicURL)
    // The dashboard pages: a client of the API above, in process (Web/InProcessAPI.swift).
    let inProcess = InProcessAPI()
    let web = WebSession(
        sessions: sessions,
        tokens: tokens,
        publicURL: configuration.publicURL,
        lifetimeSeconds: configuration.refreshTokenSeconds,
        masterKey: masterKeys.first ?? [],
        now: configuration.now
    )
    let kit = AppPageKit(pages: pages, web: web, api: inProcess)
    SignInPagesController(kit: kit).addRoutes(to: pageRoutes)
    DashboardPagesController(kit: kit).addRoutes(to: pageRoutes)
    KeyPagesController(kit: kit).addRoutes(to: pageRoutes)
    WebhookPagesController(kit: kit).addRoutes(to: pageRoutes)
    AccountPageController(kit: kit).addRoutes(to: pageRoutes)
    CustomerPagesController(kit: kit, links: links).addRoutes(to: pageRoutes)
    CheckpointPagesController(kit: kit, links: links).addRoutes(to: pageRoutes)
    RecordPagesController(kit: kit, links: links).addRoutes(to: pageRoutes)

    let registered = router.routes.map { (path: String(describing: $0.path), method: $0.method) }
    routes.set(registered)
    inProcess.set(router.buildResponder())

    let requestTimeout = TimeAmount(configuration.httpRequestTimeout)
    let peers = PeerConnections(
        limit: configuration.maxConnectionsPerAddress ?? max(16, configuration.maxConnections / 8),
        trusted: configuration.trustedProxies
    )
    var app = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [peers.handler(), RequestDeadline(limit: requestTimeout)],
                idleTimeout: TimeAmount(configuration.httpIdleTimeout)
            )
        ),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "PacSpace",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)
        ),
        services: [
            database, provisioner, sequencer, dispatcher,
            IdempotencyPurge(deltas: deltas, logger: logger, now: configuration.now),
        ],
        logger: logger
    )
    app.beforeServerStarts {
        let applied: Int
        do {
            applied = try await Migrations.apply(to: database, logger: logger, now: configuration.now())
        } catch {
            throw ConfigurationError("cannot prepare the database (\(configuration.databaseDescription)): \(error)")
        }
        logger.info(
            "database ready",
            metadata: ["migrationsApplied": .stringConvertible(applied), "schemaVersion": .stringConvertible(Migrations.latestVersion)]
        )
        // Values sealed before sealing named their row are sealed again, bound to it. Only
        // those: re-sealing under a new key is `pacspace keys reseal`, run once every server
        // holds that key.
        let resealed = try await SealedValues(database: database).reseal(with: sealer, .legacy)
        if resealed.sealedAgain > 0 {
            logger.notice("sealed values bound to their rows", metadata: ["values": .stringConvertible(resealed.sealedAgain)])
        }
        if !resealed.unopened.isEmpty {
            logger.error(
                "sealed values no master key opens; left as they were",
                metadata: ["values": .string(resealed.unopened.joined(separator: ", "))]
            )
        }
        provisioner.wake()
        sequencer.wake()
        dispatcher.wake()
    }
    return PacSpaceApplication(application: app, routes: registered.map { "\($0.method.rawValue) \($0.path)" })
}
