import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Testing

@testable import PacSpaceServer

/// The public verification page (docs/verification.md, "The verification page"): what
/// anyone sees, what only the provider's link shows, the files it offers (which verify
/// offline), its errors as pages, and its security headers. The in-browser check itself
/// runs in a real browser (Tests/e2e/test_pages.py).
@Suite struct VerifyPageTests {
    static let month: String = {
        let now = Date()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month], from: now)
        return String(format: "%04d-%02d", parts.year ?? 2026, parts.month ?? 1)
    }()

    /// An account whose customer `who` has two VERIFIED deltas (one with a reason that is
    /// HTML) sealed in a VERIFIED checkpoint of this month; the receipt answer's verifyUrl.
    static func sealedPeriod(_ api: API, who: String) async throws -> (key: String, verifierKey: String, deltas: [JSONValue], verifyURL: String) {
        let account = try await api.account()
        let key = try await api.apiKey(account)
        var deltas: [JSONValue] = []
        for body in [
            #"{"customerId":"\#(who)","delta":12.5,"reason":"<script>alert(1)</script>","metadata":{"note":"private-metadata","n":1e30}}"#,
            #"{"customerId":"\#(who)","delta":-3,"reason":"refund","referenceId":"inv-9"}"#,
        ] {
            let emitted = try await api.balance(.post, "/delta", key: key, body: body)
            deltas.append(try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key).data)
        }
        var sealed = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"\#(who)","period":"\#(month)"}"#)
        var pause = PollingPause()
        for _ in 0..<1000 where sealed.data["status"] != "VERIFIED" {
            try await pause.wait()
            sealed = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"\#(who)","period":"\#(month)"}"#)
        }
        #expect(sealed.data["status"] == "VERIFIED")
        let receipt = try await api.balance(.get, "/receipt/\(who)?period=\(month)", key: key)
        let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
        guard case .array(let items) = contracts.data, let verifierKey = items.first?["publicKey"]?.string else { throw TestFailure("no key") }
        return (key, verifierKey, deltas, receipt.data["verifyUrl"]?.string ?? "")
    }

    /// The path and query of an absolute URL of the test server.
    static func local(_ url: String) -> String { String(url.dropFirst(TestServer.publicURL.count)) }

    @Test(arguments: Backend.all)
    func anyoneSeesTheProofOnlyTheLinkShowsTheContent(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let (_, verifierKey, deltas, verifyURL) = try await Self.sealedPeriod(api, who: "secret-cust")
            let first = deltas[0]
            let receiptID = first["receiptId"]?.string ?? ""
            let recordID = first["recordId"]?.string ?? ""
            let contentHash = first["contentHash"]?.string ?? ""

            // By receipt id, content hash, or the receipt route: the proof, no content.
            for path in [
                "/verify/\(receiptID)", "/verify/\(contentHash)", "/verify/\(contentHash.uppercased().replacingOccurrences(of: "0X", with: "0x"))",
                "/receipt/\(receiptID)",
            ] {
                let page = try await api.call(.get, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(page.text.contains(#"data-verdict="verified""#), "\(path)")
                #expect(page.text.contains(receiptID) && page.text.contains("12.5"))
                for secret in ["secret-cust", "alert(1)", "private-metadata", recordID] {
                    #expect(!page.text.contains(secret), "\(path) shows \(secret)")
                }
            }
            // By record id (the value that blinds the hash): the content, escaped.
            let disclosed = try await api.call(.get, "/verify/\(recordID)")
            #expect(disclosed.status == .ok)
            #expect(disclosed.text.contains(#"<dd data-field="customerId">secret-cust</dd>"#))
            #expect(disclosed.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !disclosed.text.contains("<script>alert"))
            #expect(disclosed.text.contains("private-metadata"))

            // The period: public facts by id; with the link's k, scope and every record.
            #expect(verifyURL.hasPrefix("\(TestServer.publicURL)/verify/chk_") && verifyURL.contains("?k="))
            let checkpointID = String(Self.local(verifyURL).dropFirst("/verify/".count).prefix { $0 != "?" })
            let open = try await api.call(.get, "/verify/\(checkpointID)")
            #expect(open.status == .ok && open.text.contains(#"data-verdict="verified""#))
            #expect(!open.text.contains("secret-cust") && !open.text.contains("data-record"))
            let period = try await api.call(.get, Self.local(verifyURL))
            #expect(period.text.contains("secret-cust") && period.text.components(separatedBy: "<tr data-record>").count == 3)
            #expect(period.text.contains(deltas[1]["recordId"]?.string ?? "-"))
            // A wrong k, or the k of another id, shows nothing more.
            let k = String(verifyURL.split(separator: "=").last ?? "")
            for path in [
                "/verify/\(checkpointID)?k=\(String(repeating: "0", count: 32))", "/verify/\(receiptID)?k=\(k)", "/verify/\(checkpointID)?k=zz",
            ] {
                let page = try await api.call(.get, path)
                #expect(page.status == .ok && !page.text.contains("secret-cust"), "\(path)")
            }

            // The files verify offline, as pacspace verify-receipt checks them.
            let receipt = try await api.call(.get, "/verify/\(receiptID)/receipt.tlog-proof")
            #expect(receipt.headers[.contentDisposition]?.contains("receipt.tlog-proof") == true)
            let key = try await api.call(.get, "/verify/\(receiptID)/verifier-key")
            #expect(key.text == verifierKey + "\n")
            #expect(try await api.call(.get, "/verify/\(receiptID)/delta.json").status == .notFound)
            let delta = try await api.call(.get, "/verify/\(recordID)/delta.json")
            let report = try OfflineVerification.verify(delta: delta.json, receipt: receipt.text, verifierKey: verifierKey)
            #expect(report.contentHash.prefixedHex == contentHash)
            let query = "?k=\(k)"
            let checkpoint = try await api.call(.get, "/verify/\(checkpointID)/checkpoint.json\(query)")
            let records = try await api.call(.get, "/verify/\(checkpointID)/deltas.json\(query)")
            let periodReceipt = try await api.call(.get, "/verify/\(checkpointID)/receipt.tlog-proof")
            guard case .array(let list) = records.json else { throw TestFailure("no deltas: \(records.text)") }
            let periodReport = try OfflineVerification.verifyPeriod(
                checkpoint: checkpoint.json,
                deltas: list,
                receipt: periodReceipt.text,
                verifierKey: verifierKey
            )
            #expect(periodReport.deltaCount == 2 && periodReport.netChange.description == "9.5")
            for path in ["/verify/\(checkpointID)/checkpoint.json", "/verify/\(checkpointID)/deltas.json?k=\(String(repeating: "a", count: 32))"] {
                #expect(try await api.call(.get, path).status == .notFound, "\(path)")
            }
        }
    }

    /// Issue 27, point 5: every value the page shows as recorded is one the browser's check
    /// covers (a `data-field` of the checked list), or stands under "Stated by this server, not
    /// checked by your browser". An amount edited in the database, on the page reached by the
    /// receipt id (where the content is withheld), shows only there.
    @Test(arguments: Backend.all)
    func whatTheBrowserCannotCheckIsMarkedSo(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        try await server.run { [server] api in
            let (_, _, deltas, verifyURL) = try await Self.sealedPeriod(api, who: "edited")
            let receiptID = deltas[0]["receiptId"]?.string ?? ""
            let recordID = deltas[0]["recordId"]?.string ?? ""
            let recordKey = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/job/transitions", key: recordKey, body: RecordsTests.entry())
            let entry = try await api.waitForRecordEntry("job", seq: 0, key: recordKey).data["receipt"]
            let entryPages = [Self.local(entry?["verifyUrl"]?.string ?? ""), "/verify/\(entry?["receiptId"]?.string ?? "")"]
            try await server.withDatabase { database in
                try await database.transaction { db in
                    try await db.raw("UPDATE deltas SET amount = 777123457 WHERE receipt_id = \(bind: receiptID)").run()
                }
            }
            for path in ["/verify/\(receiptID)", "/verify/\(recordID)", Self.local(verifyURL)] + entryPages {
                let page = try await api.call(.get, path)
                #expect(page.status == .ok, "\(path)")
                let checked = Self.between(page.text, #"id="entry""#, "</dl>")
                #expect(!checked.isEmpty, "\(path) has its checked list")
                // Each shown value of the checked list is a field the browser recomputes.
                for item in checked.components(separatedBy: "<dd").dropFirst() {
                    let value = item.prefix { $0 != "\n" }
                    #expect(value.contains("data-field"), "\(path): unchecked \(value)")
                }
                #expect(page.text.contains("Stated by this server, not checked by your browser"), "\(path)")
            }
            // Through the record id the amount is a field the browser recomputes the content hash
            // from (the edit fails its check); through the receipt id it cannot be, and is not listed so.
            let byRecord = try await api.call(.get, "/verify/\(recordID)")
            #expect(Self.between(byRecord.text, #"id="entry""#, "</dl>").contains(#"data-field="delta" class="amount">777.123457<"#))
            let byReceipt = try await api.call(.get, "/verify/\(receiptID)")
            let stated = Self.between(byReceipt.text, #"class="facts stated""#, "</dl>")
            #expect(stated.contains(">777.123457<") && stated.contains("Witnessed at"), "\(stated)")
            #expect(
                !Self.between(byReceipt.text, #"id="entry""#, "</dl>").contains("777.123457"),
                "the edited amount stands among the checked values"
            )
        }
    }

    /// The text of `text` after the first `start` up to the next `end`; empty when absent.
    static func between(_ text: String, _ start: String, _ end: String) -> String {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else { return "" }
        return String(text[from.upperBound..<to.lowerBound])
    }

    @Test func unknownAndMalformedIdsArePagesThatSaySo() async throws {
        try await TestServer().run { api in
            for path in [
                "/verify/rcpt_doesnotexist", "/verify/chk_doesnotexist", "/verify/rec_doesnotexist", "/verify/nope",
                "/verify/0x\(String(repeating: "ab", count: 32))", "/verify/%3Cscript%3E", "/receipt/chk_abc", "/receipt/rcpt_nope",
                "/verify/\(String(repeating: "x", count: 4000))", "/verify/rcpt_nope/receipt.tlog-proof", "/verify/rcpt_nope/verifier-key",
            ] {
                let page = try await api.call(.get, path)
                #expect(page.status == .notFound, "\(path): \(page.status)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(page.text.contains("<h1>Not found</h1>"), "\(path)")
                #expect(!page.text.contains("<script>"), "\(path)")
            }
            let repeated = try await api.call(.get, "/verify/rcpt_x?k=1&k=2")
            #expect(repeated.status == .notFound || repeated.status == .badRequest)
            #expect(repeated.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    @Test func embedOriginsMayFrameOnlyTheVerificationPages() async throws {
        var server = TestServer()
        server.configuration.embedOrigins = ["https://billing.example", "https://portal.example:8443"]
        try await server.run { api in
            let page = try await api.call(.get, "/verify/rcpt_unknown")
            #expect(page.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors https://billing.example https://portal.example:8443") == true)
            #expect(page.headers[HTTPField.Name("X-Frame-Options") ?? .via] == nil)
            for path in ["/healthz", "/openapi.json", "/dashboard/auth/me"] {
                let other = try await api.call(.get, path)
                #expect(other.headers[.contentSecurityPolicy]?.hasSuffix("frame-ancestors 'none'") == true, "\(path)")
                #expect(other.headers[HTTPField.Name("X-Frame-Options") ?? .via] == "DENY", "\(path)")
            }
        }
        for bad in ["https://a.example/path", "javascript:alert(1)", "https://a.example 'unsafe-inline'", "https://a.example;script-src *"] {
            var configuration = ServerConfiguration()
            #expect(throws: ConfigurationError.self, "\(bad)") { try configuration.apply(environment: ["PACSPACE_EMBED_ORIGINS": bad]) }
        }
    }

    @Test func pagesAreRateLimitedPerAddressAndRoute() async throws {
        var server = TestServer()
        try server.configuration.rateLimits.apply(environment: ["PACSPACE_RATE_LIMIT_PAGES": "1/min,3"])
        try await server.run { api in
            for _ in 0..<3 { #expect(try await api.call(.get, "/verify/rcpt_a\(UUID().uuidString.prefix(4))").status == .notFound) }
            let limited = try await api.call(.get, "/verify/rcpt_other")
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            #expect(limited.headers[.contentType] == "text/html; charset=utf-8" && limited.text.contains("Too many requests"))
            // Another route has its own bucket; the JSON API is not limited by the pages' one.
            #expect(try await api.call(.get, "/receipt/rcpt_x").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/verify/rcpt_x").status == .notFound)
        }
    }

    @Test func assetsAreVersionedAndCachedByVersion() async throws {
        try await TestServer().run { api in
            let page = try await api.call(.get, "/verify/nope")
            guard let range = page.text.range(of: #"/assets/app.css\?v=[0-9a-f]{12}"#, options: .regularExpression) else {
                throw TestFailure("no stylesheet link")
            }
            let css = try await api.call(.get, String(page.text[range]))
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let stale = try await api.call(.get, "/assets/app.css?v=000000000000")
            #expect(stale.status == .ok && stale.headers[.cacheControl] == "no-cache")
            let script = try await api.call(.get, "/assets/verify.js")
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8" && script.text.contains("use strict"))
            #expect(try await api.call(.get, "/assets/..%2FPackage.swift").status == .notFound)
            #expect(try await api.call(.get, "/assets/openapi.json").status == .notFound)
        }
    }
}
