import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Webhooks (docs/api.md §7): endpoints, signed deliveries from the outbox, retries, the
/// delivery log, rotation, auto-disable and the SSRF guard — against a real local receiver.
@Suite struct WebhookTests {
    static func endpoint(_ api: API, _ account: Account, url: String, extra: String = "") async throws -> (id: String, secret: String) {
        let created = try await api.call(.post, "/dashboard/webhooks", body: #"{"url":"\#(url)"\#(extra)}"#, token: account.accessToken)
        guard created.status == .created, let id = created.data["id"]?.string, let secret = created.data["secret"]?.string else {
            throw TestFailure("cannot create an endpoint: \(created.text)")
        }
        return (id, secret)
    }

    static func deliveries(_ api: API, key: String, query: String = "") async throws -> [JSONValue] {
        let reply = try await api.balance(.get, "/webhooks\(query)", key: key)
        guard case .array(let items)? = reply.data["deliveries"] else { throw TestFailure("no deliveries: \(reply.text)") }
        return items
    }

    @Test(arguments: Backend.all)
    func endpointsAreManagedAndBadInputIsRefused(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        try await server.run { api in
            let account = try await api.account()
            let created = try await api.call(
                .post,
                "/dashboard/webhooks",
                body: """
                    {"url":"https://hooks.example.com/pacspace","events":["delta.verified","credits.low"],
                    "description":"billing","environment":"mainnet"}
                    """,
                token: account.accessToken
            )
            #expect(created.status == .created)
            let id = created.data["id"]?.string ?? ""
            #expect(Identifier.isWellFormed(id, prefix: "wh"))
            #expect(created.data["secret"]?.string?.hasPrefix("whsec_") == true)
            #expect(created.data["events"] == ["delta.verified", "credits.low"])
            #expect(created.data["environment"] == "mainnet")
            #expect(created.data["active"] == true)

            let shown = try await api.call(.get, "/dashboard/webhooks/\(id)", token: account.accessToken)
            #expect(shown.status == .ok)
            #expect(shown.data["secret"] == nil, "the secret is shown only once")
            #expect(!shown.text.contains(created.data["secret"]?.string ?? "-"))
            let listed = try await api.call(.get, "/dashboard/webhooks", token: account.accessToken)
            #expect(listed.data["total"] == 1)

            let patched = try await api.call(
                .patch,
                "/dashboard/webhooks/\(id)",
                body: #"{"events":null,"description":null,"environment":null,"active":false}"#,
                token: account.accessToken
            )
            #expect(patched.status == .ok)
            #expect(patched.data["allEvents"] == true)
            #expect(patched.data["events"]?.count == WebhookEventType.allCases.count)
            #expect(patched.data["description"] == .null)
            #expect(patched.data["environment"] == .null)
            #expect(patched.data["active"] == false)
            #expect(try await api.call(.post, "/dashboard/webhooks/\(id)/test", token: account.accessToken).status == .conflict)

            let rotated = try await api.call(.post, "/dashboard/webhooks/\(id)/rotate-secret", token: account.accessToken)
            #expect(rotated.status == .ok)
            #expect(rotated.data["secret"]?.string?.hasPrefix("whsec_") == true)
            #expect(rotated.data["secret"] != created.data["secret"])
            #expect(rotated.data["previousSecretValidUntil"]?.string != nil)

            let bad: [(String, String, String)] = [
                (#"{}"#, "url", "required"),
                (#"{"url":42}"#, "url", "type"),
                (#"{"url":"ftp://example.com/x"}"#, "url", "scheme"),
                (#"{"url":"not a url"}"#, "url", "format"),
                (#"{"url":"https://user:pw@example.com/x"}"#, "url", "credentials"),
                (#"{"url":"http://10.1.2.3/hook"}"#, "url", "private_address"),
                (#"{"url":"http://169.254.169.254/latest/meta-data"}"#, "url", "private_address"),
                (#"{"url":"http://[::1]:8080/hook"}"#, "url", "private_address"),
                (#"{"url":"http://localhost:8080/hook"}"#, "url", "private_address"),
                (#"{"url":"https://example.com/x","events":["delta.exploded"]}"#, "events", "enum"),
                (#"{"url":"https://example.com/x","events":[]}"#, "events", "required"),
                (#"{"url":"https://example.com/x","events":"delta.verified"}"#, "events", "type"),
                (#"{"url":"https://example.com/x","environment":"staging"}"#, "environment", "enum"),
                (#"{"url":"https://example.com/x","secret":"whsec_mine"}"#, "secret", "unknown"),
            ]
            for (body, field, problem) in bad {
                let reply = try await api.call(.post, "/dashboard/webhooks", body: body, token: account.accessToken)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(reply.json["error"]?["details"] == [["field": .string(field), "problem": .string(problem)]], "\(body): \(reply.text)")
            }
            // The other writes refuse bad input too, and change nothing.
            let badChanges: [(HTTPRequest.Method, String, String, String)] = [
                (.patch, "", #"{}"#, "VALIDATION_ERROR"),
                (.patch, "", #"{"url":"http://192.168.0.10/x"}"#, "private_address"),
                (.patch, "", #"{"events":[]}"#, "required"),
                (.patch, "", #"{"active":"yes"}"#, "type"),
                (.post, "/test", #"{"environment":"staging"}"#, "enum"),
                (.post, "/rotate-secret", #"{"overlap":1}"#, "unknown"),
            ]
            for (method, path, body, problem) in badChanges {
                let reply = try await api.call(method, "/dashboard/webhooks/\(id)\(path)", body: body, token: account.accessToken)
                #expect(reply.status == .badRequest, "\(method) \(path) \(body)")
                #expect(
                    reply.errorCode == problem || reply.json["error"]?["details"]?.count == 1 && reply.text.contains(problem),
                    "\(body): \(reply.text)"
                )
            }
            let unchanged = try await api.call(.get, "/dashboard/webhooks/\(id)", token: account.accessToken)
            #expect(unchanged.data["url"] == "https://hooks.example.com/pacspace" && unchanged.data["active"] == false)
            // The allowlist lets an operator reach a loopback receiver.
            #expect(
                try await api.call(
                    .post,
                    "/dashboard/webhooks",
                    body: #"{"url":"http://127.0.0.1:9/hook"}"#,
                    token: account.accessToken
                ).status == .created
            )
            #expect(try await api.call(.post, "/dashboard/webhooks", body: #"{"url":"https://example.com/x"}"#).status == .unauthorized)

            // Another tenant sees none of it.
            let other = try await api.account()
            for (method, path) in [(HTTPRequest.Method.get, ""), (.patch, ""), (.delete, ""), (.post, "/rotate-secret"), (.post, "/test")] {
                let reply = try await api.call(
                    method,
                    "/dashboard/webhooks/\(id)\(path)",
                    body: method == .patch ? #"{"active":true}"# : nil,
                    token: other.accessToken
                )
                #expect(reply.status == .notFound, "\(method) \(path)")
            }
            #expect(try await api.call(.get, "/dashboard/webhooks", token: other.accessToken).data["total"] == 0)

            #expect(try await api.call(.delete, "/dashboard/webhooks/\(id)", token: account.accessToken).status == .ok)
            #expect(try await api.call(.get, "/dashboard/webhooks/\(id)", token: account.accessToken).status == .notFound)
            #expect(try await api.call(.delete, "/dashboard/webhooks/\(id)", token: account.accessToken).status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func eventsAreSignedDeliveredRetriedAndLogged(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        server.configuration.webhookSchedule = RetrySchedule(base: 50, cap: 200, window: 3_600_000)
        let receiver = WebhookReceiver()
        try await receiver.run { [server] url in
            try await server.run { api in
                let account = try await api.account()
                let (_, secret) = try await Self.endpoint(api, account, url: url)
                let key = try await api.apiKey(account)
                let provisioned = try await receiver.wait(for: "environment.provisioned") { $0.event == "environment.provisioned" }
                #expect(provisioned.verifies(secret))
                #expect(provisioned.json["data"]?["status"] == "active")
                #expect(provisioned.json["tenantId"]?.string == account.tenantID)

                let emitted = try await api.balance(
                    .post,
                    "/delta",
                    key: key,
                    body: #"{"customerId":"c1","delta":12.5,"reason":"gpu","referenceId":"r1"}"#
                )
                let recordID = emitted.data["recordId"]?.string ?? ""
                let verified = try await receiver.wait(for: "delta.verified") { $0.json["data"]?["recordId"]?.string == recordID }
                #expect(verified.verifies(secret))
                #expect(!verified.verifies("whsec_wrong"))
                #expect(verified.event == "delta.verified")
                #expect(verified.json["id"]?.string == verified.eventID)
                #expect(verified.json["environment"] == "testnet")
                let data = verified.json["data"] ?? .null
                #expect(data["delta"] == .number("12.5"))
                #expect(data["referenceId"] == "r1")
                #expect(data["sequenceNumber"] == 1)
                #expect(data["contentHash"] == emitted.data["contentHash"])
                #expect(data["verificationReference"] == emitted.data["receiptId"])
                #expect(data["logIndex"] != nil && data["latencyMs"] != nil)
                #expect(abs(verified.timestamp - Int64(Date().timeIntervalSince1970)) < 300)

                let checkpoint = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"c1"}"#)
                let checkpointEvent = try await receiver.wait(for: "checkpoint.verified") { $0.event == "checkpoint.verified" }
                #expect(checkpointEvent.json["data"]?["proofRoot"] == checkpoint.data["proofRoot"])

                // The receiver fails: attempts are logged and retried with backoff until it answers.
                receiver.answer(.internalServerError)
                let failing = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c1","delta":-2,"reason":"refund"}"#)
                let failingID = failing.data["recordId"]?.string ?? ""
                var logged: JSONValue = .null
                for _ in 0..<500 where (logged["attempts"].flatMap { Int($0.numberText ?? "") } ?? 0) < 2 {
                    try await Task.sleep(for: .milliseconds(20))
                    logged = try await Self.deliveries(api, key: key, query: "?status=pending").first ?? .null
                }
                #expect(logged["state"] == "pending" || logged["state"] == "delivering")
                #expect(logged["status"] == "QUEUED" || logged["status"] == "PROCESSING")
                #expect(logged["lastStatusCode"] == 500)
                #expect(logged["history"]?.count ?? 0 >= 2)
                #expect(logged["nextAttemptAt"]?.string != nil)
                receiver.answer(.noContent)
                _ = try await receiver.wait(for: "the retried delta.verified") {
                    $0.json["data"]?["recordId"]?.string == failingID && $0.event == "delta.verified"
                }
                let eventID = logged["eventId"]?.string ?? ""
                var settled: JSONValue = .null
                for _ in 0..<500 where settled["state"] != "delivered" {
                    try await Task.sleep(for: .milliseconds(20))
                    settled = try await Self.deliveries(api, key: key).first { $0["eventId"]?.string == eventID } ?? .null
                }
                #expect(settled["state"] == "delivered")
                #expect(settled["status"] == "VERIFIED", "the SDK's vocabulary")
                #expect(
                    try await Self.deliveries(api, key: key, query: "?status=VERIFIED").count
                        == (try await Self.deliveries(api, key: key, query: "?status=delivered")).count
                )
                #expect(settled["lastStatusCode"] == 204)

                // A manual retry sends the same event again, same id and body.
                let before = receiver.deliveries.filter { $0.eventID == eventID }.count
                let retried = try await api.balance(.post, "/webhooks/\(eventID)/retry", key: key, body: "{}")
                #expect(retried.status == .accepted)
                #expect(retried.data["scheduled"] == 1)
                let again = try await receiver.wait(for: "the manual retry") { delivery in
                    delivery.eventID == eventID && receiver.deliveries.filter { $0.eventID == eventID }.count > before
                }
                #expect(again.eventID == eventID)
                let copies = receiver.deliveries.filter { $0.eventID == eventID }
                #expect(Set(copies.map(\.body)).count == 1, "every attempt sends the same body")

                // Bad input on the Balance API routes.
                #expect(try await api.balance(.post, "/webhooks/evt_unknown/retry", key: key, body: "{}").status == .notFound)
                #expect(try await api.balance(.post, "/webhooks/\(eventID)/retry", key: key, body: #"{"now":true}"#).status == .badRequest)
                #expect(try await api.balance(.get, "/webhooks?status=lost", key: key).status == .badRequest)
                #expect(try await api.balance(.get, "/webhooks?limit=0", key: key).status == .badRequest)
                let live = try await api.apiKey(account, environment: "mainnet")
                #expect(
                    try await api.balance(.post, "/webhooks/\(eventID)/retry", key: live, body: "{}").status == .notFound,
                    "a production key does not reach sandbox events"
                )
                let other = try await api.account()
                let otherKey = try await api.apiKey(other)
                #expect(try await Self.deliveries(api, key: otherKey).isEmpty)
                #expect(try await api.balance(.post, "/webhooks/\(eventID)/retry", key: otherKey, body: "{}").status == .notFound)
            }
        }
    }

    @Test(arguments: Backend.all)
    func rotationSignsWithBothSecretsAndTestEventsArrive(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        let receiver = WebhookReceiver()
        try await receiver.run { [server] url in
            try await server.run { api in
                let account = try await api.account()
                let (id, oldSecret) = try await Self.endpoint(api, account, url: url, extra: #","events":["delta.verified"]"#)
                // The limit refills one send every 6 s: a slow run earns more (counted below).
                let firstSend = ContinuousClock.now
                let test = try await api.call(.post, "/dashboard/webhooks/\(id)/test", token: account.accessToken)
                #expect(test.status == .accepted)
                let first = try await receiver.wait(for: "webhook.test") { $0.event == "webhook.test" }
                #expect(first.verifies(oldSecret))
                #expect(first.signature.split(separator: ",").count == 1)

                let rotated = try await api.call(.post, "/dashboard/webhooks/\(id)/rotate-secret", token: account.accessToken)
                let newSecret = rotated.data["secret"]?.string ?? ""
                let second = try await api.call(
                    .post,
                    "/dashboard/webhooks/\(id)/test",
                    body: #"{"environment":"mainnet"}"#,
                    token: account.accessToken
                )
                let secondID = second.data["eventId"]?.string ?? ""
                let overlap = try await receiver.wait(for: "the test after rotation") { $0.eventID == secondID }
                #expect(overlap.signature.split(separator: ",").count == 2, "both secrets sign for 24 h")
                #expect(
                    overlap.signature.hasPrefix(WebhookSignature.sign(secret: newSecret, timestamp: overlap.timestamp, body: overlap.body)),
                    "newest first"
                )
                #expect(overlap.verifies(newSecret) && overlap.verifies(oldSecret))
                #expect(overlap.json["environment"] == "mainnet")

                // Manual retries count with test events (issue 25: retrying a test event stepped
                // around the limit): two sends so far, eight more retries, then 429.
                var sends: [HTTPResponse.Status] = []
                for _ in 0..<9 {
                    let retried = try await api.call(
                        .post,
                        "/dashboard/webhook-deliveries/\(secondID)/retry",
                        body: "{}",
                        token: account.accessToken,
                        headers: [HTTPField.Name("X-Environment") ?? .via: "mainnet"]
                    )
                    sends.append(retried.status)
                }
                let refills = Int((ContinuousClock.now - firstSend) / .seconds(6))
                #expect(sends.allSatisfy { $0 == .accepted || $0 == .tooManyRequests }, "\(sends)")
                let accepted = sends.filter { $0 == .accepted }.count
                #expect(accepted >= 8 && accepted <= 8 + refills, "\(sends) after \(refills) refills")
                if refills == 0 { #expect(sends.last == .tooManyRequests) }
            }
        }
    }

    @Test(arguments: Backend.all)
    func anEndpointFailingForTheWholeWindowIsDisabled(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        // A window long enough for a retry even on a loaded machine (800 ms once saw one attempt only).
        server.configuration.webhookSchedule = RetrySchedule(base: 50, cap: 100, window: 3000)
        let receiver = WebhookReceiver()
        receiver.answer(.serviceUnavailable)
        try await receiver.run { [server] url in
            try await server.run { api in
                let account = try await api.account()
                let (id, _) = try await Self.endpoint(api, account, url: url)
                _ = try await api.call(.post, "/dashboard/webhooks/\(id)/test", token: account.accessToken)
                var endpoint: JSONValue = .null
                for _ in 0..<500 where endpoint["active"] != false {
                    try await Task.sleep(for: .milliseconds(20))
                    endpoint = try await api.call(.get, "/dashboard/webhooks/\(id)", token: account.accessToken).data
                }
                #expect(endpoint["active"] == false)
                #expect(endpoint["disabledReason"]?.string?.contains("failed") == true)
                #expect(receiver.deliveries.count >= 2, "retried before giving up")
                _ = try await api.mailToken(to: account.email, marker: "disabled it")
                let key = try await api.apiKey(account)
                let log = try await Self.deliveries(api, key: key, query: "?status=failed")
                #expect(log.first?["event"] == "webhook.test")
                #expect(log.first?["lastStatusCode"] == 503)
                // Re-enabled, it is usable again and the failed event can be retried.
                let eventID = log.first?["eventId"]?.string ?? ""
                #expect(try await api.balance(.post, "/webhooks/\(eventID)/retry", key: key, body: "{}").status == .conflict)
                let enabled = try await api.call(.patch, "/dashboard/webhooks/\(id)", body: #"{"active":true}"#, token: account.accessToken)
                #expect(enabled.data["active"] == true && enabled.data["disabledReason"] == .null)
                receiver.answer(.ok)
                #expect(try await api.balance(.post, "/webhooks/\(eventID)/retry", key: key, body: "{}").status == .accepted)
                _ = try await receiver.wait(for: "the retried test") { $0.eventID == eventID && receiver.deliveries.last?.eventID == eventID }
            }
        }
    }

    /// Delivery re-checks the destination: an endpoint saved while the operator allowed
    /// loopback is refused (and never contacted) once the allowlist is gone.
    @Test(arguments: Backend.all)
    func deliveryRefusesPrivateAddressesNotAllowed(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        let receiver = WebhookReceiver()
        try await receiver.run { [server] url in
            let (account, id) = try await server.run { api in
                let account = try await api.account()
                let (id, _) = try await Self.endpoint(api, account, url: url)
                receiver.answer(.internalServerError)
                return (account, id)
            }
            var locked = server
            locked.configuration.webhookAllowedHosts = []
            try await locked.run { api in
                let account = try await api.login(account)
                let key = try await api.apiKey(account)
                _ = try await api.call(.post, "/dashboard/webhooks/\(id)/test", token: account.accessToken)
                let seen = receiver.deliveries.count
                var refused: JSONValue = .null
                for _ in 0..<500 where refused["attempts"] == nil || refused["attempts"] == 0 {
                    try await Task.sleep(for: .milliseconds(20))
                    refused = try await Self.deliveries(api, key: key).first { $0["event"] == "webhook.test" } ?? .null
                }
                #expect(refused["lastError"]?.string?.contains("refused") == true, "\(refused)")
                #expect(refused["lastStatusCode"] == .null)
                #expect(receiver.deliveries.count == seen, "nothing was sent")
            }
        }
    }

    @Test(arguments: Backend.all)
    func creditsLowIsAnnouncedOnceWhenCrossingTheThreshold(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        server.configuration.freeCredits = Amount(micros: 4_000_000)
        server.configuration.creditsLowThreshold = Amount(micros: 2_000_000)
        let receiver = WebhookReceiver()
        try await receiver.run { [server] url in
            try await server.run { api in
                let account = try await api.account()
                _ = try await Self.endpoint(api, account, url: url, extra: #","events":["credits.low"]"#)
                let live = try await api.apiKey(account, environment: "mainnet")
                for index in 0..<4 {
                    #expect(
                        try await api.balance(.post, "/delta", key: live, body: #"{"customerId":"c","delta":1,"reason":"r\#(index)"}"#).status
                            == .created
                    )
                }
                let low = try await receiver.wait(for: "credits.low") { $0.event == "credits.low" }
                #expect(low.json["data"]?["availableBalance"] == 1)
                #expect(low.json["data"]?["threshold"] == 2)
                #expect(low.json["environment"] == "mainnet")
                try await Task.sleep(for: .milliseconds(1500))
                #expect(receiver.deliveries.filter { $0.event == "credits.low" }.count == 1)
                #expect(!receiver.deliveries.contains { $0.event == "environment.provisioned" }, "only subscribed events")
            }
        }
    }
}

extension JSONValue {
    var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }
}
