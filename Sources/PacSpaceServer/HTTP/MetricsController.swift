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
    let token: OperatorToken
    let sequencer: Sequencer
    let dispatcher: WebhookDispatcher
    let outbox: WebhookOutbox
    let serverLog: ServerLogStore
    let now: @Sendable () -> Int64

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard token.hash != nil else {
            throw APIError(.notFound, .notFound, "Metrics are off; set PACSPACE_METRICS_TOKEN to serve them to a scraper holding it.")
        }
        guard try token.presented(request, context) else { throw OperatorToken.refusal }
        let now = now()
        metrics.sequencerState(backlogs: sequencer.allBacklogs, halted: sequencer.haltedEnvironments.count)
        let stall = dispatcher.stall(now: now)
        // A failed outbox read leaves its gauges as they were: the scrape itself still answers.
        if let backlog = try? await outbox.backlog() {
            metrics.webhookOutbox(pending: backlog.pending, oldestDueSeconds: max(0, now - (backlog.earliestDue ?? now)) / 1000, stuck: stall != nil)
        }
        // As above: a failed read leaves the gauge as it was.
        if let halted = try? await serverLog.halted() as String?? { metrics.serverLogHalted(halted != nil) }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
