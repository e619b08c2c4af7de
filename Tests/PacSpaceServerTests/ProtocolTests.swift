import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// The envelope, routing errors, request ids, the OpenAPI document and the logs.
@Suite struct ProtocolTests {
    @Test func unknownRoutesAndMethodsGetEnvelopes() async throws {
        try await TestServer().run { api in
            let missing = try await api.call(.get, "/no/such/route")
            #expect(missing.status == .notFound)
            #expect(missing.json["success"] == false)
            #expect(missing.json["statusCode"] == 404)
            #expect(missing.errorCode == "NOT_FOUND")

            let method = try await api.call(.put, "/dashboard/auth/login", body: "{}")
            #expect(method.status == .methodNotAllowed)
            #expect(method.headers[.allow] == "POST")
            #expect(method.errorCode == "METHOD_NOT_ALLOWED")
            #expect(try await api.call(.delete, "/dashboard/contracts/tnt_x/status").headers[.allow] == "GET")
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await TestServer().run { api in
            for path in ["/healthz", "/readyz", "/nope", "/dashboard/contracts"] {
                let reply = try await api.call(.get, path)
                #expect(reply.headers[.init("X-Request-Id")!]?.hasPrefix("req_") == true, "\(path)")
            }
            var headers = HTTPFields()
            headers[.init("X-Request-Id")!] = "client-chosen-id-1"
            #expect(try await api.call(.get, "/healthz", headers: headers).headers[.init("X-Request-Id")!] == "client-chosen-id-1")
            headers[.init("X-Request-Id")!] = "bad id with spaces"
            #expect(try await api.call(.get, "/healthz", headers: headers).headers[.init("X-Request-Id")!]?.hasPrefix("req_") == true)
        }
    }

    @Test func healthAndReadiness() async throws {
        try await TestServer().run { api async throws in
            #expect(try await api.call(.get, "/healthz").data["status"] == "ok")
            #expect(try await api.call(.get, "/readyz").data["status"] == "ready")
        }
    }

    /// Every registered route but the dashboard pages is in the OpenAPI document, and the document served is the
    /// file in Resources byte for byte but for its server URL, which is the PUBLIC_URL.
    @Test func openAPIDocumentCoversEveryRoute() async throws {
        let (routes, served) = try await TestServer().run { api in (api.routes, try await api.call(.get, "/openapi.json")) }
        #expect(routes.count >= 14)
        #expect(served.status == .ok)
        #expect(served.json["openapi"] == "3.1.0")
        #expect(served.json["servers"] == [["url": .string(TestServer.publicURL)]])
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/PacSpaceServer/Resources/openapi.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.replacingOccurrences(of: #""url": "http://localhost:8080""#, with: #""url": "\#(TestServer.publicURL)""#) == served.text)
        guard case .object(let paths)? = served.json["paths"] else { throw TestFailure("no paths") }
        // The dashboard pages (/app) are not part of the API: forms for people, each over the
        // typed query of a documented JSON route (DashboardPagesTests).
        for route in routes where !route.contains(" /app") {
            let parts = route.split(separator: " ", maxSplits: 1)
            let method = parts[0].lowercased()
            // A catch-all (`**`, a tile path of several segments) is the parameter {path}.
            let path =
                "/"
                + parts[1].split(separator: "/").map { $0 == "**" ? "{path}" : $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
            let entry = paths.first { $0.0 == path }?.1
            #expect(entry?[method] != nil, "\(route) is missing from /openapi.json")
            #expect(entry?[method]?["responses"]?["default"] != nil, "\(route) has no default (error envelope) response")
            if path.hasPrefix("/api/v1/balance/") || path.hasPrefix("/dashboard/auth/") {
                #expect(entry?[method]?["responses"]?["429"] != nil, "\(route) is rate limited but documents no 429")
            }
        }
    }

    /// The error codes the document lists are the codes the server has (`ErrorCode`), no more
    /// and no fewer: a client generating its error handling from the document meets no code
    /// it was not told of.
    @Test func theDocumentListsEveryErrorCode() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/PacSpaceServer/Resources/openapi.json")
        let document = try JSONParser.parse(Array(try Data(contentsOf: file)))
        guard case .array(let listed)? = document["components"]?["schemas"]?["ErrorCode"]?["enum"] else { throw TestFailure("no ErrorCode") }
        let documented = Set(listed.compactMap(\.string))
        let served = Set(ErrorCode.allCases.map(\.rawValue))
        #expect(documented.count == listed.count, "a code listed twice")
        #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented, never answered: \(documented.subtracting(served).sorted())")
        let code = document["components"]?["schemas"]?["Error"]?["properties"]?["error"]?["properties"]?["code"]
        #expect(code == ["$ref": "#/components/schemas/ErrorCode"])
    }

    /// Passwords, refresh tokens, access tokens and reset tokens never reach the log;
    /// only the mail (log transport) carries its own link.
    @Test func noSecretInTheLogs() async throws {
        let server = TestServer()
        let (account, refreshed, resetToken) = try await server.run { api in
            let account = try await api.account()
            let refreshed = try await api.call(.post, "/dashboard/auth/refresh", body: #"{"refreshToken":"\#(account.refreshToken)"}"#)
            _ = try await api.call(.post, "/dashboard/auth/forgot-password", body: #"{"email":"\#(account.email)"}"#)
            let resetToken = try await api.mailToken(to: account.email, marker: "Reset token: ")
            _ = try await api.call(.post, "/dashboard/auth/reset-password", body: #"{"token":"\#(resetToken)","password":"fresh password 123"}"#)
            _ = try await api.call(.get, "/dashboard/auth/verify?token=secret-looking-token-in-a-query")
            return (account, refreshed, resetToken)
        }
        let lines = server.logs.all
        #expect(lines.contains { $0.contains("request") && $0.contains("requestId=req_") })
        let secrets = [
            account.password, "fresh password 123", account.refreshToken, account.accessToken,
            refreshed.data["refreshToken"]?.string ?? "-", refreshed.data["accessToken"]?.string ?? "-",
            "secret-looking-token-in-a-query",
        ]
        for secret in secrets {
            #expect(!lines.contains { $0.contains(secret) }, "a log line contains \(secret.prefix(12))…")
        }
        // The reset token appears only in the mail line of the log transport.
        #expect(lines.filter { $0.contains(resetToken) }.allSatisfy { $0.contains("mail (log transport)") })
    }

    /// Every answer, success or error, known route or not: no sniffing, no referrer, and
    /// no cache keeps account data, keys or tokens.
    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await TestServer().run { api in
            let account = try await api.account()
            let login = try await api.call(.post, "/dashboard/auth/login", body: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#)
            let answers = [
                login, try await api.call(.get, "/dashboard/auth/me", token: account.accessToken),
                try await api.call(.get, "/dashboard/auth/me"), try await api.call(.get, "/no/such/route"), try await api.call(.get, "/healthz"),
            ]
            for answer in answers {
                #expect(answer.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(answer.status)")
                #expect(answer.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(answer.status)")
                #expect(answer.headers[.cacheControl] == "no-store", "\(answer.status)")
            }
        }
    }
}
