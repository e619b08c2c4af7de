import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle
import Synchronization

/// Delivers the webhook outbox (docs/api.md §7): claims due deliveries (a lease, so servers
/// sharing a database do not send one twice), posts them signed, records each attempt,
/// and schedules failures again on the ``RetrySchedule``. An endpoint failing for the
/// whole retry window is disabled and its owners are mailed.
///
/// Work lives in the database, so a restart loses nothing; a delivery whose server died
/// mid-attempt is sent again once its lease expires (at least once: receivers
/// deduplicate by `X-Event-ID`).
///
/// Deliveries run in a continuous pool of ``concurrency`` slots: a finished attempt frees
/// its slot at once and the next due delivery takes it, without waiting for slower ones.
/// Claims are fair per tenant and capped per tenant and per endpoint, counting what is in
/// flight, so one tenant's never-answering receiver or burst of test events holds at most
/// ``perTenant`` slots and the other tenants' deliveries go on.
final class WebhookDispatcher: Service {
    /// Attempts in flight at once, over all tenants.
    static let concurrency = 32
    /// Attempts in flight at once for one tenant.
    static let perTenant = 8
    /// Attempts in flight at once to one endpoint.
    static let perEndpoint = 4
    /// Twice the 10 s attempt timeout: a lease outlives its attempt, and an attempt cut
    /// short by a crash is taken up again 20 s later (at 60 s, an e2e test that restarts
    /// the server mid-attempt waited out its 30 s for the one delivery leased at the kill).
    static let leaseMillis: Int64 = 20_000
    /// The outbox is stuck when the dispatcher has not read it for this long: it reads it
    /// every 500 ms, and an attempt frees its slot within its 10 s timeout.
    static let stuckAfterMillis: Int64 = 60_000

    /// When the dispatcher last read the outbox or finished an attempt, and why its
    /// latest read failed.
    private struct Progress {
        var at: Int64
        var error: String?
    }

    private let outbox: WebhookOutbox
    private let client: OutboundClient
    private let sealer: KeySealer
    private let schedule: RetrySchedule
    private let accounts: AccountStore
    private let mailer: Mailer
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let wakeups: Wakeups
    private let inFlight = Mutex<WebhookOutbox.InFlight>(.init())
    private let progress: Mutex<Progress>
    private let metrics: ServerMetrics

    init(
        outbox: WebhookOutbox,
        client: OutboundClient,
        sealer: KeySealer,
        schedule: RetrySchedule,
        accounts: AccountStore,
        mailer: Mailer,
        metrics: ServerMetrics,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        pollInterval: Duration = .milliseconds(500)
    ) {
        self.outbox = outbox
        self.client = client
        self.sealer = sealer
        self.schedule = schedule
        self.accounts = accounts
        self.mailer = mailer
        self.logger = logger
        self.now = now
        self.wakeups = Wakeups(pollInterval: pollInterval)
        self.metrics = metrics
        self.progress = Mutex(Progress(at: now(), error: nil))
    }

    /// Why the outbox is stuck (for `/readyz`), nil while the dispatcher makes progress.
    func stall(now: Int64) -> String? {
        let progress = self.progress.withLock { $0 }
        let idle = now - progress.at
        guard idle > Self.stuckAfterMillis else { return nil }
        return "the webhook dispatcher has not read the outbox for \(idle / 1000) s"
            + (progress.error.map { " (its last read failed: \($0))" } ?? "")
    }

