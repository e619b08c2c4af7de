import Foundation
import Logging
import PacSpaceCore
import PacSpaceStore

/// What more than one surface shares, built once over ``Stores``: keys and secrets, the
/// limiter and metrics, the background services (sequencer, provisioner, webhook
/// dispatcher), the writers that group-commit, and the readers of receipts and periods.
/// A surface builds what it alone uses.
struct ServerServices: Sendable {
    let configuration: ServerConfiguration
    let masterKeys: [[UInt8]]
    let sealer: KeySealer
    let passwords: Passwords
    let tokens: AccessTokens
    /// The dashboard's bearer check (`/dashboard`).
    let auth: DashboardAuthMiddleware
    let metrics: ServerMetrics
    /// One limiter for every limit, each key prefixed by what it limits; bounded in memory.
    let limiter: RateLimiter
    let mailer: Mailer
    let provisioner: Provisioner
    let sequencer: Sequencer
    let publisher: Publisher
    /// Asks the witnesses of `PACSPACE_WITNESS_POLICY` to cosign the server log; nil without a policy.
    let witnessing: Witnessing?
    let dispatcher: WebhookDispatcher
    let outboundPolicy: OutboundPolicy
    let keyAuthenticator: APIKeyAuthenticator
    /// The API-key check and its per-key limit (`/api/v1/balance`, `/api/v1/records`).
    let keyCheck: APIKeyMiddleware
    let operatorToken: OperatorToken
    let receipts: ReceiptReader
    let periodReceipts: PeriodReceipts
    let seals: PeriodSeals
    let links: VerifyLinks
    let policy: WritePolicy
    let ingest: IngestWriter
    let recordWriter: RecordWriter
    let verification: PublicVerification
    /// An environment's webhook delivery log, for keys and dashboard users alike.
    let deliveries: WebhookDeliveries
    /// The dashboard's typed queries: its JSON routes and its pages call these.
    let dashboard: DashboardQueries
    let assets: AssetCatalog
    let pages: PageTemplates
    let now: @Sendable () -> Int64

    /// What can fail, made before the database is opened (so an open database is never
    /// left unclosed by a failure after it): the secrets and what they key, the password
    /// hasher, the page templates.
    struct Prerequisites: Sendable {
        let masterKeys: [[UInt8]]
        let jwtSecrets: [[UInt8]]
        let sealer: KeySealer
        let passwords: Passwords
        let assets: AssetCatalog
        let pages: PageTemplates

        init(configuration: ServerConfiguration, logger: Logger) async throws {
            let directory = configuration.dataDirectory
            try FileManager.default.createDirectory(
                atPath: (directory as NSString).appendingPathComponent("outbox"),
                withIntermediateDirectories: true
            )
            masterKeys =
                configuration.masterKeys.isEmpty
                ? try ServerConfiguration.secretRing(.master, in: directory, logger: logger) : configuration.masterKeys
            jwtSecrets =
                configuration.jwtSecrets.isEmpty ? try ServerConfiguration.secretRing(.jwt, in: directory, logger: logger) : configuration.jwtSecrets
            sealer = try KeySealer(masterKeys: masterKeys)
            passwords = try await Passwords(cost: configuration.bcryptCost, threads: configuration.passwordThreads ?? Passwords.threads)
            assets = AssetCatalog()
            pages = try PageTemplates(assets: assets)
        }
    }

