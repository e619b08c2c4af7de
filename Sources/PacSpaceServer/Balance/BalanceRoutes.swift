import Hummingbird

/// The Balance API, `/api/v1/balance` (docs/api.md): one group behind the API-key check.
struct BalanceRoutes {
    let stores: Stores
    let services: ServerServices

    func add(to router: Router<AppRequestContext>) {
        let (configuration, now) = (services.configuration, services.now)
        let days = configuration.maxScopeDays
        let group = router.group("api/v1/balance").add(middleware: services.keyCheck)
        DeltaController(
            writer: services.ingest,
            deltas: stores.deltas,
            idempotency: IdempotencyGate(deltas: stores.deltas, now: now),
            receipts: services.receipts,
            policy: services.policy
        ).addRoutes(to: group)
        DeriveController(deltas: stores.deltas, checkpoints: stores.checkpoints, maxScopeDays: days, now: now).addRoutes(to: group)
        CompareController(deltas: stores.deltas, checkpoints: stores.checkpoints, maxScopeDays: days, now: now).addRoutes(to: group)
        LimitsController(maxScopeDays: days, maxBacklog: configuration.maxBacklog).addRoutes(to: group)
        CheckpointController(seals: services.seals, maxScopeDays: days, now: now).addRoutes(to: group)
        CustomersController(
            deltas: stores.deltas,
            checkpoints: stores.checkpoints,
            credits: stores.credits,
            creditsPerDelta: configuration.creditsPerDelta,
            receipts: services.receipts,
            maxScopeDays: days,
            now: now
        ).addRoutes(to: group)
        ReceiptController(receipts: services.periodReceipts, maxScopeDays: days, now: now).addRoutes(to: group)
        WebhookDeliveriesController(deliveries: services.deliveries).addRoutes(to: group)
    }
}
