import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Synchronization
import Testing

@testable import PacSpaceServer

/// `/metrics` (Prometheus text, behind `PACSPACE_METRICS_TOKEN`) and `/readyz` on a
/// stuck webhook outbox.
@Suite struct MetricsTests {
    static let token = "metrics-token-0123456789abcdef"

    /// The value of the series written exactly as `series` (name and labels), if present.
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    func scrape(_ api: API, token: String? = Self.token) async throws -> Reply {
        try await api.call(.get, "/metrics", token: token)
    }

    @Test func metricsAreOffUntilATokenIsSet() async throws {
        try await TestServer().run { api in
            let off = try await scrape(api)
            #expect(off.status == .notFound)
            #expect(off.errorMessage?.contains("PACSPACE_METRICS_TOKEN") == true)
        }
    }

    @Test(arguments: Backend.all)
    func metricsCountWhatTheServerDid(backend: Backend) async throws {
        var server = TestServer(backend)
        // Its own database: servers sharing one integrate each other's environments, and
        // this test counts its own sequencer's batches.
        try await server.isolateDatabase()
        server.configuration.metricsToken = Self.token
        server.configuration.rateLimits.apiKey = RateLimiter.Policy(burst: 4, intervalMillis: 60_000)
        try await server.run { api in
            #expect(try await scrape(api, token: nil).status == .unauthorized)
            #expect(try await scrape(api, token: Self.token + "x").status == .unauthorized)

            let key = try await api.apiKey(try await api.account())
            let emitted = try await api.balance(
                .post,
                "/delta/batch",
                key: key,
                body: """
                    {"deltas":[{"customerId":"m1","delta":1,"reason":"a"},{"customerId":"m2","delta":2,"reason":"b"},
                    {"customerId":"m3","delta":3,"reason":"c"}]}
                    """
            )
            #expect(emitted.data["totalQueued"] == 3, "\(emitted.text)")
            // The batch and three more fill the key's bucket of four; the fifth is refused.
            for _ in 0..<3 { #expect(try await api.balance(.get, "/limits", key: key).status == .ok) }
            #expect(try await api.balance(.get, "/limits", key: key).status == .tooManyRequests)
            #expect(try await api.call(.get, "/no/such/\(UUID().uuidString)").status == .notFound)

            // The sequencer's batch shows once it is signed.
            var text = ""
            for _ in 0..<200 where !text.contains("pacspace_sequencer_batch_entries_count{") {
                try await Task.sleep(for: .milliseconds(50))
                text = try await scrape(api).text
            }
            let reply = try await scrape(api)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            text = reply.text
            let limited = #"pacspace_http_request_duration_seconds_count{route="/api/v1/balance/limits",method="GET",status="429"}"#
            #expect(Self.value(text, limited) == 1, "\(text)")
            #expect(
                Self.value(text, #"pacspace_http_request_duration_seconds_count{route="/api/v1/balance/delta/batch",method="POST",status="201"}"#)
                    == 1
            )
            #expect(
                Self.value(text, #"pacspace_http_request_duration_seconds_count{route="unmatched",method="GET",status="404"}"#) == 1,
                "an unknown path is one series, not one per path"
            )
            #expect(!text.contains("/no/such/"))
            #expect(Self.value(text, #"pacspace_rate_limited_total{limit="key"}"#) == 1)
            #expect(Self.value(text, #"pacspace_rate_limited_total{limit="auth-failure"}"#) == nil, "two wrong tokens stay under the limit")
            #expect((Self.value(text, "pacspace_ingest_group_deltas_sum") ?? 0) >= 3)
            #expect(Self.value(text, "pacspace_ingest_group_failures_total") == 0)
            let batches = text.split(separator: "\n").filter { $0.hasPrefix("pacspace_sequencer_batch_entries_count{environment=\"") }
            #expect(batches.count == 1, "one environment, labelled by its id")
            #expect(text.contains("pacspace_sequencer_lag_seconds_bucket{environment="))
            #expect(Self.value(text, "pacspace_sequencer_halted_environments") == 0)
            #expect(Self.value(text, "pacspace_webhook_outbox_stuck") == 0)
            #expect(Self.value(text, "pacspace_webhook_pending_deliveries") == 0)
            #expect(!text.contains(key) && !text.contains("pk_test_"), "no key in the metrics")
        }
    }

    /// Wrong tokens are failed authentications of the address, like wrong API keys.
    @Test func wrongTokensAreLimited() async throws {
        var server = TestServer()
        server.configuration.metricsToken = Self.token
        server.configuration.rateLimits.authFailures = RateLimiter.Policy(burst: 3, intervalMillis: 60_000)
        try await server.run { api in
            for _ in 0..<3 { #expect(try await scrape(api, token: "guess-\(UUID().uuidString)").status == .unauthorized) }
            RateLimitTests.expectLimited(try await scrape(api, token: "guess"))
            RateLimitTests.expectLimited(try await scrape(api), "the right token from that address waits too")
        }
    }

    /// Past 50 environments, the rest share one `other` series: an attacker opening
    /// environments cannot grow the registry.
    @Test func environmentLabelsAreBounded() {
        let metrics = ServerMetrics()
        for index in 0..<(ServerMetrics.labelledEnvironments + 25) {
            metrics.sequencerBatch(environmentID: "env_\(index)", entries: 1, lag: .milliseconds(5))
        }
        metrics.sequencerState(backlogs: Dictionary(uniqueKeysWithValues: (0..<80).map { ("env_\($0)", Int64(1)) }), halted: 0)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let batchSeries = text.split(separator: "\n").filter { $0.hasPrefix("pacspace_sequencer_batch_entries_count{") }
        #expect(batchSeries.count == ServerMetrics.labelledEnvironments + 1)
        #expect(Self.value(text, #"pacspace_sequencer_batch_entries_count{environment="other"}"#) == 25)
        #expect(Self.value(text, #"pacspace_sequencer_backlog_entries{environment="other"}"#) == 30)
        #expect(Self.value(text, "pacspace_sequencer_environments_backlogged") == 80)
    }

    /// `/readyz` fails while the dispatcher cannot read the outbox for 60 s, says why, and
    /// recovers by itself once it can.
    @Test(arguments: Backend.all)
    func readinessFailsWhileTheOutboxIsStuck(backend: Backend) async throws {
        var server = TestServer(backend)
        // Its own database: the outbox table is renamed away under the running server.
        try await server.isolateDatabase()
        server.configuration.metricsToken = Self.token
        let offset = Mutex<Int64>(0)
        server.configuration.now = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) + offset.withLock { $0 } }
        let stuckServer = server
        try await server.run { api in
            #expect(try await api.call(.get, "/readyz").status == .ok)
            try await stuckServer.withDatabase { database in
                try await database.transaction { try await $0.raw("ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away").run() }
            }
            try await Task.sleep(for: .seconds(1.5))  // the dispatcher polls every 500 ms, and fails
            #expect(try await api.call(.get, "/readyz").status == .ok, "not stuck yet: 60 s have not passed")
            offset.withLock { $0 = 61_000 }
            let anonymous = try await api.call(.get, "/readyz")
            #expect(anonymous.status == .serviceUnavailable)
            #expect(anonymous.errorMessage == "Not ready.", "the detail is the operator's: \(anonymous.text)")
            let stuck = try await api.call(.get, "/readyz", token: Self.token)
            #expect(stuck.status == .serviceUnavailable)
            #expect(
                stuck.errorMessage?.contains("The webhook outbox is stuck: the webhook dispatcher has not read the outbox for") == true,
                "\(stuck.text)"
            )
            #expect(stuck.errorMessage?.contains("its last read failed") == true, "with the failing read's error: \(stuck.text)")
            if case .sqlite = backend {  // PostgresNIO's errors do not describe themselves (a redacted generic text)
                #expect(stuck.errorMessage?.contains("no such table: webhook_deliveries") == true, "\(stuck.text)")
            }
            try await stuckServer.withDatabase { database in
                try await database.transaction { try await $0.raw("ALTER TABLE webhook_deliveries_away RENAME TO webhook_deliveries").run() }
            }
            var ready = false
            for _ in 0..<100 where !ready {
                try await Task.sleep(for: .milliseconds(100))
                ready = try await api.call(.get, "/readyz").status == .ok
            }
            #expect(ready, "ready again once the dispatcher reads the outbox")
        }
    }
}
