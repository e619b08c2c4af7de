import Foundation
import HTTPTypes
import HummingbirdTesting
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import SQLKit
import Testing

/// Issue 11's findings, one test each: what an attacker holding a free testnet key sent,
/// and what the server must answer instead of trapping, overflowing or leaking. Each
/// failed (or took the process down) on 9c30317. Serialized: the heavy ones (thousands of
/// maximum deltas, megabytes of metadata) would otherwise starve the suites running beside.
@Suite(.serialized) struct HostileInputTests {
    /// 1. An exponent of Int.min trapped in `abs`. Every route that reads an amount.
    @Test(arguments: Backend.all)
    func extremeExponentsAreRefusedEverywhere(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c1","delta":1,"reason":"x"}"#)
            for exponent in ["1e-9223372036854775808", "1e9223372036854775807", "1e-99999999999999999999999", "-1E+000000000000000001000"] {
                let emit = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c1","delta":\#(exponent),"reason":"x"}"#)
                #expect(emit.status == .badRequest, "\(exponent): \(emit.text)")
                let batch = try await api.balance(
                    .post,
                    "/delta/batch",
                    key: key,
                    body: #"{"deltas":[{"customerId":"c1","delta":\#(exponent),"reason":"x"},{"customerId":"c1","delta":2,"reason":"y"}]}"#
                )
                #expect(batch.status == .created)
                #expect(batch.data["totalFailed"] == 1)
                let derive = try await api.balance(.get, "/derive/c1?startingBalance=\(exponent)", key: key)
                #expect(derive.status == .badRequest, "\(exponent): \(derive.text)")
                for field in ["yourBalance", "theirBalance", "startingBalance"] {
                    let compare = try await api.balance(.post, "/compare", key: key, body: #"{"customerId":"c1","\#(field)":\#(exponent)}"#)
                    #expect(compare.status == .badRequest, "\(field) \(exponent): \(compare.text)")
                }
            }
            // Zero with any exponent is exactly zero, and zero is no delta.
            let zero = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c1","delta":0e-99999999999999999999,"reason":"x"}"#)
            #expect(zero.errorCode == "VALIDATION_ERROR")
            #expect(try await api.call(.get, "/healthz").status == .ok)
        }
    }

