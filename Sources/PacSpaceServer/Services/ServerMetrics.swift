import Foundation
import HTTPTypes
import Prometheus
import Synchronization

/// What the server measures, served at `/metrics` in the Prometheus text format
/// (README, "Metrics"). Every series has a bounded label set, so an attacker cannot
/// grow the registry: routes are the router's templates (unknown paths are `unmatched`),
/// methods outside the standard set are `other` (NIO's parser already refuses methods it
/// does not know: the connection is closed), statuses are the server's own, rate
/// limits are ``RateLimiter/Limit``, and environments are labelled by id only for the first
/// ``labelledEnvironments`` seen; the rest share `environment="other"`.
///
/// One registry per application, not the process-wide `MetricsSystem` (which can be
/// bootstrapped once per process): tests run many servers in one process, and each
/// `/metrics` shows its own server. For the same reason Hummingbird's
/// `MetricsMiddleware`, which records through `MetricsSystem`, is not used;
/// ``HTTPMetricsMiddleware`` records into this registry.
final class ServerMetrics: Sendable {
    /// Environments given a label of their own; past it they are counted under `other`.
    static let labelledEnvironments = 50
    static let namespace = "pacspace"

    let registry = PrometheusCollectorRegistry()
    private let environments = Mutex<[String: String]>([:])
    /// The request histograms by label set, so a request costs a dictionary lookup, not the
    /// registry's descriptor, name and label validation and allocations. GET /healthz with
    /// wrk, 32 connections, release build, runs alternated: median 8.7k req/s with the cache
    /// against 7.5k without, but each spread 6.8–9.2k, so within this machine's noise.
    private let requestSeries = Mutex<[RequestLabels: DurationHistogram]>([:])

