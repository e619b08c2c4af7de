import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Tenant isolation (issue 5): every route, with tenant A's token or key against tenant
/// B's ids, and with a sandbox key against the same tenant's production data, answers
/// 401/403/404 and leaks nothing; A's lists never show B's data.
@Suite struct IsolationTests {
    enum Credential {
        case token(String)
        case key(String)
    }

    struct Probe {
        let method: HTTPRequest.Method
        let path: String
        let route: String
        var body: String?
        let credential: Credential
    }

    /// Routes with no id to cross: public by design, or acting on the caller's own tenant.
    static let exempt: Set<String> = [
        // /metrics is the operator's, behind PACSPACE_METRICS_TOKEN, not a tenant's (MetricsTests).
        "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json", "GET /api/v1/verify/{id}",
        "GET /api/v1/log/{contractId}/checkpoint", "GET /api/v1/log/{contractId}/proof/inclusion",
        "GET /api/v1/log/{contractId}/proof/consistency", "GET /api/v1/log/{contractId}/receipt/{receiptId}",
        // Public tiles: hashes, and bundles of commitment leaves only (PublicLogPrivacyTests).
        "GET /api/v1/log/{contractId}/tile/**",
        // The server log: one for the server, of public checkpoints (ServerLogTests).
        "GET /api/v1/server-log", "GET /api/v1/server-log/checkpoint", "GET /api/v1/server-log/tile/**",
        "POST /dashboard/auth/register", "GET /dashboard/auth/verify", "POST /dashboard/auth/resend-verification",
        "POST /dashboard/auth/login", "POST /dashboard/auth/refresh", "POST /dashboard/auth/logout",
        "POST /dashboard/auth/forgot-password", "POST /dashboard/auth/reset-password",
        // These act on the caller's own sessions and password; no id names anyone else's (SessionTests).
        "POST /dashboard/auth/sessions/revoke-others", "POST /dashboard/auth/logout-everywhere", "POST /dashboard/auth/change-password",
        "POST /dashboard/contracts/provision", "POST /dashboard/api-keys", "POST /dashboard/webhooks", "POST /dashboard/customers",
        "POST /api/v1/balance/delta", "POST /api/v1/balance/delta/batch", "GET /api/v1/balance/limits",
        // Appending names a record in the caller's own environment: another tenant's record of the
        // same id is another record (RecordsTests.aRecordIdIsTheTenantsOwn).
        "POST /api/v1/records/{recordType}/{entityId}/transitions",
        // The workspace keys of encrypted records: these act on the caller's own environment
        // (its identity, versions and holders); a workspace's public identity is readable by
        // any of the same environment kind, by design (RecordKeysTests).
        "PUT /api/v1/records/encryption/identity", "PUT /api/v1/records/encryption/versions/{version}",
        "POST /api/v1/records/encryption/holders", "GET /api/v1/records/encryption/workspaces/{workspaceId}/identity",
        // The verification page and its files: public proofs, content only through the link's
        // k or a record id (VerifyPageTests); the assets are the same for everyone.
        "GET /verify/{id}", "GET /receipt/{receiptId}", "GET /verify/{id}/receipt.tlog-proof", "GET /verify/{id}/verifier-key",
        "GET /verify/{id}/delta.json", "GET /verify/{id}/checkpoint.json", "GET /verify/{id}/deltas.json", "GET /verify/{id}/entry.json",
        "GET /assets/{name}",
        // A Shared Record link is read by whoever holds its handle (and code), by design; the
        // reader's wrap is looked up for the caller's own environment only (RecordLinksTests).
        "POST /api/v1/c/{handle}/access/verify", "GET /api/v1/c/{handle}/history", "GET /api/v1/c/{handle}/disclosure", "GET /c/{handle}",
        "POST /api/v1/records/disclosures/key-wrap",
    ]