    /// 2. `period=9999-12` force-unwrapped the following month (year 10000). Query and body.
    @Test(arguments: Backend.all)
    func theLastRepresentableMonthsAreAnswered(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c1","delta":1,"reason":"x"}"#)
            for period in ["9999-12", "9999-01", "0000-01", "0000-00", "9999-13", "99999-1", "-001-01", "２０２６-01"] {
                let encoded = period.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? period
                for path in ["/derive/c1?period=\(encoded)", "/receipt/c1?period=\(encoded)", "/checkpoints?period=\(encoded)"] {
                    let reply = try await api.balance(.get, path, key: key)
                    #expect(reply.status.code < 500, "\(path): \(reply.text)")
                }
                let body = #"{"customerId":"c1","period":"\#(period)"}"#
                for path in ["/checkpoint", "/compare"] {
                    let reply = try await api.balance(.post, path, key: key, body: body)
                    #expect(reply.status.code < 500, "\(path) \(period): \(reply.text)")
                }
            }
            let future = try await api.balance(.get, "/derive/c1?period=9999-12", key: key)
            #expect(future.status == .badRequest)
            #expect(future.errorMessage?.contains("future") == true)
            let ancient = try await api.balance(.get, "/derive/c1?period=0000-01", key: key)
            #expect(ancient.status == .ok, "year 0000 is a past month with nothing in it: \(ancient.text)")
            for (start, end) in [("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999-23:59"), ("2026-01-01T00:00:00+99:99", "2026-01-02")] {
                let reply = try await api.balance(
                    .get,
                    "/derive/c1?startDate=\(start)&endDate=\(end)".replacingOccurrences(of: "+", with: "%2B"),
                    key: key
                )
                #expect(reply.status == .badRequest, "\(start) – \(end): \(reply.text)")
            }
        }
    }

    /// 3. Sums of legal values past the range: 9,224 deltas of 10⁹ overflowed Int64 in the
    /// checkpoint, receipt and compare sums. Now a running total stays within ±4 × 10¹²:
    /// the delta that would leave it is refused with 422, the rest of the batch is stored,
    /// and every read of the full customer and environment answers. (SQLite only: 4,000 real
    /// deltas; the bound is engine-independent Swift, and the simulation covers the store.)
    /// The environment's own bound: two customers at half the bound each fill it; a third
    /// customer's credit is refused with a message that names the environment's total, and
    /// a debit is still taken.
    @Test func theEnvironmentsTotalIsNamedWhenItIsFull() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            for customer in ["a", "b"] {
                let item = #"{"customerId":"\#(customer)","delta":1000000000,"reason":"max"}"#
                let batch = #"{"deltas":[\#(Array(repeating: item, count: 1000).joined(separator: ","))]}"#
                for _ in 0..<2 { #expect(try await api.balance(.post, "/delta/batch", key: key, body: batch).data["totalQueued"] == 1000) }
            }
            let over = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"one more"}"#)
            #expect(over.status == .unprocessableContent && over.errorCode == "BALANCE_OUT_OF_RANGE")
            #expect(over.errorMessage?.contains("the environment's total") == true && over.errorMessage?.contains("maxRunningTotal") == true)
            let debit = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":-1,"reason":"back"}"#)
            #expect(debit.status == .created)
        }
    }

    @Test func runningTotalsStayInsideTheirBound() async throws {
        try await TestServer().run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let item = #"{"customerId":"whale","delta":1000000000,"reason":"max"}"#
            let batch = #"{"deltas":[\#(Array(repeating: item, count: 1000).joined(separator: ","))]}"#
            for round in 0..<4 {
                let reply = try await api.balance(.post, "/delta/batch", key: key, body: batch)
                #expect(reply.data["totalQueued"] == 1000, "round \(round): \(reply.text.prefix(300))")
            }
            // 4,000 × 10⁹ = 4 × 10¹², the bound itself. One more unit is too much; a debit is fine.
            let over = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"whale","delta":0.000001,"reason":"one more"}"#)
            #expect(over.status == .unprocessableContent)
            #expect(over.errorCode == "BALANCE_OUT_OF_RANGE")
            let mixed = try await api.balance(
                .post,
                "/delta/batch",
                key: key,
                body: """
                    {"deltas":[{"customerId":"whale","delta":5,"reason":"over"},
                    {"customerId":"whale","delta":-7,"reason":"back"},{"customerId":"whale","delta":7,"reason":"again"}]}
                    """
            )
            #expect(mixed.data["totalQueued"] == 2)
            guard case .array(let results)? = mixed.data["results"] else { throw TestFailure("no results") }
            #expect(results[0]["error"]?["code"] == "BALANCE_OUT_OF_RANGE")
            let last = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"minnow","delta":-1,"reason":"r"}"#)
            _ = try await api.waitForDelta(last.data["recordId"]?.string ?? "", key: key)
            // Another customer's delta that would take the environment's total past the bound.
            let environment = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"other","delta":2,"reason":"r"}"#)
            #expect(environment.errorCode == "BALANCE_OUT_OF_RANGE")
            #expect(environment.errorMessage?.contains("environment") == true)

            let derive = try await api.balance(.get, "/derive/whale", key: key)
            #expect(derive.status == .ok, "\(derive.text)")
            #expect(try await api.balance(.post, "/checkpoint", key: key, body: "{}").status == .created)
            #expect(try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"whale"}"#).status == .created)
            let compare = try await api.balance(.post, "/compare", key: key, body: #"{"customerId":"whale","yourBalance":-999999999999}"#)
            #expect(compare.status == .ok, "\(compare.text)")
            #expect(compare.data["neutralBalance"] == .number("4000000000000"))
            #expect(try await api.balance(.get, "/customers", key: key).status == .ok)
            #expect(try await api.call(.get, "/healthz").status == .ok)
        }
    }

    /// Backpressure: past the backlog bound, writes answer 503 LOG_BACKLOG_FULL with
    /// Retry-After and store nothing (no idempotency record either, so the same request
    /// goes through once the sequencer has drained the queue).
    @Test func aFullBacklogRefusesWrites() async throws {
        var server = TestServer()
        server.configuration.maxBacklog = 3
        // The start-up round runs at once; the next comes a minute later: the queue only grows.
        server.configuration.sequencerInterval = .seconds(60)
        try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            #expect(try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"r"}"#).status == .created)
            let batch = try await api.balance(
                .post,
                "/delta/batch",
                key: key,
                body: """
                    {"deltas":[{"customerId":"c","delta":1,"reason":"a"},{"customerId":"c","delta":1,"reason":"b"},
                    {"customerId":"c","delta":1,"reason":"c"}]}
                    """
            )
            #expect(batch.data["totalQueued"] == 3)
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "full-1"
            let refused = try await api.balance(
                .post,
                "/delta",
                key: key,
                body: #"{"customerId":"c","delta":1,"reason":"d","referenceId":"d"}"#,
                headers: headers
            )
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.errorCode == "LOG_BACKLOG_FULL")
            #expect(refused.headers[.retryAfter] != nil)
            let again = try await api.balance(
                .post,
                "/delta",
                key: key,
                body: #"{"customerId":"c","delta":1,"reason":"d","referenceId":"d"}"#,
                headers: headers
            )
            #expect(again.errorCode == "LOG_BACKLOG_FULL", "no answer was stored under the key: \(again.text)")
            let batchRefused = try await api.balance(
                .post,
                "/delta/batch",
                key: key,
                body: #"{"deltas":[{"customerId":"c","delta":1,"reason":"e"}]}"#
            )
            #expect(batchRefused.errorCode == "LOG_BACKLOG_FULL")
            let customer = try await api.balance(.get, "/customers/c", key: key)
            #expect(customer.data["totalDeltas"] == 4, "nothing of the refused writes was stored")
            // Record entries share the queue: refused alike, and nothing stored.
            let entry = try await api.record(.post, "machine-action-record/queued/transitions", key: key, body: RecordsTests.entry())
            #expect(entry.status == .serviceUnavailable && entry.errorCode == "LOG_BACKLOG_FULL", "\(entry.text)")
            #expect(try await api.record(.get, "machine-action-record/queued/history", key: key).errorCode == "RECORD_NOT_FOUND")
        }
    }

    /// A read whose sum cannot be stated answers 422 AMOUNT_OUT_OF_RANGE, never a trap or
    /// a 500. Ingest keeps new totals inside the bound, so the sums are forged here as data
    /// written before it could hold them.
    @Test func anUnrepresentableSumIsA422() async throws {
        let server = TestServer()
        try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            var last = ""
            for reason in ["a", "b"] {
                last =
                    try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"big","delta":1,"reason":"\#(reason)"}"#)
                    .data["recordId"]?.string ?? ""
            }
            _ = try await api.waitForDelta(last, key: key)
            try await server.withDatabase { database in
                try await database.transaction { db in
                    try await db.raw("UPDATE deltas SET amount = 9000000000000000000 WHERE customer_id = 'big'").run()
                }
            }
            let month = String(Timestamp.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(7))
            for reply in [
                try await api.balance(.get, "/derive/big?period=\(month)", key: key),
                try await api.balance(.get, "/receipt/big?period=\(month)", key: key),
                try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"big","period":"\#(month)"}"#),
            ] {
                #expect(reply.status == .unprocessableContent, "\(reply.text)")
                #expect(reply.errorCode == "AMOUNT_OUT_OF_RANGE")
            }
            #expect(try await api.call(.get, "/api/v1/verify/chk_doesnotexist000000000000").status == .notFound)
        }
    }

    /// 4 and 5. A customer's verified balance that the next batch would take past 64 bits
    /// (what a backlog accepted before the bound could hold): the sequencer halts that
    /// environment only, says why (contracts status, `/readyz`), the server keeps serving
    /// and verifying other tenants, and the environment resumes once the cause is gone.
    /// On 9c30317 SQLite silently stored the total as a REAL (every read of the
    /// environment's customers then 500) and PostgreSQL stopped every environment.
    @Test(arguments: Backend.all)
    func aFailingEnvironmentHaltsAloneAndResumes(backend: Backend) async throws {
        var isolated = TestServer(backend)
        try await isolated.isolateDatabase()
        isolated.configuration.metricsToken = "operator-token"
        let server = isolated
        let (whale, key) = try await server.run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let reply = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"whale","delta":1,"reason":"r"}"#)
            _ = try await api.waitForDelta(reply.data["recordId"]?.string ?? "", key: key)
            return (account, key)
        }
        // The verified balance brought next to Int64.max behind the server's back.
        try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw("UPDATE customers SET verified_balance = 9223372036854000000 WHERE customer_id = 'whale'").run()
            }
        }
        try await server.run { api in
            let whaleAccount = try await api.login(whale)
            let stuck = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"whale","delta":1000000,"reason":"too far"}"#)
            #expect(stuck.status == .created, "accepted: the accepted total is small")
            let bystander = try await api.account()
            let otherKey = try await api.apiKey(bystander)
            let other = try await api.balance(.post, "/delta", key: otherKey, body: #"{"customerId":"c","delta":1,"reason":"r"}"#)
            #expect(try await api.waitForDelta(other.data["recordId"]?.string ?? "", key: otherKey).data["status"] == "VERIFIED")
            #expect(try await api.balance(.get, "/delta/\(stuck.data["recordId"]?.string ?? "")", key: key).data["status"] == "QUEUED")

            // The server stays ready (a balancer must not take every tenant away for one);
            // the operator's token reads which environment halted and why.
            let ready = try await api.call(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(!ready.text.contains("64-bit range"), "\(ready.text)")
            let detail = try await api.call(.get, "/readyz", token: "operator-token")
            #expect(detail.text.contains("64-bit range"), "\(detail.text)")
            let status = try await api.call(.get, "/dashboard/contracts/\(whaleAccount.tenantID)/status", token: whaleAccount.accessToken)
            guard case .array(let entries)? = status.data["environments"] else { throw TestFailure("no status: \(status.text)") }
            #expect(entries.first?["sequencer"]?["state"] == "halted")
            #expect(entries.first?["sequencer"]?["reason"]?.string?.contains("64-bit range") == true)
            let bystanderStatus = try await api.call(.get, "/dashboard/contracts/\(bystander.tenantID)/status", token: bystander.accessToken)
            #expect(!bystanderStatus.text.contains("halted"))
            #expect(try await api.balance(.get, "/customers", key: key).status == .ok)

            // The cause removed: the environment resumes by itself (backoff of at most a few seconds here).
            try await server.withDatabase { database in
                try await database.transaction { db in
                    try await db.raw("UPDATE customers SET verified_balance = 1000000 WHERE customer_id = 'whale'").run()
                }
            }
            let resumed = try await api.waitForDelta(stuck.data["recordId"]?.string ?? "", key: key, within: .seconds(20))
            #expect(resumed.data["status"] == "VERIFIED")
            #expect(try await api.call(.get, "/readyz").status == .ok)
        }
    }

    /// 6. A receipt counted its rows only after loading them all (10,000 × 16 KiB of
    /// metadata: 355 MiB for one request). Now the size is known first and refused.
    @Test func receiptsAreBoundedBeforeTheyAreLoaded() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            let metadata = #"{"blob":"\#(String(repeating: "m", count: 16_000))"}"#
            let item = #"{"customerId":"heavy","delta":1,"reason":"r","metadata":\#(metadata)}"#
            var last = ""
            for _ in 0..<12 {
                let reply = try await api.balance(
                    .post,
                    "/delta/batch",
                    key: key,
                    body: #"{"deltas":[\#(Array(repeating: item, count: 50).joined(separator: ","))]}"#
                )
                guard case .array(let results)? = reply.data["results"] else { throw TestFailure(reply.text) }
                last = results.last?["recordId"]?.string ?? ""
            }
            _ = try await api.waitForDelta(last, key: key)
            let receipt = try await api.balance(.get, "/receipt/heavy", key: key)
            #expect(receipt.status == .badRequest)
            #expect(receipt.errorCode == "SCOPE_TOO_WIDE")
            #expect(receipt.errorMessage?.contains("MiB") == true)
        }
    }

    /// 7. Idle and half-sent connections stayed open forever (300 after 65 s).
    @Test func idleAndHalfSentConnectionsAreClosed() async throws {
        var server = TestServer()
        server.configuration.httpIdleTimeout = .seconds(1)
        server.configuration.httpRequestTimeout = .seconds(2)
        try await server.run { api in
            guard let port = api.client.port else { throw TestFailure("no port") }
            let idle = try RawConnection(port: port)
            let halfHead = try RawConnection(port: port)
            try halfHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            let halfBody = try RawConnection(port: port)
            try halfBody.send("POST /api/v1/balance/delta HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":")
            let trickle = try RawConnection(port: port)
            try trickle.send("POST /api/v1/balance/delta HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            let started = ContinuousClock.now
            // The trickler sends a byte every 300 ms: never idle, but its request takes too long.
            while ContinuousClock.now - started < .seconds(4), !trickle.isClosed {
                try? trickle.send(" ")
                try await Task.sleep(for: .milliseconds(300))
            }
            for (name, connection) in [("idle", idle), ("half head", halfHead), ("half body", halfBody), ("trickle", trickle)] {
                #expect(try await connection.waitClosed(within: .seconds(3)), "\(name) connection still open")
            }
            // A new connection is served as ever (the test client's own idle one was closed too).
            let fresh = try RawConnection(port: port)
            try fresh.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await fresh.read(within: .seconds(3)).hasPrefix("HTTP/1.1 200"))
        }
    }

    /// 8. One tenant's never-answering receiver and a burst of its events held every
    /// delivery slot for whole rounds (another tenant waited 49.5 s). Now slots free one by
    /// one, claims are fair per tenant and capped per endpoint, and test events are limited.
    @Test(arguments: Backend.all)
    func oneTenantsDeadReceiverDoesNotDelayAnother(backend: Backend) async throws {
        var isolated = TestServer(backend)
        try await isolated.isolateDatabase()
        isolated.configuration.webhookAllowedHosts = ["127.0.0.1"]
        let server = isolated
        let silent = try SilentListener()
        let receiver = WebhookReceiver()
        try await receiver.run { url in
            try await server.run { api in
                let noisy = try await api.account()
                let noisyKey = try await api.apiKey(noisy)
                _ = try await WebhookTests.endpoint(api, noisy, url: "http://127.0.0.1:\(silent.port)/hook")
                let item = #"{"customerId":"c","delta":1,"reason":"r"}"#
                _ = try await api.balance(
                    .post,
                    "/delta/batch",
                    key: noisyKey,
                    body: #"{"deltas":[\#(Array(repeating: item, count: 60).joined(separator: ","))]}"#
                )
                try await Task.sleep(for: .seconds(1))  // its deliveries are now hanging on the silent receiver

                let quiet = try await api.account()
                let quietKey = try await api.apiKey(quiet)
                _ = try await WebhookTests.endpoint(api, quiet, url: url)
                let started = ContinuousClock.now
                let emitted = try await api.balance(.post, "/delta", key: quietKey, body: item)
                let recordID = emitted.data["recordId"]?.string ?? ""
                _ = try await receiver.wait(for: "the quiet tenant's delta.verified") {
                    $0.event == "delta.verified" && $0.json["data"]?["recordId"]?.string == recordID
                }
                let waited = ContinuousClock.now - started
                // Before: a round waited for the dead receiver's 10 s timeout (49.5 s with 160 test events).
                #expect(waited < .seconds(5), "the quiet tenant waited \(waited)")

                // Test events: ten a minute per tenant, then 429 with Retry-After.
                let (endpointID, _) = try await WebhookTests.endpoint(api, quiet, url: url, extra: #","description":"second""#)
                var statuses: [Int] = []
                for _ in 0..<11 {
                    statuses.append(try await api.call(.post, "/dashboard/webhooks/\(endpointID)/test", token: quiet.accessToken).status.code)
                }
                #expect(statuses.prefix(10).allSatisfy { $0 == 202 })
                let limited = try await api.call(.post, "/dashboard/webhooks/\(endpointID)/test", token: quiet.accessToken)
                #expect(limited.status == .tooManyRequests)
                #expect(limited.errorCode == "RATE_LIMITED")
                #expect(limited.headers[.retryAfter] != nil)
            }
        }
    }

    /// 9. An empty period's proofRoot was the same for everyone, and public verify showed
    /// another tenant's checkpoint for it. Now roots name their log and scope; a root that
    /// several v1 checkpoints share is refused publicly; `startingCheckpoint` is looked up
    /// in the caller's environment only.
    @Test(arguments: Backend.all)
    func publicVerificationNeverAnswersForAnotherTenant(backend: Backend) async throws {
        var isolated = TestServer(backend)
        try await isolated.isolateDatabase()
        let server = isolated
        try await server.run { api in
            var sealed: [(key: String, root: String, id: String, tenant: String)] = []
            for _ in 0..<2 {
                let account = try await api.account()
                let key = try await api.apiKey(account)
                _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"same","delta":1,"reason":"r"}"#)
                let created = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"same","period":"2020-01"}"#)
                #expect(created.status == .created, "\(created.text)")
                sealed.append((key, created.data["proofRoot"]?.string ?? "", created.data["checkpointId"]?.string ?? "", account.tenantID))
            }
            #expect(sealed[0].root != sealed[1].root, "two tenants' empty periods must not share a root")
            for entry in sealed {
                let verified = try await api.call(.get, "/api/v1/verify/\(entry.root)")
                #expect(verified.data["checkpointId"]?.string == entry.id)
            }
            // Tenant 1 cannot start from tenant 0's checkpoint.
            let foreign = try await api.balance(
                .get,
                "/derive/same?startingCheckpoint=\(sealed[0].root)&startingCheckpointType=proofRoot",
                key: sealed[1].key
            )
            #expect(foreign.status == .badRequest)
            // Two v1 checkpoints (sealed before v2) with one root: ambiguous, never the first one found.
            let (sharedRoot, secondID) = (sealed[0].root, sealed[1].id)
            try await server.withDatabase { database in
                try await database.transaction { db in
                    try await db.raw("UPDATE checkpoints SET proof_root = \(bind: sharedRoot) WHERE checkpoint_id = \(bind: secondID)").run()
                }
            }
            let ambiguous = try await api.call(.get, "/api/v1/verify/\(sealed[0].root)")
            #expect(ambiguous.status == .conflict)
            #expect(ambiguous.errorCode == "AMBIGUOUS_PROOF_ROOT")
            #expect(!ambiguous.text.contains(sealed[0].tenant) && !ambiguous.text.contains(sealed[1].tenant))
            let byID = try await api.call(.get, "/api/v1/verify/\(sealed[1].id)")
            #expect(byID.status == .ok)
            #expect(byID.data["checkpointId"]?.string == sealed[1].id)
        }
    }

    /// 10. Path parameters are percent-decoded; webhook hosts cannot smuggle NUL or `%`.
    @Test(arguments: Backend.all)
    func pathsAreDecodedAndWebhookHostsAreClean(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"cust:1.x","delta":3,"reason":"r"}"#)
            _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            let derived = try await api.balance(.get, "/derive/cust%3A1.x", key: key)
            #expect(derived.status == .ok, "\(derived.text)")
            #expect(derived.data["computedBalance"] == 3)
            #expect(try await api.balance(.get, "/derive/%ZZ", key: key).status == .badRequest)
            // A decoded NUL reached PostgreSQL and answered 500 (found by scripts/hostile-test).
            #expect(try await api.balance(.get, "/derive/a%00b", key: key).status == .badRequest)
            #expect(try await api.call(.get, "/dashboard/webhooks/a%00b", token: account.accessToken).status == .badRequest)
            for url in ["http://exa%00mple.com/hook", "http://example.com%2500/hook", "http://exa mple.com/hook", "http://example.com/\u{7}"] {
                let reply = try await api.call(.post, "/dashboard/webhooks", body: #"{"url":"\#(url)"}"#, token: account.accessToken)
                #expect(reply.status == .badRequest, "\(url): \(reply.text)")
            }
        }
    }
}

