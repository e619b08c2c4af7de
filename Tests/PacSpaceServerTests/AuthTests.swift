import Foundation
import HTTPTypes
import HummingbirdTesting
import PacSpaceCore
import Testing

@testable import PacSpaceServer

/// `/dashboard/auth/*`: registration, verification, sessions, passwords.
@Suite struct AuthTests {
    @Test(arguments: Backend.all)
    func registrationVerificationAndLogin(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let email = "Mixed-\(UUID().uuidString.prefix(6))@Example.com"
            let registered = try await api.register(email: email)
            #expect(registered.status == .created)
            #expect(registered.data.keys.isSuperset(of: ["id", "email", "firstName", "lastName", "tenantId", "emailVerified"]))
            #expect(registered.data["email"]?.string == email.lowercased())
            #expect(registered.data["emailVerified"] == false)
            #expect(Identifier.isWellFormed(registered.data["tenantId"]?.string ?? "", prefix: "tnt"))

            let duplicate = try await api.register(email: email.uppercased())
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorCode == "EMAIL_TAKEN")

            let login = #"{"email":"\#(email)","password":"correct horse battery"}"#
            let early = try await api.call(.post, "/dashboard/auth/login", body: login)
            #expect(early.status == .forbidden)
            #expect(early.errorCode == "EMAIL_NOT_VERIFIED")

            let token = try await api.mailToken(to: email.lowercased())
            let verified = try await api.call(.get, "/dashboard/auth/verify?token=\(token)")
            #expect(verified.status == .ok)
            #expect(verified.json["message"] == "Email verified successfully.")
            let reused = try await api.call(.get, "/dashboard/auth/verify?token=\(token)")
            #expect(reused.status == .badRequest)
            #expect(reused.errorCode == "INVALID_TOKEN")
            #expect(try await api.call(.get, "/dashboard/auth/verify?token=nonsense").errorCode == "INVALID_TOKEN")
            #expect(try await api.call(.get, "/dashboard/auth/verify").status == .badRequest)

            let session = try await api.call(.post, "/dashboard/auth/login", body: login)
            #expect(session.status == .ok)
            #expect(session.data.keys == ["accessToken", "refreshToken", "tokenType", "expiresIn", "user"])
            #expect(session.data["tokenType"] == "Bearer")
            #expect(session.data["expiresIn"] == 900)
            #expect(session.data["user"]?["role"] == "owner")
            #expect(session.data["user"]?["emailVerified"] == true)