    @Test(arguments: Backend.all)
    func noRouteCrossesTenantsOrEnvironments(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.freeCredits = Amount(micros: 10_000_000)
        try await server.run { api in
            // Tenant B, with private data in both environments.
            let b = try await api.account()
            let bTest = try await api.apiKey(b)
            let bLive = try await api.apiKey(b, environment: "mainnet")
            let testRecord =
                try await api.balance(
                    .post,
                    "/delta",
                    key: bTest,
                    body: #"{"customerId":"secret-customer-b","delta":5,"reason":"secret-reason-b"}"#
                ).data["recordId"]?.string ?? ""
            let liveRecord =
                try await api.balance(
                    .post,
                    "/delta",
                    key: bLive,
                    body: #"{"customerId":"secret-live-b","delta":7,"reason":"secret-live-reason"}"#
                ).data["recordId"]?.string ?? ""
            _ = try await api.waitForDelta(testRecord, key: bTest)
            _ = try await api.waitForDelta(liveRecord, key: bLive)
            _ = try await api.balance(.post, "/checkpoint", key: bTest, body: #"{"customerId":"secret-customer-b"}"#)
            for (key, record) in [(bTest, "secret-record-b"), (bLive, "secret-live-record-b")] {
                let written = try await api.record(
                    .post,
                    "machine-action-record/\(record)/transitions",
                    key: key,
                    body: RecordsTests.entry(title: "secret-title-b")
                )
                #expect(written.status == .created, "\(written.text)")
            }
            // B's Shared Record links, one per environment.
            var linkOfB: [String: String] = [:]
            for (key, record) in [(bTest, "secret-record-b"), (bLive, "secret-live-record-b")] {
                let made = try await api.record(.post, "machine-action-record/\(record)/share", key: key, body: "{}")
                linkOfB[record] = made.data["handle"]?.string ?? ""
            }
            // B's workspace keys: an identity, a version, and a holder (tenant C) with a wrap.
            let c = try await api.account()
            let cTest = try await api.apiKey(c)
            _ = try await api.record(.put, "encryption/identity", key: bTest, body: RecordKeysTests.identity(7))
            _ = try await api.record(.put, "encryption/identity", key: cTest, body: RecordKeysTests.identity(8))
            _ = try await api.record(.put, "encryption/versions/1", key: bTest, body: #"{"kid":"\#(String(repeating: "b", count: 64))"}"#)
            let cWorkspace = String(c.tenantID.dropFirst(4))
            let pinned = RecordKeysTests.publicKeyID(8)
            let holderOfB =
                try await api.record(
                    .post,
                    "encryption/holders",
                    key: bTest,
                    body: #"{"workspaceId":"\#(cWorkspace)","scope":"workspace","pinnedId":"\#(pinned)"}"#
                ).data["holderId"]?.string ?? ""
            let wrapOfB = #"{"version":1,"pinnedId":"\#(pinned)","wrap":\#(RecordKeysTests.wrap)}"#
            #expect(try await api.record(.put, "encryption/holders/\(holderOfB)/wraps", key: bTest, body: wrapOfB).status == .ok)
            let webhook = try await api.call(
                .post,
                "/dashboard/webhooks",
                body: #"{"url":"https://hooks.example.com/secret-b"}"#,
                token: b.accessToken
            )
            let webhookID = webhook.data["id"]?.string ?? ""
            let eventID = try await api.call(.post, "/dashboard/webhooks/\(webhookID)/test", token: b.accessToken).data["eventId"]?.string ?? ""
            let liveEventID =
                try await api.call(
                    .post,
                    "/dashboard/webhooks/\(webhookID)/test",
                    body: #"{"environment":"mainnet"}"#,
                    token: b.accessToken
                ).data["eventId"]?.string ?? ""
            guard case .array(let keys)? = try await api.call(.get, "/dashboard/api-keys", token: b.accessToken).data["items"],
                let keyID = keys.first?["id"]?.string
            else { throw TestFailure("no key of B") }
            let bSession = JWTFixtures.session(of: b.accessToken)
            let secrets = [
                "secret-customer-b", "secret-reason-b", "secret-live-b", "secret-live-reason", "hooks.example.com/secret-b", "secret-title-b",
                b.tenantID, b.email, testRecord, liveRecord, webhookID, eventID, liveEventID, keyID, bSession, holderOfB, cWorkspace,
                RecordKeysTests.publicKeyID(7),
            ]

            // Tenant A.
            let a = try await api.account()
            let aTest = try await api.apiKey(a)
            let aToken = Credential.token(a.accessToken)
            let probes: [Probe] =
                [
                    Probe(
                        method: .delete,
                        path: "/dashboard/auth/sessions/\(bSession)",
                        route: "DELETE /dashboard/auth/sessions/{sessionId}",
                        credential: aToken
                    ),
                    Probe(method: .get, path: "/dashboard/api-keys/\(keyID)", route: "GET /dashboard/api-keys/{id}", credential: aToken),
                    Probe(
                        method: .get,
                        path: "/dashboard/customers/secret-customer-b",
                        route: "GET /dashboard/customers/{customerId}",
                        credential: aToken
                    ),
                    Probe(
                        method: .get,
                        path: "/dashboard/customers/secret-customer-b/export",
                        route: "GET /dashboard/customers/{customerId}/export",
                        credential: aToken
                    ),
                    Probe(
                        method: .get,
                        path: "/dashboard/customers/secret-customer-b/receipt",
                        route: "GET /dashboard/customers/{customerId}/receipt",
                        credential: aToken
                    ),
                    Probe(
                        method: .post,
                        path: "/dashboard/customers/secret-customer-b/checkpoint",
                        route: "POST /dashboard/customers/{customerId}/checkpoint",
                        credential: aToken
                    ),
                    Probe(
                        method: .get,
                        path: "/dashboard/customers/secret-customer-b/checkpoints",
                        route: "GET /dashboard/customers/{customerId}/checkpoints",
                        credential: aToken
                    ),
                    Probe(
                        method: .patch,
                        path: "/dashboard/api-keys/\(keyID)",
                        route: "PATCH /dashboard/api-keys/{id}",
                        body: #"{"name":"mine"}"#,
                        credential: aToken
                    ),
                    Probe(
                        method: .post,
                        path: "/dashboard/api-keys/\(keyID)/rotate",
                        route: "POST /dashboard/api-keys/{id}/rotate",
                        credential: aToken
                    ),
                    Probe(method: .delete, path: "/dashboard/api-keys/\(keyID)", route: "DELETE /dashboard/api-keys/{id}", credential: aToken),
                    Probe(
                        method: .get,
                        path: "/dashboard/contracts/\(b.tenantID)/status",
                        route: "GET /dashboard/contracts/{tenantId}/status",
                        credential: aToken
                    ),
                    Probe(method: .get, path: "/dashboard/webhooks/\(webhookID)", route: "GET /dashboard/webhooks/{id}", credential: aToken),
                    Probe(
                        method: .patch,
                        path: "/dashboard/webhooks/\(webhookID)",
                        route: "PATCH /dashboard/webhooks/{id}",
                        body: #"{"active":false}"#,
                        credential: aToken
                    ),
                    Probe(method: .delete, path: "/dashboard/webhooks/\(webhookID)", route: "DELETE /dashboard/webhooks/{id}", credential: aToken),
                    Probe(
                        method: .post,
                        path: "/dashboard/webhooks/\(webhookID)/rotate-secret",
                        route: "POST /dashboard/webhooks/{id}/rotate-secret",
                        credential: aToken
                    ),
                    Probe(
                        method: .post,
                        path: "/dashboard/webhooks/\(webhookID)/test",
                        route: "POST /dashboard/webhooks/{id}/test",
                        credential: aToken
                    ),
                    Probe(
                        method: .get,
                        path: "/dashboard/records/machine-action-record/secret-record-b",
                        route: "GET /dashboard/records/{recordType}/{entityId}",
                        credential: aToken
                    ),
                    Probe(
                        method: .post,
                        path: "/dashboard/webhook-deliveries/\(eventID)/retry",
                        route: "POST /dashboard/webhook-deliveries/{eventId}/retry",
                        credential: aToken
                    ),
                ] + Self.balanceProbes(record: testRecord, customer: "secret-customer-b", event: eventID, key: aTest)
                + Self.recordProbes(record: "secret-record-b", key: aTest, handle: linkOfB["secret-record-b"] ?? "")
                + Self.recordProbes(record: "secret-live-record-b", key: bTest, handle: linkOfB["secret-live-record-b"] ?? "")
                + Self.keyProbes(holder: holderOfB, key: aTest, wrap: wrapOfB)
                + Self.balanceProbes(record: liveRecord, customer: "secret-live-b", event: liveEventID, key: bTest)  // sandbox key, production data

            for probe in probes {
                let reply: Reply
                switch probe.credential {
                case .token(let token): reply = try await api.call(probe.method, probe.path, body: probe.body, token: token)
                case .key(let key) where probe.path.hasPrefix("/api/v1/records/"):
                    reply = try await api.record(probe.method, String(probe.path.dropFirst("/api/v1/records/".count)), key: key, body: probe.body)
                case .key(let key):
                    reply = try await api.balance(probe.method, String(probe.path.dropFirst("/api/v1/balance".count)), key: key, body: probe.body)
                }
                #expect([401, 403, 404].contains(reply.status.code), "\(probe.method) \(probe.path): \(reply.status) \(reply.text)")
                // What the caller sent may come back (a 404 naming the customer asked for); nothing else may.
                for secret in secrets where reply.text.contains(secret) && !probe.path.contains(secret) && !(probe.body ?? "").contains(secret) {
                    Issue.record("\(probe.method) \(probe.path) leaks \(secret): \(reply.text)")
                }
            }
            // Lists: A's never show B's data; a sandbox key's never show production data.
            let lists: [(String, Credential)] = [
                ("/dashboard/api-keys", aToken), ("/dashboard/webhooks", aToken), ("/dashboard/contracts", aToken),
                ("/dashboard/credit/balances", aToken), ("/dashboard/credit/entries", aToken), ("/dashboard/auth/me", aToken),
                ("/dashboard/auth/sessions", aToken), ("/dashboard/customers", aToken), ("/dashboard/customers/summary", aToken),
                ("/dashboard/webhook-deliveries", aToken), ("/dashboard/checkpoints", aToken), ("/dashboard/records", aToken),
                ("/api/v1/balance/customers", .key(aTest)), ("/api/v1/balance/checkpoints", .key(aTest)),
                ("/api/v1/balance/webhooks", .key(aTest)), ("/api/v1/balance/usage", .key(aTest)),
                ("/api/v1/balance/customers", .key(bTest)), ("/api/v1/balance/checkpoints", .key(bTest)),
                ("/api/v1/balance/checkpoints?customerId=secret-customer-b", .key(aTest)),
                ("/api/v1/balance/checkpoints?customerId=secret-live-b", .key(bTest)), ("/api/v1/balance/webhooks", .key(bTest)),
            ]
            for (path, credential) in lists {
                let reply: Reply
                switch credential {
                case .token(let token): reply = try await api.call(.get, path, token: token)
                case .key(let key): reply = try await api.balance(.get, String(path.dropFirst("/api/v1/balance".count)), key: key)
                }
                #expect(reply.status == .ok, "\(path): \(reply.text)")
                let forbidden = credential.isKey(bTest) ? ["secret-live-b", "secret-live-reason", liveRecord, liveEventID] : secrets
                for secret in forbidden where reply.text.contains(secret) { Issue.record("GET \(path) leaks \(secret): \(reply.text)") }
            }
            // A's own workspace keys never show B's.
            let keyLists = ["encryption/identity", "encryption/versions", "encryption/holders", "encryption/holdings"]
            for path in keyLists {
                let reply = try await api.record(.get, path, key: aTest)
                #expect(reply.status == .ok, "\(path): \(reply.text)")
                for secret in secrets where reply.text.contains(secret) { Issue.record("GET \(path) leaks \(secret): \(reply.text)") }
            }
            // Every route is probed above or exempt for a stated reason.
            let covered = Set(probes.map(\.route)).union(lists.map { "GET \($0.0.split(separator: "?")[0])" }).union(Self.exempt)
                .union(keyLists.map { "GET /api/v1/records/" + $0 })
            // The dashboard pages reach data only through the API routes probed here, with the
            // session's own token (DashboardPagesTests.aSessionSeesOnlyItsOwnTenant).
            for route in api.routes where !covered.contains(route) && !route.contains(" /app") {
                Issue.record("\(route) has no isolation probe")
            }
            // B's data is untouched by all of it.
            #expect(try await api.call(.get, "/dashboard/webhooks/\(webhookID)", token: b.accessToken).data["active"] == true)
            #expect(try await api.call(.get, "/dashboard/api-keys/\(keyID)", token: b.accessToken).data["name"] != "mine")
            #expect(try await api.call(.get, "/dashboard/auth/me", token: b.accessToken).status == .ok, "B's session survived")
        }
    }

    /// Another workspace's holder, named by id: not the caller's to change or answer.
    static func keyProbes(holder: String, key: String, wrap: String) -> [Probe] {
        let base = "/api/v1/records/encryption"
        let kid = String(repeating: "b", count: 64)
        return [
            Probe(method: .delete, path: "\(base)/holders/\(holder)", route: "DELETE \(base)/holders/{holderId}", credential: .key(key)),
            Probe(
                method: .put,
                path: "\(base)/holders/\(holder)/wraps",
                route: "PUT \(base)/holders/{holderId}/wraps",
                body: wrap,
                credential: .key(key)
            ),
            Probe(
                method: .post,
                path: "\(base)/holdings/\(holder)/confirm",
                route: "POST \(base)/holdings/{holderId}/confirm",
                body: #"{"version":1,"kid":"\#(kid)"}"#,
                credential: .key(key)
            ),
            Probe(
                method: .post,
                path: "\(base)/holdings/\(holder)/refuse",
                route: "POST \(base)/holdings/{holderId}/refuse",
                body: #"{"version":1}"#,
                credential: .key(key)
            ),
            Probe(method: .delete, path: "\(base)/holdings/\(holder)", route: "DELETE \(base)/holdings/{holderId}", credential: .key(key)),
        ]
    }

    static func recordProbes(record: String, key: String, handle: String) -> [Probe] {
        let base = "/api/v1/records/machine-action-record/\(record)"
        let ciphertext = String(repeating: "A", count: 363)
        let envelope =
            #"{"v":1,"alg":"A256GCM","kid":"\#(String(repeating: "a", count: 64))","iv":"AAAAAAAAAAAAAAAA","ct":"\#(ciphertext)"}"#
        return [
            Probe(
                method: .put,
                path: base + "/entries/0/envelope",
                route: "PUT /api/v1/records/{recordType}/{entityId}/entries/{seq}/envelope",
                body: #"{"envelope":\#(envelope)}"#,
                credential: .key(key)
            ),
            Probe(
                method: .get,
                path: base + "/receipts/0",
                route: "GET /api/v1/records/{recordType}/{entityId}/receipts/{seq}",
                credential: .key(key)
            ),
            Probe(method: .get, path: base + "/history", route: "GET /api/v1/records/{recordType}/{entityId}/history", credential: .key(key)),
            Probe(method: .get, path: base + "/bundle", route: "GET /api/v1/records/{recordType}/{entityId}/bundle", credential: .key(key)),
            Probe(method: .get, path: base + "/grants", route: "GET /api/v1/records/{recordType}/{entityId}/grants", credential: .key(key)),
            Probe(
                method: .post,
                path: base + "/grants",
                route: "POST /api/v1/records/{recordType}/{entityId}/grants",
                body: #"{"kind":"LINK"}"#,
                credential: .key(key)
            ),
            Probe(
                method: .post,
                path: base + "/grants/grt_x/revoke",
                route: "POST /api/v1/records/{recordType}/{entityId}/grants/{grantId}/revoke",
                body: "{}",
                credential: .key(key)
            ),
            Probe(
                method: .put,
                path: base + "/grants/grt_x/key-wrap",
                route: "PUT /api/v1/records/{recordType}/{entityId}/grants/{grantId}/key-wrap",
                body: #"{"pinnedId":"\#(String(repeating: "a", count: 64))","rkid":"\#(String(repeating: "b", count: 64))","wrap":{}}"#,
                credential: .key(key)
            ),
            Probe(method: .get, path: base + "/grant-key", route: "GET /api/v1/records/{recordType}/{entityId}/grant-key", credential: .key(key)),
            Probe(method: .get, path: base + "/share", route: "GET /api/v1/records/{recordType}/{entityId}/share", credential: .key(key)),
            Probe(
                method: .post,
                path: base + "/share",
                route: "POST /api/v1/records/{recordType}/{entityId}/share",
                body: "{}",
                credential: .key(key)
            ),
            Probe(
                method: .post,
                path: base + "/share/\(handle)/revoke",
                route: "POST /api/v1/records/{recordType}/{entityId}/share/{handle}/revoke",
                body: "{}",
                credential: .key(key)
            ),
            Probe(
                method: .put,
                path: base + "/share/\(handle)/disclosure",
                route: "PUT /api/v1/records/{recordType}/{entityId}/share/{handle}/disclosure",
                body: #"{"envelope":"\#(RecordLinksTests.envelope)"}"#,
                credential: .key(key)
            ),
            Probe(
                method: .put,
                path: base + "/share/\(handle)/key-wraps",
                route: "PUT /api/v1/records/{recordType}/{entityId}/share/{handle}/key-wraps",
                body: #"{"workspaceId":"\#(String(repeating: "a", count: 24))","pinnedId":"\#(String(repeating: "a", count: 64))","wrap":{}}"#,
                credential: .key(key)
            ),
        ]
    }

    static func balanceProbes(record: String, customer: String, event: String, key: String) -> [Probe] {
        let credential = Credential.key(key)
        let base = "/api/v1/balance"
        return [
            Probe(method: .get, path: "\(base)/delta/\(record)", route: "GET \(base)/delta/{recordId}", credential: credential),
            Probe(method: .get, path: "\(base)/derive/\(customer)", route: "GET \(base)/derive/{customerId}", credential: credential),
            Probe(method: .get, path: "\(base)/customers/\(customer)", route: "GET \(base)/customers/{customerId}", credential: credential),
            Probe(method: .get, path: "\(base)/gaps/\(customer)", route: "GET \(base)/gaps/{customerId}", credential: credential),
            Probe(method: .get, path: "\(base)/receipt/\(customer)", route: "GET \(base)/receipt/{customerId}", credential: credential),
            Probe(method: .get, path: "\(base)/invoice-proof/\(customer)", route: "GET \(base)/invoice-proof/{customerId}", credential: credential),
            Probe(
                method: .post,
                path: "\(base)/compare",
                route: "POST \(base)/compare",
                body: #"{"customerId":"\#(customer)","yourBalance":5,"theirBalance":5}"#,
                credential: credential
            ),
            Probe(
                method: .post,
                path: "\(base)/checkpoint",
                route: "POST \(base)/checkpoint",
                body: #"{"customerId":"\#(customer)"}"#,
                credential: credential
            ),
            Probe(
                method: .post,
                path: "\(base)/webhooks/\(event)/retry",
                route: "POST \(base)/webhooks/{eventId}/retry",
                body: "{}",
                credential: credential
            ),
        ]
    }
}

extension IsolationTests.Credential {
    func isKey(_ key: String) -> Bool {
        if case .key(let mine) = self { return mine == key }
        return false
    }
}
