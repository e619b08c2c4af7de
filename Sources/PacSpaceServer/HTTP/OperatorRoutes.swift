import Hummingbird

/// What operators and tools read: `/healthz`, `/readyz`, `/metrics` and `/openapi.json`.
struct OperatorRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to router: Router<AppRequestContext>) {
        let now = services.now
        OpenAPIController(publicURL: services.configuration.publicURL).addRoutes(to: router)
        HealthController(
            database: stores.database,
            sequencer: services.sequencer,
            dispatcher: services.dispatcher,
            serverLog: stores.serverLog,
            token: services.operatorToken,
            now: now
        ).addRoutes(to: router)
        MetricsController(
            metrics: services.metrics,
            token: services.operatorToken,
            sequencer: services.sequencer,
            dispatcher: services.dispatcher,
            outbox: stores.webhookOutbox,
            serverLog: stores.serverLog,
            now: now
        ).addRoutes(to: router)
    }
}
