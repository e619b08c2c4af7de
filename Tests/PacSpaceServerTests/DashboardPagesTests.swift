import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// The dashboard pages' session and forms (docs/operations.md, "The dashboard"): the
/// cookie's attributes, login as a new session (no fixation), logout ending it on the
/// server, CSRF on every form, pages only for their own tenant, escaping. The walk
/// through a real browser is Tests/e2e/test_dashboard.py.
@Suite struct DashboardPagesTests {
    /// A browser's cookies, kept between requests.
    struct Browser {
        var cookies: [String: String] = [:]

        var header: HTTPFields {
            var fields = HTTPFields()
            fields[.userAgent] = "TestBrowser/1.0"
            if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
            return fields
        }

        mutating func keep(_ reply: Reply) {
            for line in reply.headers[values: .setCookie] {
                let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard pair.count == 2 else { continue }
                if line.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
            }
        }

        mutating func get(_ api: API, _ path: String) async throws -> Reply {
            let reply = try await api.call(.get, path, headers: header)
            keep(reply)
            return reply
        }

        /// Posts `fields` as a form; `csrf` from `page` unless given.
        mutating func post(_ api: API, _ path: String, _ fields: [(String, String)], csrfFrom page: Reply) async throws -> Reply {
            let csrf = fields.contains { $0.0 == "csrf" } ? [] : [("csrf", Self.csrf(in: page.text))]
            let body = (csrf + fields).map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&")
            let reply = try await api.call(.post, path, body: body, contentType: "application/x-www-form-urlencoded", headers: header)
            keep(reply)
            return reply
        }

        static func csrf(in html: String) -> String {
            guard let range = html.range(of: #"name="csrf" value="[0-9a-f]+""#, options: .regularExpression) else { return "" }
            return String(html[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }

        static func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
        }

        /// Logs `account` in through the login page.
        mutating func login(_ api: API, _ account: Account) async throws -> Reply {
            let page = try await get(api, "/app/login")
            return try await post(api, "/app/login", [("email", account.email), ("password", account.password)], csrfFrom: page)
        }
    }

    @Test(arguments: Backend.all)
    func loginStartsANewSessionAndLogoutEndsIt(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            var browser = Browser()
            // Not signed in: every dashboard page sends to the login page.
            for path in ["/app", "/app/keys", "/app/customers", "/app/customers/x", "/app/environments"] {
                let page = try await browser.get(api, path)
                #expect(page.status == .seeOther && page.headers[.location] == "/app/login", "\(path)")
            }
            let form = try await browser.get(api, "/app/login")
            #expect(form.status == .ok && form.text.contains(#"<label for="email">Email</label>"#))
            let csrfCookie = try #require(form.headers[values: .setCookie].first { $0.hasPrefix("pacspace_csrf=") })
            #expect(csrfCookie.contains("HttpOnly") && csrfCookie.contains("SameSite=Lax") && csrfCookie.contains("Secure"))

            // A session value planted before login is not the one login sets.
            browser.cookies["pacspace_session"] = "rt_planted"
            let wrong = try await browser.post(api, "/app/login", [("email", account.email), ("password", "wrong password!")], csrfFrom: form)
            #expect(wrong.status == .unauthorized && wrong.text.contains("The email or password is wrong."))
            #expect(wrong.text.contains(#"value="\#(account.email)""#))
            let login = try await browser.post(api, "/app/login", [("email", account.email), ("password", account.password)], csrfFrom: wrong)
            #expect(login.status == .seeOther && login.headers[.location] == "/app")
            let sessionCookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("pacspace_session=") })
            #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Lax") && sessionCookie.contains("Secure"))
            #expect(browser.cookies["pacspace_session"] != "rt_planted" && browser.cookies["pacspace_session"]?.hasPrefix("rt_") == true)
            #expect(login.headers[values: .setCookie].contains { $0.hasPrefix("pacspace_csrf=") }, "the CSRF value is renewed at login")