    init(_ prepared: Prerequisites, configuration: ServerConfiguration, stores: Stores, logger: Logger) async {
        let now = configuration.now
        self.configuration = configuration
        self.now = now
        (masterKeys, sealer, passwords, assets, pages) = (prepared.masterKeys, prepared.sealer, prepared.passwords, prepared.assets, prepared.pages)
        tokens = await AccessTokens(secrets: prepared.jwtSecrets, issuer: configuration.publicURL, lifetimeSeconds: configuration.accessTokenSeconds)
        auth = DashboardAuthMiddleware(tokens: tokens, sessions: stores.sessions, now: now)
        let metrics = ServerMetrics()
        self.metrics = metrics
        limiter = RateLimiter(refused: { metrics.rateLimited($0) })
        mailer = Mailer(
            transport: configuration.mailTransport,
            outbox: (configuration.dataDirectory as NSString).appendingPathComponent("outbox"),
            from: "PacSpace <no-reply@\(configuration.originHost)>",
            logger: logger,
            now: now
        )
        provisioner = Provisioner(
            environments: stores.environments,
            sealer: prepared.sealer,
            originHost: configuration.originHost,
            logger: logger,
            now: now
        )
        let sequencer = Sequencer(
            log: stores.log,
            environments: stores.environments,
            sealer: prepared.sealer,
            witnessDirectory: (configuration.dataDirectory as NSString).appendingPathComponent("witness"),
            interval: configuration.sequencerInterval,
            metrics: metrics,
            logger: logger,
            now: now
        )
        self.sequencer = sequencer
        witnessing = configuration.witnessPolicy.map { policy in
            Witnessing(
                store: stores.serverLog,
                policy: policy,
                interval: configuration.publishInterval,
                metrics: metrics,
                logger: logger,
                now: now
            )
        }
        publisher = Publisher(
            store: stores.serverLog,
            witnessing: witnessing,
            sealer: prepared.sealer,
            origin: configuration.originHost + "/api/v1/server-log",
            interval: configuration.publishInterval,
            logger: logger,
            now: now
        )
        outboundPolicy = OutboundPolicy(allowedHosts: configuration.webhookAllowedHosts)
        dispatcher = WebhookDispatcher(
            outbox: stores.webhookOutbox,
            client: OutboundClient(policy: outboundPolicy),
            sealer: prepared.sealer,
            schedule: configuration.webhookSchedule,
            accounts: stores.accounts,
            mailer: mailer,
            metrics: metrics,
            logger: logger,
            now: now
        )
        keyAuthenticator = APIKeyAuthenticator(keys: stores.apiKeys, environments: stores.environments, logger: logger, now: now)
        keyCheck = APIKeyMiddleware(authenticator: keyAuthenticator, limiter: limiter, limits: configuration.rateLimits, now: now)
        operatorToken = OperatorToken(configuration.metricsToken, limiter: limiter, limits: configuration.rateLimits, now: now)
        receipts = ReceiptReader(log: stores.log, serverLog: stores.serverLog)
        links = VerifyLinks(publicURL: configuration.publicURL, masterKeys: prepared.masterKeys)
        periodReceipts = PeriodReceipts(deltas: stores.deltas, checkpoints: stores.checkpoints, links: links)
        seals = PeriodSeals(
            checkpoints: stores.checkpoints,
            deltas: stores.deltas,
            receipts: receipts,
            sequencer: sequencer,
            maxScopeDays: configuration.maxScopeDays,
            now: now
        )
        policy = WritePolicy(
            sequencer: sequencer,
            maxBacklog: configuration.maxBacklog,
            costPerEntry: configuration.creditsPerDelta.micros,
            creditsLowThreshold: configuration.creditsLowThreshold.micros
        )
        ingest = IngestWriter(DeltaCommits(deltas: stores.deltas, metrics: metrics), logger: logger, now: now, committed: sequencer.committed)
        recordWriter = RecordWriter(RecordCommits(records: stores.records), logger: logger, now: now, committed: sequencer.committed)
        deliveries = WebhookDeliveries(outbox: stores.webhookOutbox, dispatcher: dispatcher, limiter: limiter, now: now)
        dashboard = DashboardQueries(
            stores: stores,
            configuration: configuration,
            tokens: tokens,
            passwords: passwords,
            mailer: mailer,
            limiter: limiter,
            provisioner: provisioner,
            sequencer: sequencer,
            keyAuthenticator: keyAuthenticator,
            sealer: sealer,
            outboundPolicy: outboundPolicy,
            dispatcher: dispatcher,
            deliveries: deliveries,
            periodReceipts: periodReceipts,
            seals: seals
        )
        verification = PublicVerification(
            environments: stores.environments,
            deltas: stores.deltas,
            checkpoints: stores.checkpoints,
            records: stores.records,
            receipts: receipts,
            witnessPolicy: configuration.witnessPolicy,
            serverLog: stores.serverLog
        )
    }

    /// The limit on pages and other routes read without a key, per client address.
    var pageLimit: RouteRateLimit { RouteRateLimit(limiter: limiter, policy: configuration.rateLimits.pages, now: now) }

    /// The limit on signing up and in, per client address: the `/dashboard/auth` routes and
    /// the sign-in pages that call the same functions.
    var signInLimit: RouteRateLimit { RouteRateLimit(limiter: limiter, policy: configuration.rateLimits.authRoutes, now: now) }
}
