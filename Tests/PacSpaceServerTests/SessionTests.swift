import Foundation
import HTTPTypes
import PacSpaceCore
import Testing

@testable import PacSpaceServer

/// Sessions you can end: every revocation ends the session's access tokens at once, a
/// reset spends every reset token, and one refresh token refreshes once under any race.
@Suite struct SessionTests {
    @Test(arguments: Backend.all)
    func accessTokensEndWithTheirSession(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let a = try await api.account()
            let b = try await api.login(a)
            func me(_ account: Account) async throws -> HTTPResponse.Status {
                try await api.call(.get, "/dashboard/auth/me", token: account.accessToken).status
            }
            let listed = try await api.call(.get, "/dashboard/auth/sessions", token: a.accessToken)
            #expect(listed.status == .ok)
            guard case .array(let sessions)? = listed.data["sessions"] else { throw TestFailure("no sessions: \(listed.text)") }
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0["current"] == true }.map { $0["id"]?.string } == [JWTFixtures.session(of: a.accessToken)])
            #expect(sessions.allSatisfy { $0["ipAddress"]?.string != nil && $0["createdAt"]?.string != nil })

            // One session signed out from another: its access token fails at once, and its refresh token.
            let bSession = JWTFixtures.session(of: b.accessToken)
            #expect(try await me(b) == .ok)
            #expect(try await api.call(.delete, "/dashboard/auth/sessions/\(bSession)", token: a.accessToken).status == .ok)
            #expect(try await me(b) == .unauthorized)
            #expect(try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(b.refreshToken)"}"#).status == .unauthorized)
            #expect(try await api.call(.delete, "/dashboard/auth/sessions/\(bSession)", token: a.accessToken).status == .notFound)
            #expect(try await me(a) == .ok)

            // Another user's session is not ours to end.
            let stranger = try await api.account()
            let foreign = try await api.call(
                .delete,
                "/dashboard/auth/sessions/\(JWTFixtures.session(of: stranger.accessToken))",
                token: a.accessToken
            )
            #expect(foreign.status == .notFound)
            #expect(try await me(stranger) == .ok)

            // Logout ends the access token too.
            #expect(try await api.call(.post, "/dashboard/auth/logout", body: #"{"refreshToken":"\#(a.refreshToken)"}"#).status == .ok)
            #expect(try await me(a) == .unauthorized)

            // Revoke the others: this one stays.
            let c = try await api.login(a)
            let d = try await api.login(a)
            let others = try await api.call(.post, "/dashboard/auth/sessions/revoke-others", token: c.accessToken)
            #expect(others.data["revoked"] == 1)
            #expect(try await me(c) == .ok)
            #expect(try await me(d) == .unauthorized)

            // Everywhere: this one too.
            let e = try await api.login(a)
            #expect(try await api.call(.post, "/dashboard/auth/logout-everywhere", token: e.accessToken).data["revoked"] == 2)
            #expect(try await me(c) == .unauthorized)
            #expect(try await me(e) == .unauthorized)
        }
    }

    @Test(arguments: Backend.all)
    func aResetSpendsEveryResetTokenAndEndsEverySession(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.rateLimits.mail = RateLimiter.Policy(burst: 10, intervalMillis: 1)  // two reset mails at once, on purpose
        try await server.run { api in
            let account = try await api.account()
            for _ in 0..<2 {
                #expect(try await api.call(.post, "/dashboard/auth/forgot-password", body: #"{"email":"\#(account.email)"}"#).status == .ok)
            }
            // Both mails, oldest first.
            var tokens: [String] = []
            for _ in 0..<500 where tokens.count < 2 {
                tokens = try api.mailTokens(to: account.email, marker: "Reset token: ")
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(tokens.count == 2)
            let (first, second) = (tokens.first ?? "", tokens.last ?? "")
            let reset = try await api.call(
                .post,
                "/dashboard/auth/reset-password",
                body: #"{"token":"\#(second)","password":"a brand new password"}"#
            )
            #expect(reset.status == .ok)
            #expect(try await api.call(.get, "/dashboard/auth/me", token: account.accessToken).status == .unauthorized)
            let older = try await api.call(
                .post,
                "/dashboard/auth/reset-password",
                body: #"{"token":"\#(first)","password":"the attacker's password"}"#
            )
            #expect(older.errorCode == "INVALID_TOKEN")
            let login = #"{"email":"\#(account.email)","password":"a brand new password"}"#
            #expect(try await api.call(.post, "/dashboard/auth/login", body: login).status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func changingThePasswordNeedsTheCurrentOneAndSignsOthersOut(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let other = try await api.login(account)
            _ = try await api.call(.post, "/dashboard/auth/forgot-password", body: #"{"email":"\#(account.email)"}"#)
            let resetToken = try await api.mailToken(to: account.email, marker: "Reset token: ")
            let path = "/dashboard/auth/change-password"
            let wrong = try await api.call(
                .post,
                path,
                body: #"{"currentPassword":"not it at all","newPassword":"a brand new password"}"#,
                token: account.accessToken
            )
            #expect(wrong.status == .badRequest)
            #expect(wrong.json["error"]?["details"] == [["field": "currentPassword", "problem": "mismatch"]])
            #expect(
                try await api.call(
                    .post,
                    path,
                    body: #"{"currentPassword":"\#(account.password)","newPassword":"short"}"#,
                    token: account.accessToken
                ).status == .badRequest
            )
            let changed = try await api.call(
                .post,
                path,
                body: #"{"currentPassword":"\#(account.password)","newPassword":"a brand new password"}"#,
                token: account.accessToken
            )
            #expect(changed.status == .ok)
            #expect(try await api.call(.get, "/dashboard/auth/me", token: account.accessToken).status == .ok)
            #expect(try await api.call(.get, "/dashboard/auth/me", token: other.accessToken).status == .unauthorized)
            let stale = try await api.call(
                .post,
                "/dashboard/auth/reset-password",
                body: #"{"token":"\#(resetToken)","password":"the attacker's password"}"#
            )
            #expect(stale.errorCode == "INVALID_TOKEN")
            #expect(
                try await api.call(.post, path, body: #"{"currentPassword":"a brand new password","newPassword":"another new password"}"#).status
                    == .unauthorized
            )
        }
    }

    /// A bogus reset token costs a lookup, not a bcrypt: six at once answer before one hash
    /// at cost 13 (about half a second here) could finish, while the control — a genuine
    /// token — does hash. (Before, each bogus reset hashed first: 16 loops of them took a
    /// real login from 0.24 s to 9.2 s.)
    @Test func aBogusResetTokenCostsNoHash() async throws {
        var server = TestServer()
        server.configuration.bcryptCost = 13
        try await server.run { api in
            let body = #"{"token":"bogus-token-0123456789","password":"a brand new password"}"#
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<6 { group.addTask { try await api.call(.post, "/dashboard/auth/reset-password", body: body).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let bogus = ContinuousClock.now - started
            #expect(statuses == Array(repeating: .badRequest, count: 6))
            let registered = ContinuousClock.now
            _ = try await api.register(email: "hash-\(UUID().uuidString.prefix(6).lowercased())@example.com")
            let oneHash = ContinuousClock.now - registered
            #expect(bogus < oneHash, "six bogus resets took \(bogus); one registration (one hash) \(oneHash)")
        }
    }

    /// Sixteen refreshes with one token at once, five times: exactly one wins each time,
    /// the others count as reuse, and so the winner's successor is dead too. (With a read
    /// first and an unconditional update, several won on PostgreSQL and reuse went unseen.)
    @Test(arguments: Backend.all)
    func oneRefreshTokenRefreshesOnceUnderARace(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.rateLimits.authRoutes = RateLimiter.Policy(burst: 1_000, intervalMillis: 1)  // 80 refreshes at once, on purpose
        try await server.run { api in
            let account = try await api.account()
            for _ in 0..<5 {
                let session = try await api.login(account)
                let body = #"{"refreshToken":"\#(session.refreshToken)"}"#
                let replies = try await concurrently(16) { _ in try await api.call(.post, "/dashboard/auth/refresh", body: body) }
                let winners = replies.filter { $0.status == .ok }
                #expect(winners.count == 1)
                #expect(replies.filter { $0.status == .unauthorized }.count == 15)
                let successor = winners.first?.data["refreshToken"]?.string ?? ""
                #expect(try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(successor)"}"#).status == .unauthorized)
                #expect(try await api.call(.get, "/dashboard/auth/me", token: winners.first?.data["accessToken"]?.string).status == .unauthorized)
            }
        }
    }
}

/// The `log` mail transport: a development tool that must not leak live tokens.
@Suite struct LogMailTransportTests {
    /// The outbox file has the token; no log line has it, nor the body.
    @Test func tokensReachTheOutboxNotTheLog() async throws {
        let server = TestServer()
        try await server.run { api in
            let email = "log-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            _ = try await api.register(email: email)
            let verification = try await api.mailToken(to: email)
            #expect(try await api.call(.post, "/dashboard/auth/forgot-password", body: #"{"email":"\#(email)"}"#).status == .ok)
            let reset = try await api.mailToken(to: email, marker: "Reset token: ")
            let lines = server.logs.all
            #expect(lines.contains { $0.contains("mail written to the outbox") })
            #expect(!lines.contains { $0.contains(verification) || $0.contains(reset) || $0.contains("Welcome to PacSpace") })
        }
    }

    /// The registrant's text never reaches the mail: they may have typed a stranger's address.
    @Test func mailsCarryNoAttackerText() async throws {
        try await TestServer().run { api in
            let email = "victim-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let body =
                #"{"email":"\#(email)","password":"correct horse battery","#
                + #""firstName":"Visit http://phish.example now","lastName":"Lee","companyName":"Call +1 555 0100"}"#
            #expect(try await api.call(.post, "/dashboard/auth/register", body: body).status == .created)
            _ = try await api.mailToken(to: email)
            let outbox = try FileManager.default.contentsOfDirectory(atPath: api.outbox)
            let mails = try outbox.map { try String(contentsOfFile: api.outbox + "/" + $0, encoding: .utf8) }.filter { $0.contains("To: \(email)") }
            #expect(mails.count == 1)
            #expect(!mails.contains { $0.contains("phish") || $0.contains("555 0100") })
        }
    }

    /// A public server never falls into the `log` transport unasked.
    @Test func aPublicServerMustChooseItsTransport() throws {
        func check(_ environment: [String: String]) throws {
            var configuration = ServerConfiguration()
            try configuration.apply(environment: environment)
            try configuration.checkMailTransport()
        }
        #expect(throws: (any Error).self) { try check(["PUBLIC_URL": "https://pay.example.com"]) }
        #expect(throws: (any Error).self) { try check(["PUBLIC_URL": "https://127.0.0.1.example.com"]) }
        for url in ["http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"] { try check(["PUBLIC_URL": url]) }
        try check(["PUBLIC_URL": "https://pay.example.com", "PACSPACE_MAIL_TRANSPORT": "log"])
        try check(["PUBLIC_URL": "https://pay.example.com", "PACSPACE_MAIL_TRANSPORT": "sendmail"])
    }
}

@Suite struct DataDirectoryTests {
    /// An existing directory and files made readable by everyone (the old 0755/0644) come out private.
    @Test func theDataDirectoryAndItsSecretsArePrivate() async throws {
        let directory = Scratch.path("server")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        #expect(FileManager.default.createFile(atPath: directory + "/pacspace.sqlite", contents: nil, attributes: [.posixPermissions: 0o644]))
        let server = TestServer(dataDirectory: directory)
        try await server.run { api in _ = try await api.account() }
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(directory) == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasSuffix("outbox") && !name.hasSuffix("witness") {
            #expect(try mode(directory + "/" + name) & 0o077 == 0, "\(name)")
        }
        for mail in try FileManager.default.contentsOfDirectory(atPath: directory + "/outbox") {
            #expect(try mode(directory + "/outbox/" + mail) & 0o077 == 0, "\(mail)")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
