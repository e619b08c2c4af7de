import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Each dashboard page shows what the store holds (issue 26): the pages render the typed
/// queries their JSON routes answer from, so a page's figure is the route's figure — read
/// here from the JSON route as the oracle, and from the page as a person sees it. Before,
/// a page read the route's JSON back by name with `"0"` fallbacks: a renamed field would
/// have shown a zero and no test would have failed.
@Suite struct DashboardPageFiguresTests {
    typealias Browser = DashboardPagesTests.Browser

    /// `<dt>label</dt><dd…>value</dd>` as the figures lists write it.
    static func figure(_ label: String, _ value: String, amount: Bool = false) -> String {
        "<dt>\(label)</dt><dd\(amount ? #" class="amount""# : "")>\(value)</dd>"
    }

    @Test(arguments: Backend.all)
    func homeAndEnvironmentsShowTheEnvironmentsFigures(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            for (customer, amount) in [("fig-a", "5"), ("fig-a", "2.5"), ("fig-b", "1")] {
                let emitted = try await api.balance(
                    .post,
                    "/delta",
                    key: key,
                    body: #"{"customerId":"\#(customer)","delta":\#(amount),"reason":"usage"}"#
                )
                _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            }
            let summary = try await api.call(.get, "/dashboard/customers/summary", token: account.accessToken).data
            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken).data
            guard let contract = contracts.arrayValue?.first, let treeSize = contract["treeSize"]?.numberText.flatMap({ Int($0) }) else {
                throw TestFailure("no contract")
            }
            #expect(summary["customers"] == 2 && summary["verifiedThisMonth"] == 3 && summary["computedBalance"] == .number("8.5"))

            var browser = Browser()
            _ = try await browser.login(api, account)
            let home = try await browser.get(api, "/app")
            #expect(home.status == .ok && home.text.contains("<h1>Acme GPU</h1>"))
            #expect(home.text.contains(Self.figure("Customers", "2")) && home.text.contains(Self.figure("Verified this month", "3")))
            #expect(home.text.contains(Self.figure("Balance of all customers", "8.5", amount: true)))
            #expect(home.text.contains(Self.figure("Log entries", String(treeSize))) && treeSize >= 3)
            #expect(home.text.contains(Self.figure("Waiting for the log", "0")) && home.text.contains(Self.figure("Oldest waiting", "none")))
            #expect(home.text.contains(#"data-environment="mainnet""#) && home.text.contains("Not active yet"))
            #expect(!home.text.contains("Credits available"), "credits show on production's card, which is not active")

            let environments = try await browser.get(api, "/app/environments")
            for field in ["logOrigin", "publicKey", "id"] {
                let value = contract[field]?.string ?? "missing"
                #expect(environments.text.contains(value), "\(field) \(value)")
            }
            let tiles = TestServer.publicURL + "/api/v1/log/" + (contract["id"]?.string ?? "missing")
            #expect(contract["tilesPrefix"]?.string == tiles && environments.text.contains(#"value="\#(tiles)""#), "the tiles' prefix")
            #expect(environments.text.contains(#"data-status="not_provisioned""#) && environments.text.contains("Activate Production (mainnet)"))

            // Activation through the page: refused as the JSON route refuses, then done.
            let moon = try await browser.post(api, "/app/environments", [("environment", "moon")], csrfFrom: environments)
            #expect(moon.status == .badRequest && moon.text.contains("flash error") && moon.text.contains("environment"))
            let activated = try await browser.post(api, "/app/environments", [("environment", "mainnet")], csrfFrom: environments)
            #expect(activated.status == .seeOther)
            let status = try await api.call(.get, "/dashboard/contracts/\(account.tenantID)/status", token: account.accessToken)
            let mainnet = status.data["environments"]?.arrayValue?.first { $0["environment"] == "mainnet" }
            #expect(mainnet?["status"] == "provisioning" || mainnet?["status"] == "active", "\(status.text)")
        }
    }

    @Test func keysWebhooksAndTheAccountShowWhatTheStoreHolds() async throws {
        var server = TestServer()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        try await server.run { api in
            let account = try await api.account()
            _ = try await api.apiKey(account)
            var browser = Browser()
            _ = try await browser.login(api, account)

            // Keys: every key the route lists, with its public key; a new one shown once and working.
            let keys = try await browser.get(api, "/app/keys")
            let listed = try await api.call(.get, "/dashboard/api-keys", token: account.accessToken).data["items"]?.arrayValue ?? []
            #expect(!listed.isEmpty)
            for key in listed { #expect(keys.text.contains(key["publicKey"]?.string ?? "missing")) }
            let created = try await browser.post(api, "/app/keys", [("name", "page key"), ("environment", "test")], csrfFrom: keys)
            guard created.status == .created,
                let range = created.text.range(of: #"pk_test_[A-Za-z0-9_]+\.sk_test_[A-Za-z0-9_-]+"#, options: .regularExpression)
            else {
                throw TestFailure("no new key: \(created.status)")
            }
            let fullKey = String(created.text[range])
            #expect(try await api.balance(.get, "/customers", key: fullKey).status == .ok, "the key shown works")
            let badOverlap = try await browser.post(
                api,
                "/app/keys/\(Self.id(of: "page key", in: created.text))/rotate",
                [("overlapSeconds", "soon")],
                csrfFrom: created
            )
            #expect(badOverlap.status == .badRequest && badOverlap.text.contains("overlapSeconds"))
            let rotated = try await browser.post(
                api,
                "/app/keys/\(Self.id(of: "page key", in: created.text))/rotate",
                [("overlapSeconds", "0")],
                csrfFrom: created
            )
            #expect(rotated.status == .ok && rotated.text.contains("the old secret no longer works"))
            #expect(try await api.balance(.get, "/customers", key: fullKey).status == .unauthorized, "the old secret stops at once")

            // Webhooks: an endpoint as stored; a healthy one is not "failing".
            let page = try await browser.get(api, "/app/webhooks")
            let added = try await browser.post(
                api,
                "/app/webhooks",
                [("url", "http://127.0.0.1:9/healthy"), ("description", "ops")],
                csrfFrom: page
            )
            #expect(added.status == .created && added.text.contains("<code>http://127.0.0.1:9/healthy</code>"))
            #expect(added.text.contains(#"<span class="hint">ops</span>"#) && !added.text.contains("failing since"))
            let endpoints = try await api.call(.get, "/dashboard/webhooks", token: account.accessToken).data["items"]?.arrayValue ?? []
            #expect(endpoints.count == 1 && endpoints.first?["failingSince"] == .null)

            // The account: the credits the route answers.
            let credits = try await api.call(.get, "/dashboard/credit/balances", token: account.accessToken).data
            let mine = try await browser.get(api, "/app/account")
            for (label, field) in [("Credits available", "availableBalance"), ("Balance", "creditBalance"), ("Reserved", "reserved")] {
                let value = credits[field]?.numberText ?? "missing"
                #expect(mine.text.contains(Self.figure(label, value, amount: true)), "\(field) \(value)")
            }
        }
    }

    /// The id of the key named `name` on the keys page.
    static func id(of name: String, in html: String) -> String {
        guard let row = html.range(of: #"<tr data-key="key_[a-z0-9]+">\s*<td>\#(name)</td>"#, options: .regularExpression) else { return "missing" }
        let text = html[row]
        guard let id = text.range(of: #"key_[a-z0-9]+"#, options: .regularExpression) else { return "missing" }
        return String(text[id])
    }
}
