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

/// Builds the whole server: the stores over one database, the services they share, and
/// each surface's routes (each wired in its own folder: `BalanceRoutes`, `RecordsRoutes`,
/// `DashboardAPIRoutes`, `DashboardPageRoutes`, `PublicLogRoutes`, `OperatorRoutes`).
public func buildApplication(_ configuration: ServerConfiguration, logger: Logger) async throws -> PacSpaceApplication {
    try DataDirectory.secure(configuration.dataDirectory)
    let prepared = try await ServerServices.Prerequisites(configuration: configuration, logger: logger)
    // Opened last: nothing below can fail, so an open connection is never left unclosed.
    let database = try await openDatabase(configuration, logger: logger)
    let stores = Stores(database: database, configuration: configuration)
    let services = await ServerServices(prepared, configuration: configuration, stores: stores, logger: logger)

    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    // Router middleware wraps only routes added after it, so it comes first.
    router.middlewares.add(RequestIDMiddleware())
    router.middlewares.add(HTTPMetricsMiddleware(metrics: services.metrics))
    router.middlewares.add(SecurityHeadersMiddleware(embedOrigins: configuration.embedOrigins))
    router.middlewares.add(CrossOriginMiddleware(allowed: configuration.corsOrigins))
    router.middlewares.add(ErrorMiddleware(routes: routes))
    router.middlewares.add(ClientAddressMiddleware(trusted: configuration.trustedProxies))
    OperatorRoutes(stores: stores, services: services).add(to: router)
    BalanceRoutes(stores: stores, services: services).add(to: router)
    DashboardAPIRoutes(stores: stores, services: services).add(to: router)
    services.assets.addRoutes(to: router)
    // Every page: errors as pages, limited per client address.
    let pages = router.group().add(middleware: PageErrorMiddleware(pages: services.pages, routes: routes)).add(middleware: services.pageLimit)
    RecordsRoutes(stores: stores, services: services).add(to: router, pages: pages)
    PublicLogRoutes(stores: stores, services: services).add(to: router, pages: pages)
    DashboardPageRoutes(stores: stores, services: services).add(to: pages)
    let registered = router.routes.map { (path: String(describing: $0.path), method: $0.method) }
    routes.set(registered)

    let peers = PeerConnections(
        limit: configuration.maxConnectionsPerAddress ?? max(16, configuration.maxConnections / 8),
        trusted: configuration.trustedProxies
    )
    var app = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [peers.handler(), RequestDeadline(limit: TimeAmount(configuration.httpRequestTimeout))],
                idleTimeout: TimeAmount(configuration.httpIdleTimeout)
            )
        ),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "PacSpace",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)
        ),
        services: [
            database, services.provisioner, services.sequencer, services.publisher, services.dispatcher, services.keyAuthenticator,
            IdempotencyPurge(deltas: stores.deltas, logger: logger, now: configuration.now),
        ] + (services.witnessing.map { [$0] } ?? []),
        logger: logger
    )
    app.beforeServerStarts { try await prepare(database, services: services, logger: logger) }
    return PacSpaceApplication(application: app, routes: registered.map { "\($0.method.rawValue) \($0.path)" })
}

/// Before the server answers: the migrations, values sealed before sealing named their row
/// sealed again, and the background services woken for work left from before.
private func prepare(_ database: Database, services: ServerServices, logger: Logger) async throws {
    let configuration = services.configuration
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
    // Only those: re-sealing under a new key is `pacspace keys reseal`, run once every server holds that key.
    let resealed = try await SealedValues(database: database).reseal(with: services.sealer, .legacy)
    if resealed.sealedAgain > 0 {
        logger.notice("sealed values bound to their rows", metadata: ["values": .stringConvertible(resealed.sealedAgain)])
    }
    if !resealed.unopened.isEmpty {
        logger.error("sealed values no master key opens; left as they were", metadata: ["values": .string(resealed.unopened.joined(separator: ", "))])
    }
    services.provisioner.wake()
    services.sequencer.wake()
    services.publisher.wake()
    services.witnessing?.wake()
    services.dispatcher.wake()
}