/// A plain TCP connection to the server, for requests no HTTP client would send.
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    /// Connects from `source` (any address of 127.0.0.0/8 is this machine: a second client address for tests).
    init(port: Int, from source: String = "127.0.0.1") throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("cannot bind to \(source)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to port \(port)") }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw TestFailure("send failed")
        }
    }

    /// Sends one request (`Connection: close`) and returns the status code of its answer.
    func status(of method: String, _ path: String, body: String) async throws -> Int {
        try send(
            "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        )
        let head = try await read(within: .seconds(10))
        guard let code = head.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { throw TestFailure("no answer: \(head)") }
        return code
    }

    /// True once the peer closed (a read returns 0 or fails), without waiting.
    var isClosed: Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let read = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// What has arrived, if anything, without waiting.
    func poll() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }

    /// What arrives within `limit` (the first read that returns data).
    func read(within limit: Duration) async throws -> String {
        let start = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now - start < limit {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { return String(decoding: buffer.prefix(count), as: UTF8.self) }
            try await Task.sleep(for: .milliseconds(20))  // never block: the servers under test share these threads
        }
        return ""
    }

    /// Polls until the peer closes the connection; false if it is still open after `limit`.
    func waitClosed(within limit: Duration) async throws -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if isClosed { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// A TCP port that accepts connections (the kernel completes them into the backlog) and
/// never answers: a webhook receiver that hangs.
final class SilentListener: @unchecked Sendable {
    private let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 1024) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw TestFailure("cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
