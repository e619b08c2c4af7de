import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle

/// Delivers the webhook outbox (api.md §7): claims due deliveries (a lease, so servers
/// sharing a database do not send one twice), posts them signed, records each attempt,
/// and schedules failures again on the ``RetrySchedule``. An endpoint failing for the
/// whole retry window is disabled and its owners are mailed.
///
/// Work lives in the database, so a restart loses nothing; a delivery whose server died
/// mid-attempt is sent again once its lease expires (at least once: receivers
/// deduplicate by `X-Event-ID`).
final class WebhookDispatcher: Service {
    /// Deliveries claimed per round, and sent at once.
    static let batchLimit = 32
    /// At most this many of a round's deliveries go to one endpoint.
    static let perEndpoint = 8
    /// Longer than the 10 s attempt timeout: a lease outlives its attempt.
    static let leaseMillis: Int64 = 60_000

    private let outbox: WebhookOutbox
    private let client: WebhookClient
    private let sealer: KeySealer
    private let schedule: RetrySchedule
    private let accounts: AccountStore
    private let mailer: Mailer
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let wakeups: Wakeups

    init(outbox: WebhookOutbox, client: WebhookClient, sealer: KeySealer, schedule: RetrySchedule, accounts: AccountStore,
         mailer: Mailer, logger: Logger, now: @escaping @Sendable () -> Int64, pollInterval: Duration = .milliseconds(500)) {
        self.outbox = outbox
        self.client = client
        self.sealer = sealer
        self.schedule = schedule
        self.accounts = accounts
        self.mailer = mailer
        self.logger = logger
        self.now = now
        self.wakeups = Wakeups(pollInterval: pollInterval)
    }

    /// Asks for due deliveries to be sent now (new events, a manual retry).
    func wake() { wakeups.wake() }

    func run() async throws {
        await withGracefulShutdownHandler {
            await wakeups.run { while await self.deliverDue() > 0 {} }
        } onGracefulShutdown: {
            self.wakeups.finish()
        }
    }

    /// One round: claims up to ``batchLimit`` due deliveries and sends them concurrently.
    /// Returns how many were claimed.
    func deliverDue() async -> Int {
        let due: [DueDelivery]
        do {
            due = try await outbox.claimDue(now: now(), limit: Self.batchLimit, perEndpoint: Self.perEndpoint, leaseMillis: Self.leaseMillis)
        } catch {
            if !Task.isCancelled { logger.error("cannot read the webhook outbox", metadata: ["error": .string("\(error)")]) }
            return 0
        }
        await withDiscardingTaskGroup { group in
            for delivery in due { group.addTask { await self.deliver(delivery) } }
        }
        return due.count
    }

    private func deliver(_ delivery: DueDelivery) async {
        let outcome = await attempt(delivery)
        let finished = now()
        var generator = SystemRandomNumberGenerator()
        let next = outcome.succeeded ? nil
            : schedule.nextAttempt(afterFailures: delivery.attempts + 1, createdAt: delivery.createdAt, now: finished, using: &generator)
        let metadata: Logger.Metadata = [
            "eventId": .string(delivery.eventID), "endpointId": .string(delivery.endpointID), "event": .string(delivery.type),
            "attempt": .stringConvertible(delivery.attempts + 1), "latencyMs": .stringConvertible(outcome.latencyMillis),
        ]
        if outcome.succeeded {
            logger.debug("webhook delivered", metadata: metadata)
        } else {
            logger.info("webhook attempt failed", metadata: metadata.merging([
                "error": .string(outcome.error ?? "-"), "retry": .string(next.map { Timestamp.iso8601(millis: $0) } ?? "given up"),
            ]) { $1 })
        }
        do {
            if let disabled = try await outbox.record(delivery, outcome, nextAttempt: next, disableAfter: schedule.window, now: finished) {
                logger.warning("webhook endpoint disabled", metadata: ["endpointId": .string(disabled.id)])
                await notify(disabled)
            }
        } catch {
            // The lease expires and the delivery is attempted again: at least once.
            logger.error("cannot record a webhook attempt", metadata: metadata.merging(["error": .string("\(error)")]) { $1 })
        }
    }

    /// Signs and posts one delivery.
    private func attempt(_ delivery: DueDelivery) async -> AttemptOutcome {
        let target: WebhookTarget
        var secrets: [String]
        do {
            target = try WebhookTarget(delivery.url)
            secrets = [try open(delivery.sealedSecret)]
            if let previous = delivery.sealedPreviousSecret, let until = delivery.previousExpiresAt, until > now() {
                secrets.append(try open(previous))
            }
        } catch {
            return AttemptOutcome(statusCode: nil, latencyMillis: 0, error: "cannot prepare the delivery: \(error)")
        }
        let body = Array(delivery.body.utf8)
        let timestamp = now() / 1000
        return await client.post(target, headers: [
            ("X-PacSpace-Signature", WebhookSignature.header(secrets: secrets, timestamp: timestamp, body: body)),
            ("X-PacSpace-Timestamp", String(timestamp)),
            ("X-Webhook-Event", delivery.type),
            ("X-Event-ID", delivery.eventID),
        ], body: body)
    }

    private func open(_ sealed: String) throws -> String {
        guard let bytes = Base64.decode(sealed) else { throw KeySealer.SealError.cannotOpen }
        return String(decoding: try sealer.open(bytes), as: UTF8.self)
    }

    private func notify(_ endpoint: DisabledEndpoint) async {
        do {
            for user in try await accounts.administrators(tenantID: endpoint.tenantID) {
                await mailer.send(Mail(to: user.email, subject: "PacSpace disabled a webhook endpoint", body: """
                    Deliveries to your webhook endpoint \(endpoint.id) (\(endpoint.url)) have failed for \(schedule.window / 3_600_000) hours, \
                    so PacSpace disabled it and stopped retrying its pending events.

                    \(endpoint.reason)

                    The delivery log (GET /api/v1/balance/webhooks) shows every attempt; once the endpoint is fixed and \
                    enabled again, retry events with POST /api/v1/balance/webhooks/<eventId>/retry.
                    """))
            }
        } catch {
            logger.error("cannot notify about a disabled webhook endpoint", metadata: ["error": .string("\(error)")])
        }
    }
}
