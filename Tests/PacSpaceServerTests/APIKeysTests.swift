import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import Testing

@testable import PacSpaceServer

/// `/dashboard/api-keys*` (docs/api.md §4).
@Suite struct APIKeysTests {
    /// Each key's use is recorded (`lastUsedAt`), several keys' uses in one transaction
    /// after a short gathering (APIKeyAuthenticator.useGathering), and a second use within
    /// the minute writes nothing new.
    @Test(arguments: Backend.all)
    func usesAreRecordedTogether(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let first = try await api.apiKey(account)
            let created = try await api.call(.post, "/dashboard/api-keys", body: #"{"name":"second"}"#, token: account.accessToken)
            let second = try #require(created.data["fullKey"]?.string)
            for key in [first, second, first] {
                let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"use"}"#)
                #expect(emitted.status == .created)
            }
            let start = ContinuousClock.now
            var pause = PollingPause()
            var used: [String] = []
            while ContinuousClock.now - start < .seconds(10) {
                let list = try await api.call(.get, "/dashboard/api-keys?page=1&limit=10", token: account.accessToken)
                guard case .array(let items) = list.data["items"] else { throw TestFailure("no items: \(list.text)") }
                used = items.compactMap { $0["lastUsedAt"]?.string }
                if used.count == 2 { break }
                try await pause.wait()
            }
            #expect(used.count == 2)
        }
    }

    @Test(arguments: Backend.all)
    func keyLifecycle(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let token = account.accessToken
            let early = try await api.call(.post, "/dashboard/api-keys", body: #"{"name":"ci","environment":"test"}"#, token: token)
            #expect(early.status == .preconditionFailed)
            #expect(early.errorCode == "CONTRACT_NOT_DEPLOYED")

            _ = try await api.call(.post, "/dashboard/contracts/provision", body: #"{"environment":"testnet"}"#, token: token)
            _ = try await api.waitForEnvironment(account, "testnet")
            let created = try await api.call(.post, "/dashboard/api-keys", body: #"{"name":"ci"}"#, token: token)
            #expect(created.status == .created)
            #expect(created.data.keys == ["id", "name", "environment", "publicKey", "active", "createdAt", "lastUsedAt", "secretKey", "fullKey"])
            #expect(created.data["environment"] == "test")
            let fullKey = created.data["fullKey"]?.string ?? ""
            let parsed = try #require(APIKey(parsing: fullKey))
            #expect(created.data["publicKey"]?.string == parsed.publicKey)
            #expect(created.data["secretKey"]?.string == parsed.secretKey)
            let id = created.data["id"]?.string ?? ""
            #expect(Identifier.isWellFormed(id, prefix: "key"))

            // live needs mainnet.
            #expect(
                try await api.call(.post, "/dashboard/api-keys", body: #"{"environment":"live"}"#, token: token).errorCode == "CONTRACT_NOT_DEPLOYED"
            )

            let list = try await api.call(.get, "/dashboard/api-keys?page=1&limit=10", token: token)
            #expect(list.data["total"] == 1)
            #expect(list.data.keys == ["items", "total", "page", "limit"])
            #expect(!list.text.contains(parsed.secret))
            let one = try await api.call(.get, "/dashboard/api-keys/\(id)", token: token)
            #expect(one.data["publicKey"]?.string == parsed.publicKey)
            #expect(one.data["secretKey"] == nil)

            let renamed = try await api.call(.patch, "/dashboard/api-keys/\(id)", body: #"{"name":"prod runner","active":false}"#, token: token)
            #expect(renamed.data["name"] == "prod runner")
            #expect(renamed.data["active"] == false)

            // A whole number however written is an integer (JSON Schema's reading; found by schemathesis).
            let rotated = try await api.call(.post, "/dashboard/api-keys/\(id)/rotate", body: #"{"overlapSeconds":3.6e3}"#, token: token)
            #expect(rotated.status == .ok)
            let newKey = try #require(APIKey(parsing: rotated.data["fullKey"]?.string ?? ""))
            #expect(newKey.publicID == parsed.publicID)
            #expect(newKey.secret != parsed.secret)
            #expect(rotated.data["previousSecretValidUntil"]?.string != nil)

            let revoked = try await api.call(.delete, "/dashboard/api-keys/\(id)", token: token)
            #expect(revoked.status == .ok)
            #expect(try await api.call(.get, "/dashboard/api-keys/\(id)", token: token).status == .notFound)
            #expect(try await api.call(.delete, "/dashboard/api-keys/\(id)", token: token).status == .notFound)
            #expect(try await api.call(.get, "/dashboard/api-keys", token: token).data["total"] == 0)
        }
    }

    @Test func keysBadInputAndOtherTenants() async throws {
        try await TestServer().run { api in
            let alice = try await api.account()
            let bob = try await api.account()
            _ = try await api.call(.post, "/dashboard/contracts/provision", body: #"{"environment":"testnet"}"#, token: alice.accessToken)
            _ = try await api.waitForEnvironment(alice, "testnet")
            let created = try await api.call(.post, "/dashboard/api-keys", body: #"{"environment":"test"}"#, token: alice.accessToken)
            let id = created.data["id"]?.string ?? ""
            #expect(created.data["name"] == "API key")

            for (body, field) in [
                (#"{"environment":"prod"}"#, "environment"), (#"{"environment":1}"#, "environment"),
                (#"{"name":""}"#, "name"), (#"{"name":"\#(String(repeating: "n", count: 101))"}"#, "name"),
                (#"{"secret":"x"}"#, "secret"),
            ] {
                let reply = try await api.call(.post, "/dashboard/api-keys", body: body, token: alice.accessToken)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(reply.json["error"]?["details"]?.count == 1, "\(body)")
                _ = field
            }
            #expect(
                try await api.call(.patch, "/dashboard/api-keys/\(id)", body: #"{"active":"no"}"#, token: alice.accessToken).status == .badRequest
            )
            #expect(try await api.call(.patch, "/dashboard/api-keys/\(id)", body: #"{}"#, token: alice.accessToken).status == .badRequest)
            for overlap in ["-1", "604801", "1.5", "\"60\"", "6.048010e5", "1e400"] {
                let reply = try await api.call(
                    .post,
                    "/dashboard/api-keys/\(id)/rotate",
                    body: #"{"overlapSeconds":\#(overlap)}"#,
                    token: alice.accessToken
                )
                #expect(reply.status == .badRequest, "\(overlap)")
            }
            #expect(try await api.call(.get, "/dashboard/api-keys?limit=0", token: alice.accessToken).status == .badRequest)
            #expect(try await api.call(.get, "/dashboard/api-keys?page=x", token: alice.accessToken).status == .badRequest)

            // Bob sees none of Alice's key, whatever the route.
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/dashboard/api-keys/\(id)", nil), (.patch, "/dashboard/api-keys/\(id)", #"{"name":"x"}"#),
                (.post, "/dashboard/api-keys/\(id)/rotate", #"{}"#), (.delete, "/dashboard/api-keys/\(id)", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                let reply = try await api.call(method, path, body: body, token: bob.accessToken)
                #expect(reply.status == .notFound, "\(method) \(path)")
            }
            #expect(try await api.call(.get, "/dashboard/api-keys", token: bob.accessToken).data["total"] == 0)
            #expect(try await api.call(.get, "/dashboard/api-keys/\(id)", token: alice.accessToken).data["name"] == "API key")
            #expect(try await api.call(.get, "/dashboard/api-keys").status == .unauthorized)
        }
    }

    /// A key in steady use stays cached (its entry is read again in bulk before it expires),
    /// yet a change made elsewhere — another server sharing the database, here the store
    /// itself — stops it within the cache's life and one refresh.
    @Test(arguments: Backend.all)
    func aKeyInUseFollowsAChangeMadeElsewhere(backend: Backend) async throws {
        let server = TestServer(backend)
        try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            let publicID = try #require(APIKey(parsing: key)?.publicID)
            // In use across at least one refresh.
            let started = ContinuousClock.now
            while ContinuousClock.now - started < APIKeyAuthenticator.refreshInterval + .milliseconds(500) {
                #expect(try await api.balance(.get, "/usage", key: key).status == .ok)
                try await Task.sleep(for: .milliseconds(200))
            }
            try await server.withDatabase { database in
                let keys = APIKeyStore(database: database)
                let record = try #require(try await keys.keys(publicIDs: [publicID]).first)
                #expect(try await keys.update(id: record.id, tenantID: record.tenantID, name: nil, active: false)?.active == false)
            }
            let changed = ContinuousClock.now
            var status = HTTPResponse.Status.ok
            while status == .ok, ContinuousClock.now - changed < .seconds(10) {
                status = try await api.balance(.get, "/usage", key: key).status
                if status == .ok { try await Task.sleep(for: .milliseconds(200)) }
            }
            let took = ContinuousClock.now - changed
            #expect(status == .unauthorized, "still \(status) after \(took)")
            #expect(took < .milliseconds(APIKeyAuthenticator.cacheMillis) + APIKeyAuthenticator.refreshInterval + .seconds(1), "\(took)")
        }
    }
}
