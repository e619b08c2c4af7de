import Crypto
import Hummingbird
import NIOCore
import PacSpaceCore
import PacSpaceStore

/// `GET /metrics`: ``ServerMetrics`` in the Prometheus text format, for a scraper holding
/// `PACSPACE_METRICS_TOKEN` as a bearer token (Prometheus `authorization.credentials`).
///
/// Off (404) until the token is set: the series name environments and show each one's
/// volume, which is the tenants' business, so they are not public, and a loopback-only
/// rule would expose them behind a reverse proxy on the same host. Wrong tokens count
/// as failed authentications of the client address, like wrong API keys.
struct MetricsController: Sendable {
    let metrics: ServerMetrics
    /// SHA-256 of the token: compared in constant time whatever the length sent.
    let tokenHash: [UInt8]?
    let sequencer: Sequencer
    let dispatcher: WebhookDispatcher
    let outbox: WebhookOutbox
    let limiter: RateLimiter
    let limits: RateLimits
    let now: @Sendable () -> Int64

    init(
        metrics: ServerMetrics,
        token: String?,
        sequencer: Sequencer,
        dispatcher: WebhookDispatcher,
        outbox: WebhookOutbox,
        limiter: RateLimiter,
        limits: RateLimits,
        now: @escaping @Sendable () -> Int64
    ) {
        self.metrics = metrics
        self.tokenHash = token.map { Array(SHA256.hash(data: Array($0.utf8))) }
        self.sequencer = sequencer
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.limiter = limiter
        self.limits = limits
        self.now = now
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let tokenHash else {
            throw APIError(.notFound, "NOT_FOUND", "Metrics are off; set PACSPACE_METRICS_TOKEN to serve them to a scraper holding it.")
        }
        let now = now()
        let address = RateLimiter.key(address: context.clientAddress)
        if let wait = limiter.wait(.authFailure, address, limits.authFailures, now: now) { throw APIError.rateLimited(after: wait) }
        let sent = request.bearerToken ?? ""
        guard ConstantTime.equals(Array(SHA256.hash(data: Array(sent.utf8))), tokenHash) else {
            _ = limiter.take(.authFailure, address, limits.authFailures, now: now)
            throw APIError(.unauthorized, "UNAUTHORIZED", "Send the metrics token as Authorization: Bearer <PACSPACE_METRICS_TOKEN>.")
        }
        metrics.sequencerState(backlogs: sequencer.allBacklogs, halted: sequencer.haltedEnvironments.count)
        let stall = dispatcher.stall(now: now)
        // A failed outbox read leaves its gauges as they were: the scrape itself still answers.
        if let backlog = try? await outbox.backlog() {
            metrics.webhookOutbox(pending: backlog.pending, oldestDueSeconds: max(0, now - (backlog.earliestDue ?? now)) / 1000, stuck: stall != nil)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