    private struct RequestLabels: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// Request time from the head to the end of the answer's body.
    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Deltas per ingest transaction and per sequencer batch (up to its 10,000).
    static let countBuckets: [Double] = [1, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000]
    /// Seconds from acceptance to verification: the sequencer's interval is 0.2 s.
    static let lagBuckets: [Duration] = [
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60), .seconds(300), .seconds(1800),
    ]
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    private let inFlight: Gauge
    private let groupDeltas: ValueHistogram
    private let groupDuration: DurationHistogram
    private let groupFailures: Counter
    private let endpointsDisabled: Counter
    private let backlogged: Gauge
    private let halted: Gauge
    private let pending: Gauge
    private let oldestDue: Gauge
    private let stuck: Gauge

    init() {
        inFlight = registry.makeGauge(descriptor: Self.name("http_requests_in_flight", unit: "", "Requests being answered now."))
        groupDeltas = registry.makeValueHistogram(
            descriptor: Self.name("ingest_group_deltas", unit: "", "Deltas written per ingest transaction."),
            buckets: Self.countBuckets
        )
        groupDuration = registry.makeDurationHistogram(
            descriptor: Self.name("ingest_group_duration", unit: "seconds", "Time to write and fsync one ingest transaction."),
            buckets: Self.requestBuckets
        )
        groupFailures = registry.makeCounter(
            descriptor: Self.name("ingest_group_failures", unit: "total", "Ingest transactions that failed (their requests answered 503).")
        )
        endpointsDisabled = registry.makeCounter(
            descriptor: Self.name("webhook_endpoints_disabled", unit: "total", "Endpoints disabled after failing for the whole retry window.")
        )
        backlogged = registry.makeGauge(
            descriptor: Self.name("sequencer_environments_backlogged", unit: "", "Environments with queued entries (labelled or not).")
        )
        halted = registry.makeGauge(
            descriptor: Self.name("sequencer_halted_environments", unit: "", "Environments the sequencer is not verifying (see /readyz).")
        )
        pending = registry.makeGauge(
            descriptor: Self.name("webhook_pending_deliveries", unit: "", "Deliveries waiting to be sent to active endpoints.")
        )
        oldestDue = registry.makeGauge(
            descriptor: Self.name("webhook_oldest_due", unit: "seconds", "How long the longest-waiting due delivery has been due.")
        )
        stuck = registry.makeGauge(descriptor: Self.name("webhook_outbox_stuck", unit: "", "1 while the dispatcher makes no progress (see /readyz)."))
    }

    // MARK: HTTP

    /// A request's head arrived; ``request(route:method:status:duration:)`` follows.
    func requestStarted() { inFlight.increment() }

    /// One answered request; `route` is the router's template, nil when no route matched.
    func request(route: String?, method: HTTPRequest.Method, status: HTTPResponse.Status, duration: Duration) {
        inFlight.decrement()
        let labels = RequestLabels(
            route: route ?? "unmatched",
            method: Self.methods.contains(method.rawValue) ? method.rawValue : "other",
            status: status.code
        )
        let histogram = requestSeries.withLock { series in
            if let known = series[labels] { return known }
            let made = registry.makeDurationHistogram(
                descriptor: Self.name(
                    "http_request_duration",
                    unit: "seconds",
                    "Time to answer a request, by route template, method and status; _count is the request count."
                ),
                labels: [("route", labels.route), ("method", labels.method), ("status", String(labels.status))],
                buckets: Self.requestBuckets
            )
            series[labels] = made
            return made
        }
        histogram.record(duration)
    }

    // MARK: Ingest and sequencer

    /// One ingest transaction (group commit) of `deltas` deltas.
    func ingestGroup(deltas: Int, duration: Duration, failed: Bool) {
        groupDeltas.record(Double(deltas))
        groupDuration.record(duration)
        if failed { groupFailures.increment() }
    }

    /// One sequencer batch: `entries` log entries, the oldest delta of which waited `lag`.
    func sequencerBatch(environmentID: String, entries: Int, lag: Duration?) {
        let labels = [("environment", environmentLabel(environmentID))]
        registry.makeValueHistogram(
            descriptor: Self.name("sequencer_batch_entries", unit: "", "Log entries per signed batch."),
            labels: labels,
            buckets: Self.countBuckets
        ).record(Double(entries))
        if let lag {
            registry.makeDurationHistogram(
                descriptor: Self.name(
                    "sequencer_lag",
                    unit: "seconds",
                    "Per batch, how long its oldest delta waited from acceptance (QUEUED) to VERIFIED."
                ),
                labels: labels,
                buckets: Self.lagBuckets
            ).record(lag)
        }
    }

    /// The sequencer's state, set when `/metrics` is read.
    func sequencerState(backlogs: [String: Int64], halted: Int) {
        var perLabel: [String: Int64] = [:]
        for (environmentID, backlog) in backlogs { perLabel[environmentLabel(environmentID), default: 0] += max(0, backlog) }
        // Every labelled environment is set, so one whose backlog drained shows 0, not its last value.
        for label in environments.withLock({ Set($0.values) }) where perLabel[label] == nil { perLabel[label] = 0 }
        for (label, backlog) in perLabel {
            registry.makeGauge(
                descriptor: Self.name("sequencer_backlog", unit: "entries", "Entries QUEUED and not yet in the log, by environment."),
                labels: [("environment", label)]
            ).set(Double(backlog))
        }
        backlogged.set(Double(backlogs.values.count { $0 > 0 }))
        self.halted.set(Double(halted))
    }

    // MARK: Webhooks, limits

    /// One delivery attempt; `disabled` when it made the server disable its endpoint.
    func webhookAttempt(succeeded: Bool, disabled: Bool) {
        registry.makeCounter(
            descriptor: Self.name("webhook_attempts", unit: "total", "Webhook delivery attempts, by outcome."),
            labels: [("outcome", succeeded ? "delivered" : "failed")]
        ).increment()
        if disabled { endpointsDisabled.increment() }
    }

    /// The outbox as read when `/metrics` is read.
    func webhookOutbox(pending: Int64, oldestDueSeconds: Int64, stuck: Bool) {
        self.pending.set(Double(pending))
        oldestDue.set(Double(oldestDueSeconds))
        self.stuck.set(stuck ? 1.0 : 0.0)
    }

    /// How an add-checkpoint request to the witness named `witness` in the policy went, and
    /// how far behind the server log its last cosignature is (in leaves).
    func witnessAnswered(_ witness: String, outcome: Witnessing.Outcome, lag: Int64) {
        registry.makeCounter(
            descriptor: Self.name("witness_requests", unit: "total", "add-checkpoint requests to witnesses, by witness and outcome."),
            labels: [("witness", witness), ("outcome", outcome.rawValue)]
        ).increment()
        registry.makeGauge(
            descriptor: Self.name("witness_lag", unit: "leaves", "Server-log leaves past the last checkpoint each witness cosigned."),
            labels: [("witness", witness)]
        ).set(Double(lag))
    }

    /// Whether publication of the server log is stopped (a witness saw another history).
    func serverLogHalted(_ halted: Bool) {
        registry.makeGauge(
            descriptor: Self.name("server_log_halted", unit: "", "1 while the server log is not published: a witness saw another history.")
        ).set(Double(halted ? 1 : 0))
    }

    /// A request refused by `limit`.
    func rateLimited(_ limit: RateLimiter.Limit) {
        registry.makeCounter(
            descriptor: Self.name("rate_limited", unit: "total", "Requests refused by a rate limit, by limit."),
            labels: [("limit", limit.rawValue)]
        ).increment()
    }

    /// The text `/metrics` answers.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// The label of an environment: its id for the first ``labelledEnvironments``, then `other`.
    private func environmentLabel(_ environmentID: String) -> String {
        environments.withLock { labels in
            if let label = labels[environmentID] { return label }
            guard labels.count < Self.labelledEnvironments else { return "other" }
            labels[environmentID] = environmentID
            return environmentID
        }
    }

    private static func name(_ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: namespace, metricName: metric, unitName: unit, helpText: help)
    }
}