            let home = try await browser.get(api, "/app")
            #expect(home.status == .ok && home.text.contains(account.email) && home.text.contains("Acme GPU"))
            // The page's session is an API session: listed, and ended by logout on the server.
            let listed = try await api.call(.get, "/dashboard/auth/sessions", token: account.accessToken)
            #expect(listed.data["sessions"]?.count == 2)
            #expect(listed.text.contains("TestBrowser/1.0"), "the page's session keeps the browser's user agent: \(listed.text)")
            let stolen = browser.cookies
            let out = try await browser.post(api, "/app/logout", [], csrfFrom: home)
            #expect(out.status == .seeOther && out.headers[.location] == "/app/login" && browser.cookies["pacspace_session"] == nil)
            var thief = Browser(cookies: stolen)
            #expect(try await thief.get(api, "/app").status == .seeOther, "a copy of the cookie dies with the session")
            #expect(try await api.call(.get, "/dashboard/auth/sessions", token: account.accessToken).data["sessions"]?.count == 1)
        }
    }

    @Test func everyFormNeedsItsCSRFField() async throws {
        try await TestServer().run { api in
            let account = try await api.account()
            _ = try await api.apiKey(account)
            var browser = Browser()
            _ = try await browser.login(api, account)
            let keys = try await browser.get(api, "/app/keys")
            #expect(keys.status == .ok)
            for csrf in ["", "00000000000000000000000000000000", Browser.csrf(in: keys.text) + "0"] {
                let refused = try await browser.post(api, "/app/keys", [("csrf", csrf), ("name", "x"), ("environment", "test")], csrfFrom: keys)
                #expect(refused.status == .forbidden && refused.text.contains("did not come from this site"), "\(csrf)")
            }
            // The right field with another browser's cookie is refused too.
            var other = Browser()
            _ = try await other.login(api, account)
            let foreign = try await other.post(api, "/app/keys", [("name", "x"), ("environment", "test")], csrfFrom: keys)
            #expect(foreign.status == .forbidden)
            // A CSRF cookie planted from a sibling domain, with the field a signed-out page gives
            // for it: the field is bound to the session, so the victim's form is refused (issue 25).
            var attacker = Browser()
            let login = try await attacker.get(api, "/app/login")
            let planted = try #require(attacker.cookies["pacspace_csrf"])
            var victim = other
            victim.cookies["pacspace_csrf"] = planted
            let forged = try await victim.post(api, "/app/keys", [("name", "x"), ("environment", "test")], csrfFrom: login)
            #expect(forged.status == .forbidden, "\(forged.status)")
            let listed = try await api.call(.get, "/dashboard/api-keys", token: account.accessToken)
            #expect(listed.data["total"] == 1, "no refused form created a key")

            let created = try await browser.post(api, "/app/keys", [("name", "<b>ci</b>"), ("environment", "test")], csrfFrom: keys)
            #expect(created.status == .created && created.text.contains("pk_test_") && created.text.contains("&lt;b&gt;ci&lt;/b&gt;"))
            #expect(created.headers[.cacheControl] == "no-store")
            let again = try await browser.get(api, "/app/keys")
            #expect(!again.text.contains(#"id="full-key""#), "the full key is shown once")

            // Rename, disable, enable, rotate with an overlap: the API's answers, through the pages.
            guard let range = again.text.range(of: #"/app/keys/key_[a-z0-9]+/rename"#, options: .regularExpression) else {
                throw TestFailure("no key to manage")
            }
            let base = String(again.text[range].dropLast("/rename".count))
            let renamed = try await browser.post(api, base + "/rename", [("name", "renamed key")], csrfFrom: again)
            #expect(renamed.status == .ok && renamed.text.contains("Key renamed.") && renamed.text.contains("renamed key"))
            let disabled = try await browser.post(api, base + "/active", [("active", "false")], csrfFrom: renamed)
            #expect(disabled.text.contains("Key disabled") && disabled.text.contains("<td>disabled</td>"))
            let enabled = try await browser.post(api, base + "/active", [("active", "true")], csrfFrom: disabled)
            #expect(enabled.text.contains("Key enabled."))
            let rotated = try await browser.post(api, base + "/rotate", [("overlapSeconds", "3600")], csrfFrom: enabled)
            #expect(rotated.status == .ok && rotated.text.contains(#"id="full-key""#) && rotated.text.contains("the old secret works until"))
            let tooLong = try await browser.post(api, base + "/rotate", [("overlapSeconds", "99999999999")], csrfFrom: rotated)
            #expect(tooLong.status == .badRequest && tooLong.text.contains("overlapSeconds"))
            let notForm = try await api.call(.post, "/app/keys", body: #"{"name":"x"}"#, headers: browser.header)
            #expect(notForm.status == .unsupportedMediaType)
            let badEscape = try await api.call(
                .post,
                "/app/keys",
                body: "csrf=%zz",
                contentType: "application/x-www-form-urlencoded",
                headers: browser.header
            )
            #expect(badEscape.status == .badRequest && badEscape.headers[.contentType] == "text/html; charset=utf-8")
            let huge = "csrf=x&name=" + String(repeating: "a", count: 70 * 1024)
            let tooLarge = try await api.call(
                .post,
                "/app/keys",
                body: huge,
                contentType: "application/x-www-form-urlencoded",
                headers: browser.header
            )
            #expect(tooLarge.status == .contentTooLarge && tooLarge.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    @Test(arguments: Backend.all)
    func aSessionSeesOnlyItsOwnTenant(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let owner = try await api.account()
            let key = try await api.apiKey(owner)
            let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"owner-secret","delta":5,"reason":"private"}"#)
            _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            let stranger = try await api.account()
            _ = try await api.apiKey(stranger)
            var browser = Browser()
            _ = try await browser.login(api, stranger)
            let detail = try await browser.get(api, "/app/customers/owner-secret")
            #expect(detail.status == .notFound && !detail.text.contains("private"))
            let list = try await browser.get(api, "/app/customers?search=owner")
            #expect(list.status == .ok && !list.text.contains("owner-secret"))
            let export = try await browser.get(api, "/app/customers/owner-secret/export")
            #expect(export.status == .notFound)
            // Revoking another tenant's key through the page: not found, and the key still works.
            let keys = try await api.call(.get, "/dashboard/api-keys", token: owner.accessToken)
            guard case .array(let items)? = keys.data["items"], let keyID = items.first?["id"]?.string else { throw TestFailure("no key") }
            let page = try await browser.get(api, "/app/keys")
            let revoke = try await browser.post(api, "/app/keys/\(keyID)/revoke", [], csrfFrom: page)
            #expect(revoke.status == .notFound)
            #expect(try await api.balance(.get, "/customers/owner-secret", key: key).status == .ok)

            // The owner sees it, escaped where it came from the tenant.
            var mine = Browser()
            _ = try await mine.login(api, owner)
            let own = try await mine.get(api, "/app/customers/owner-secret")
            #expect(own.status == .ok && own.text.contains("private") && own.text.contains(#"href="/verify/rec_"#))
        }
    }

    @Test func webhooksAndTheAccountThroughThePages() async throws {
        var server = TestServer()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        try await server.run { api in
            let account = try await api.account()
            _ = try await api.apiKey(account)
            var browser = Browser()
            _ = try await browser.login(api, account)
            let page = try await browser.get(api, "/app/webhooks")
            #expect(page.status == .ok && page.text.contains("No endpoints yet."))
            let created = try await browser.post(
                api,
                "/app/webhooks",
                [
                    ("url", "http://127.0.0.1:9/hook"), ("description", ""), ("environment", ""), ("events", "delta.verified"),
                    ("events", "customer.created"),
                ],
                csrfFrom: page
            )
            #expect(created.status == .created && created.text.contains(#"id="signing-secret""#) && created.text.contains("whsec_"))
            #expect(created.text.contains("delta.verified, customer.created"))
            let refused = try await browser.post(api, "/app/webhooks", [("url", "ftp://x")], csrfFrom: page)
            #expect(refused.status == .badRequest && refused.text.contains("flash error"))
            guard let range = created.text.range(of: #"/app/webhooks/wh_[a-z0-9]+/test"#, options: .regularExpression) else {
                throw TestFailure("no endpoint")
            }
            let base = String(created.text[range].dropLast("/test".count))
            let tested = try await browser.post(api, base + "/test", [], csrfFrom: created)
            #expect(tested.text.contains("Test event evt_") && tested.text.contains("webhook.test"))
            guard let retry = tested.text.range(of: #"/app/webhooks/deliveries/evt_[a-z0-9]+/retry"#, options: .regularExpression) else {
                throw TestFailure("no delivery")
            }
            let retried = try await browser.post(api, String(tested.text[retry]), [("environment", "testnet")], csrfFrom: tested)
            #expect(retried.status == .ok && retried.text.contains("A new attempt is scheduled now."))
            let rotated = try await browser.post(api, base + "/rotate-secret", [], csrfFrom: retried)
            #expect(rotated.text.contains("Secret rotated") && rotated.text.contains(#"id="signing-secret""#))
            let disabled = try await browser.post(api, base + "/active", [("active", "false")], csrfFrom: rotated)
            #expect(disabled.text.contains("Endpoint disabled"))
            let home = try await browser.get(api, "/app")
            #expect(home.text.contains("<code>http://127.0.0.1:9/hook</code> is failing"), "the home page names an endpoint that gets nothing")
            let deleted = try await browser.post(api, base + "/delete", [], csrfFrom: disabled)
            #expect(deleted.text.contains("Webhook endpoint deleted") && deleted.text.contains("No endpoints yet."))

            // The account: sessions (another one signed out from here) and a new password.
            var other = Browser()
            _ = try await other.login(api, account)
            let mine = try await browser.get(api, "/app/account")
            #expect(mine.text.contains("this one") && mine.text.contains("Credits available"))
            guard let session = mine.text.range(of: #"/app/account/sessions/ses_[a-z0-9]+/revoke"#, options: .regularExpression) else {
                throw TestFailure("no other session")
            }
            _ = try await browser.post(api, String(mine.text[session]), [], csrfFrom: mine)
            let wrong = try await browser.post(
                api,
                "/app/account/password",
                [("currentPassword", "nope"), ("newPassword", "a new good one")],
                csrfFrom: mine
            )
            #expect(wrong.status == .unauthorized || wrong.status == .badRequest || wrong.status == .forbidden, "\(wrong.status)")
            let changed = try await browser.post(
                api,
                "/app/account/password",
                [("currentPassword", account.password), ("newPassword", "a new good password")],
                csrfFrom: mine
            )
            #expect(changed.status == .ok && changed.text.contains("Password changed"))
            #expect(try await browser.get(api, "/app").status == .ok, "the page's own session is kept")
            #expect(try await other.get(api, "/app").status == .seeOther, "the other sessions are signed out")
        }
    }

    @Test(arguments: Backend.all)
    func aCustomerIsDerivedFilteredAndItsPeriodsListed(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            for (amount, reason) in [("10", "gpu"), ("-2.5", "refund")] {
                let emitted = try await api.balance(
                    .post,
                    "/delta",
                    key: key,
                    body: #"{"customerId":"derive-me","delta":\#(amount),"reason":"\#(reason)"}"#
                )
                _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            }
            let month = String(Timestamp.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(7))
            var browser = Browser()
            _ = try await browser.login(api, account)
            let derived = try await browser.get(api, "/app/customers/derive-me?derive=\(month)")
            #expect(derived.status == .ok && derived.text.contains("Verified deltas in \(month)") && derived.text.contains(">7.5</dd>"))
            #expect(derived.text.contains("not yet"), "the month is not sealed yet")
            let refunds = try await browser.get(api, "/app/customers/derive-me?reason=refund")
            #expect(refunds.text.contains(">-2.5</td>") && !refunds.text.contains(">10</td>"))
            let today = String(Timestamp.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(10))
            let empty = try await browser.get(api, "/app/customers/derive-me?startDate=2020-01-01&endDate=2020-02-01")
            #expect(empty.text.contains("No deltas match."), "a window before the deltas: \(today)")
            let badDate = try await browser.get(api, "/app/customers/derive-me?startDate=yesterday&endDate=2020-02-01")
            #expect(badDate.status == .ok && badDate.text.contains("flash error") && badDate.text.contains(">10</td>"), "refused filter, whole list")
            let badMonth = try await browser.get(api, "/app/customers/derive-me?derive=13-2026")
            #expect(badMonth.text.contains("flash error") && !badMonth.text.contains("Verified deltas in"))

            // Sealed, the month shows on the checkpoints page with its customer link.
            let page = try await browser.get(api, "/app/customers/derive-me")
            _ = try await browser.post(api, "/app/customers/derive-me/checkpoint", [("period", month), ("environment", "testnet")], csrfFrom: page)
            let checkpoints = try await browser.get(api, "/app/checkpoints")
            #expect(checkpoints.status == .ok && checkpoints.text.contains("derive-me") && checkpoints.text.contains("/verify/chk_"))
            #expect(checkpoints.text.contains("Sealed periods in Sandbox (testnet): 1"))
            let production = try await browser.get(api, "/app/checkpoints?environment=mainnet")
            #expect(production.status == .preconditionFailed && production.text.contains("not active"))
            #expect(try await api.call(.get, "/dashboard/checkpoints", token: account.accessToken).data["total"] == 1)

            // Adding a customer through the page: refused as the JSON route refuses, on the list.
            let list = try await browser.get(api, "/app/customers")
            let unnamed = try await browser.post(api, "/app/customers", [("displayName", ""), ("environment", "testnet")], csrfFrom: list)
            #expect(unnamed.status == .badRequest && unnamed.text.contains("displayName is required."))
            let taken = try await browser.post(
                api,
                "/app/customers",
                [("displayName", "Again"), ("customerId", "derive-me"), ("environment", "testnet")],
                csrfFrom: list
            )
            #expect(taken.status == .conflict && taken.text.contains("exists already"))
            let added = try await browser.post(
                api,
                "/app/customers",
                [("displayName", "Fresh"), ("customerId", "fresh-one"), ("environment", "testnet")],
                csrfFrom: list
            )
            #expect(added.status == .seeOther && added.headers[.location] == "/app/customers/fresh-one?environment=testnet")
        }
    }
}