            let me = try await api.call(.get, "/dashboard/auth/me", token: session.data["accessToken"]?.string)
            #expect(me.status == .ok)
            #expect(me.data["user"]?["email"]?.string == email.lowercased())
            #expect(me.data["tenant"]?["name"] == "Acme GPU")
            #expect(try await api.call(.get, "/dashboard/auth/me").status == .unauthorized)
        }
    }

    @Test func wrongPasswordAndUnknownEmailLookTheSame() async throws {
        try await TestServer().run { api in
            let account = try await api.account()
            let wrong = try await api.call(.post, "/dashboard/auth/login", body: #"{"email":"\#(account.email)","password":"not the password"}"#)
            let unknown = try await api.call(.post, "/dashboard/auth/login", body: #"{"email":"nobody@example.com","password":"not the password"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "INVALID_CREDENTIALS")
            #expect(wrong.json["error"] == unknown.json["error"])
            #expect(unknown.status == .unauthorized)
        }
    }

    /// Failed logins are limited per email and client address: a stranger at 127.0.0.2
    /// guessing the owner's password is stopped, and the owner at 127.0.0.1 still logs in
    /// (the old per-email limit locked the owner out); successful logins never count.
    @Test func aStrangerCannotLockTheOwnerOut() async throws {
        var server = TestServer()
        server.configuration.rateLimits.login = RateLimiter.Policy(burst: 3, intervalMillis: 60_000)
        try await server.run { api in
            guard let port = api.client.port else { throw TestFailure("no port") }
            let account = try await api.account()
            let wrong = #"{"email":"\#(account.email)","password":"wrong password"}"#
            var strangers: [Int] = []
            for _ in 0..<5 {
                strangers.append(try await RawConnection(port: port, from: "127.0.0.2").status(of: "POST", "/dashboard/auth/login", body: wrong))
            }
            #expect(strangers == [401, 401, 401, 429, 429])
            let right = #"{"email":"\#(account.email)","password":"\#(account.password)"}"#
            for _ in 0..<5 { #expect(try await api.call(.post, "/dashboard/auth/login", body: right).status == .ok) }
            for _ in 0..<3 { #expect(try await api.call(.post, "/dashboard/auth/login", body: wrong).status == .unauthorized) }
            let limited = try await api.call(.post, "/dashboard/auth/login", body: right)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "RATE_LIMITED")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(limited.json["error"]?["retryAfterSeconds"] != nil)
            // Other emails are not affected.
            let other = try await api.account()
            #expect(!other.accessToken.isEmpty)
        }
    }

    @Test func registrationRejectsBadInput() async throws {
        try await TestServer().run { api in
            let path = "/dashboard/auth/register"
            let good: [String: String] = [
                "email": "\"ok@example.com\"", "password": "\"long enough pw\"", "firstName": "\"A\"", "lastName": "\"B\"", "companyName": "\"C\"",
            ]
            func body(_ changes: [String: String?]) -> String {
                var fields = good
                for (key, value) in changes { fields[key] = value }
                return "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
            }
            let cases: [([String: String?], String, String)] = [
                (["email": nil], "email", "required"), (["email": "\"not-an-email\""], "email", "format"),
                (["email": "42"], "email", "type"), (["password": "\"short\""], "password", "too_short"),
                (["password": "\"\(String(repeating: "p", count: 73))\""], "password", "too_long"),
                (["firstName": "\"\(String(repeating: "n", count: 101))\""], "firstName", "too_long"),
                (["lastName": "\"\""], "lastName", "required"), (["companyName": "{}"], "companyName", "type"),
                (["role": "\"admin\""], "role", "unknown"), (["firstName": "\"a\\u0000b\""], "firstName", "invalid"),
            ]
            for (change, field, problem) in cases {
                let reply = try await api.call(.post, path, body: body(change))
                #expect(reply.status == .badRequest, "\(change)")
                #expect(reply.json["error"]?["details"] == [["field": .string(field), "problem": .string(problem)]], "\(change): \(reply.text)")
            }
            #expect(try await api.call(.post, path, body: body([:])).status == .created)
            // No account was created by the rejected ones: the good email registered fine, once.
            #expect(try await api.call(.post, path, body: body([:])).errorCode == "EMAIL_TAKEN")
        }
    }

    @Test(arguments: Backend.all)
    func refreshTokensRotateAndReuseRevokesTheFamily(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let first = try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(account.refreshToken)"}"#)
            #expect(first.status == .ok)
            let second = first.data["refreshToken"]?.string ?? ""
            #expect(second != account.refreshToken)
            #expect(try await api.call(.get, "/dashboard/auth/me", token: first.data["accessToken"]?.string).status == .ok)

            // The spent token comes back: refused, and its successor dies with it.
            let replay = try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(account.refreshToken)"}"#)
            #expect(replay.status == .unauthorized)
            #expect(try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(second)"}"#).status == .unauthorized)
            #expect(try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"rt_unknown"}"#).status == .unauthorized)
            #expect(try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":5}"#).status == .badRequest)

            // Logout revokes a fresh session's token.
            let login = try await api.call(.post, "/dashboard/auth/login", body: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#)
            let token = login.data["refreshToken"]?.string ?? ""
            #expect(try await api.call(.post, "/dashboard/auth/logout", body: #"{"refreshToken":"\#(token)"}"#).status == .ok)
            #expect(try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(token)"}"#).status == .unauthorized)
        }
    }

    @Test(arguments: Backend.all)
    func passwordResetIsOneTimeAndSignsEverySessionOut(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let forgot = try await api.call(.post, "/dashboard/auth/forgot-password", body: #"{"email":"\#(account.email)"}"#)
            #expect(forgot.status == .ok)
            let unknown = try await api.call(.post, "/dashboard/auth/forgot-password", body: #"{"email":"nobody@example.com"}"#)
            #expect(unknown.status == .ok)
            #expect(unknown.json["message"] == forgot.json["message"])

            let token = try await api.mailToken(to: account.email, marker: "Reset token: ")
            let weak = try await api.call(.post, "/dashboard/auth/reset-password", body: #"{"token":"\#(token)","password":"short"}"#)
            #expect(weak.status == .badRequest)
            let reset = try await api.call(.post, "/dashboard/auth/reset-password", body: #"{"token":"\#(token)","password":"a brand new password"}"#)
            #expect(reset.status == .ok)
            let again = try await api.call(.post, "/dashboard/auth/reset-password", body: #"{"token":"\#(token)","password":"another new password"}"#)
            #expect(again.errorCode == "INVALID_TOKEN")

            #expect(
                try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(account.refreshToken)"}"#).status == .unauthorized
            )
            #expect(
                try await api.call(.post, "/dashboard/auth/login", body: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#).status
                    == .unauthorized
            )
            #expect(
                try await api.call(.post, "/dashboard/auth/login", body: #"{"email":"\#(account.email)","password":"a brand new password"}"#).status
                    == .ok
            )
        }
    }

    @Test func resendVerificationSendsANewLinkWithoutRevealingAccounts() async throws {
        var server = TestServer()
        server.configuration.rateLimits.mail = RateLimiter.Policy(burst: 10, intervalMillis: 1)  // a resend right after registering, on purpose
        try await server.run { api in
            let email = "resend-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            _ = try await api.register(email: email)
            let first = try await api.mailToken(to: email)
            let resent = try await api.call(.post, "/dashboard/auth/resend-verification", body: #"{"email":"\#(email)"}"#)
            let unknown = try await api.call(.post, "/dashboard/auth/resend-verification", body: #"{"email":"nobody@example.com"}"#)
            #expect(resent.status == .ok)
            #expect(unknown.status == .ok)
            #expect(resent.json["message"] == unknown.json["message"])
            var second = first
            for _ in 0..<1000 where second == first {  // up to 10 s
                second = try await api.mailToken(to: email)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(second != first)
            #expect(try await api.call(.get, "/dashboard/auth/verify?token=\(second)").status == .ok)
        }
    }
}

/// The `sendmail` transport pipes an RFC 5322 message to the configured program.
@Suite struct SendmailTransportTests {
    @Test func verificationMailReachesTheSendmailProgram() async throws {
        let directory = URL(fileURLWithPath: Scratch.path("sendmail"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let received = directory.appendingPathComponent("received.eml").path
        let program = directory.appendingPathComponent("sendmail").path
        try "#!/bin/sh\n[ \"$1 $2\" = \"-t -i\" ] || exit 9\ncat > '\(received)'\n".write(toFile: program, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
        var server = TestServer()
        server.configuration.mailTransport = .sendmail(path: program)
        let email = "sendmail-\(UUID().uuidString.prefix(6).lowercased())@example.com"
        try await server.run { api in
            #expect(try await api.register(email: email).status == .created)
            var message = ""
            for _ in 0..<200 where message.isEmpty {
                message = (try? String(contentsOfFile: received, encoding: .utf8)) ?? ""
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(message.contains("To: \(email)\r\n"))
            #expect(message.contains("Subject: Verify your PacSpace email\r\n"))
            #expect(message.contains("https://pacspace.test/app/verify-email?token="))
        }
    }

    /// A program that exits without reading its input, or cannot be run, is a logged failure:
    /// the server neither dies of SIGPIPE nor leaves a child behind, and keeps answering.
    @Test func aSendmailThatFailsIsLoggedAndTheServerGoesOn() async throws {
        let directory = URL(fileURLWithPath: Scratch.path("sendmail"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let program = directory.appendingPathComponent("sendmail").path
        try "#!/bin/sh\nexit 3\n".write(toFile: program, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
        for transport in [program, directory.appendingPathComponent("missing").path] {
            var server = TestServer()
            server.configuration.mailTransport = .sendmail(path: transport)
            try await server.run { api in
                for _ in 0..<3 {
                    #expect(try await api.register(email: "x\(UUID().uuidString.prefix(6).lowercased())@example.com").status == .created)
                }
                var failures: [String] = []
                for _ in 0..<300 where failures.count < 3 {
                    failures = api.logs.all.filter { $0.contains("sendmail failed") || $0.contains("cannot run sendmail") }
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(failures.count == 3, "\(api.logs.all.suffix(5))")
                #expect(try await api.call(.get, "/healthz").status == .ok)
            }
        }
    }
}