    /// Asks for due deliveries to be sent now (new events, a manual retry, a freed slot).
    func wake() { wakeups.wake() }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                var polling: Task<Void, Never>?
                for await _ in wakeups.signals {
                    if polling == nil { polling = Task { [wakeups] in await wakeups.poll() } }
                    for delivery in await claim() {
                        group.addTask {
                            let next = await self.deliver(delivery)
                            self.finished(delivery)
                            // A retry due before the next poll is woken for (short backoffs, tests).
                            if let next, case let delay = next - self.now(), delay < 1_000 {
                                try? await Task.sleep(for: .milliseconds(max(0, delay)))
                                self.wake()
                            }
                        }
                    }
                }
                polling?.cancel()
                // Shutdown: the attempts in flight finish (each within its timeout).
            }
        } onGracefulShutdown: {
            self.wakeups.finish()
        }
    }

    /// Claims as many due deliveries as there are free slots, and marks them in flight.
    func claim() async -> [DueDelivery] {
        let (free, busy) = inFlight.withLock { state in
            (Self.concurrency - state.perTenant.values.reduce(0, +), state)
        }
        guard free > 0 else { return [] }
        let due: [DueDelivery]
        do {
            due = try await outbox.claimDue(
                now: now(),
                limit: free,
                perTenant: Self.perTenant,
                perEndpoint: Self.perEndpoint,
                inFlight: busy,
                leaseMillis: Self.leaseMillis
            )
        } catch {
            if !Task.isCancelled {
                logger.error("cannot read the webhook outbox", metadata: ["error": .string("\(error)")])
                progress.withLock { $0.error = "\(error)" }
            }
            return []
        }
        let read = now()
        progress.withLock { $0 = Progress(at: read, error: nil) }
        inFlight.withLock { state in
            for delivery in due {
                state.perTenant[delivery.tenantID, default: 0] += 1
                state.perEndpoint[delivery.endpointID, default: 0] += 1
            }
        }
        return due
    }

    private func finished(_ delivery: DueDelivery) {
        let at = now()
        progress.withLock { $0.at = max($0.at, at) }
        inFlight.withLock { state in
            state.perTenant[delivery.tenantID, default: 1] -= 1
            if state.perTenant[delivery.tenantID] == 0 { state.perTenant[delivery.tenantID] = nil }
            state.perEndpoint[delivery.endpointID, default: 1] -= 1
            if state.perEndpoint[delivery.endpointID] == 0 { state.perEndpoint[delivery.endpointID] = nil }
        }
        wake()
    }

    /// Attempts one delivery and records it; returns when it is due again (nil: done).
    @discardableResult
    private func deliver(_ delivery: DueDelivery) async -> Int64? {
        let outcome = await attempt(delivery)
        let finished = now()
        var generator = SystemRandomNumberGenerator()
        let next =
            outcome.succeeded
            ? nil
            : schedule.nextAttempt(afterFailures: delivery.attempts + 1, createdAt: delivery.createdAt, now: finished, using: &generator)
        let metadata: Logger.Metadata = [
            "eventId": .string(delivery.eventID), "endpointId": .string(delivery.endpointID), "event": .string(delivery.type),
            "attempt": .stringConvertible(delivery.attempts + 1), "latencyMs": .stringConvertible(outcome.latencyMillis),
        ]
        if outcome.succeeded {
            logger.debug("webhook delivered", metadata: metadata)
        } else {
            logger.info(
                "webhook attempt failed",
                metadata: metadata.merging([
                    "error": .string(outcome.error ?? "-"), "retry": .string(next.map { Timestamp.iso8601(millis: $0) } ?? "given up"),
                ]) { $1 }
            )
        }
        do {
            let disabled = try await outbox.record(delivery, outcome, nextAttempt: next, disableAfter: schedule.window, now: finished)
            metrics.webhookAttempt(succeeded: outcome.succeeded, disabled: disabled != nil)
            if let disabled {
                logger.warning("webhook endpoint disabled", metadata: ["endpointId": .string(disabled.id)])
                await notify(disabled)
            }
        } catch {
            // The lease expires and the delivery is attempted again: at least once.
            logger.error("cannot record a webhook attempt", metadata: metadata.merging(["error": .string("\(error)")]) { $1 })
        }
        return next
    }

    /// Signs and posts one delivery.
    private func attempt(_ delivery: DueDelivery) async -> AttemptOutcome {
        let target: WebhookTarget
        var secrets: [String]
        do {
            target = try WebhookTarget(delivery.url)
            secrets = [try open(delivery.sealedSecret, delivery)]
            if let previous = delivery.sealedPreviousSecret, let until = delivery.previousExpiresAt, until > now() {
                secrets.append(try open(previous, delivery))
            }
        } catch {
            return AttemptOutcome(statusCode: nil, latencyMillis: 0, error: "cannot prepare the delivery: \(error)")
        }
        let body = Array(delivery.body.utf8)
        let timestamp = now() / 1000
        let head = OutboundClient.Head(
            contentType: "application/json",
            userAgent: "PacSpace-Webhooks/1",
            headers: [
                ("X-PacSpace-Signature", WebhookSignature.header(secrets: secrets, timestamp: timestamp, body: body)),
                ("X-PacSpace-Timestamp", String(timestamp)),
                ("X-Webhook-Event", delivery.type),
                ("X-Event-ID", delivery.eventID),
            ]
        )
        return await client.send(target, head, body: body).attempt
    }

    private func open(_ sealed: String, _ delivery: DueDelivery) throws -> String {
        String(decoding: try sealer.open(sealed, for: .webhookSecret(endpointID: delivery.endpointID)), as: UTF8.self)
    }

    private func notify(_ endpoint: DisabledEndpoint) async {
        do {
            for user in try await accounts.administrators(tenantID: endpoint.tenantID) {
                await mailer.send(
                    Mail(
                        to: user.email,
                        subject: "PacSpace disabled a webhook endpoint",
                        body: """
                            Deliveries to your webhook endpoint \(endpoint.id) (\(endpoint.url)) \
                            have failed for \(schedule.window / 3_600_000) hours, \
                            so PacSpace disabled it and stopped retrying its pending events.

                            \(endpoint.reason)

                            The delivery log (GET /api/v1/balance/webhooks) shows every attempt; once the endpoint is fixed and \
                            enabled again, retry events with POST /api/v1/balance/webhooks/<eventId>/retry.
                            """
                    )
                )
            }
        } catch {
            logger.error("cannot notify about a disabled webhook endpoint", metadata: ["error": .string("\(error)")])
        }
    }
}
