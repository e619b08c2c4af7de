import Crypto
import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import SQLKit
import Testing

@testable import PacSpaceServer

/// Sealed values are bound to their rows, values from before that are bound at start-up,
/// and both key rings rotate without a running server meeting a value or token it cannot
/// open (README, "Rotating keys").
@Suite struct KeyRotationTests {
    static let oldKey = Array(repeating: UInt8(42), count: 32)
    static let newKey = Array(repeating: UInt8(43), count: 32)

    /// The sealed values of the server's database: (table.column of id, value).
    static func sealed(_ server: TestServer) async throws -> [String: String] {
        try await server.withDatabase { database in
            try await database.read { db in
                var values: [String: String] = [:]
                for row in try await db.raw("SELECT id, sealed_signing_key AS v FROM environments WHERE sealed_signing_key IS NOT NULL").all() {
                    values["env:" + (try row.decode(column: "id", as: String.self))] = try row.decode(column: "v", as: String.self)
                }
                for row in try await db.raw("SELECT id, sealed_secret AS v FROM webhook_endpoints").all() {
                    values["wh:" + (try row.decode(column: "id", as: String.self))] = try row.decode(column: "v", as: String.self)
                }
                return values
            }
        }
    }

    @Test(arguments: Backend.all)
    func theMasterKeyRotatesAndOldValuesAreBound(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()  // every sealed value of the database is counted
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        let receiver = WebhookReceiver()
        try await receiver.run { [server] url in
            var server = server
            // 1. Sealed under the old key, bound to their rows.
            let (account, key, endpointID, secret) = try await server.run { api in
                let account = try await api.account()
                let key = try await api.apiKey(account)
                let created = try await api.call(.post, "/dashboard/webhooks", body: #"{"url":"\#(url)"}"#, token: account.accessToken)
                return (account, key, created.data["id"]?.string ?? "", created.data["secret"]?.string ?? "")
            }
            let oldID = KeySealer.keyID(Self.oldKey)
            var values = try await Self.sealed(server)
            #expect(values.count == 2 && values.values.allSatisfy { $0.hasPrefix("v2.\(oldID).") }, "\(values)")

            // 2. A value from before the ring (no associated data) is bound at the next start;
            //    one copied from another row does not open.
            let legacy = Base64.encode(Array(try AES.GCM.seal(Array(secret.utf8), using: SymmetricKey(data: Self.oldKey)).combined ?? Data()))
            try await server.withDatabase { database in
                try await database.transaction {
                    try await $0.raw("UPDATE webhook_endpoints SET sealed_secret = \(bind: legacy) WHERE id = \(bind: endpointID)").run()
                }
            }
            try await server.run { _ in }
            values = try await Self.sealed(server)
            let bound = values["wh:" + endpointID] ?? ""
            #expect(bound.hasPrefix("v2.\(oldID)."), "sealed again at start-up: \(bound)")
            let sealer = try KeySealer(masterKey: Self.oldKey)
            #expect(try sealer.open(bound, for: .webhookSecret(endpointID: endpointID)) == Array(secret.utf8))
            #expect(throws: KeySealer.SealError.cannotOpen) { try sealer.open(bound, for: .webhookSecret(endpointID: "wh_elsewhere")) }

            // 3. Rotated: the new key seals, the retired one still opens the stored values.
            server.configuration.masterKeys = [Self.newKey, Self.oldKey]
            try await server.run { api in
                let logged = try await api.login(account)
                try await Self.signsAndDelivers(api, key: key, receiver: receiver, secret: secret)
                let other = try await api.call(.post, "/dashboard/webhooks", body: #"{"url":"\#(url)"}"#, token: logged.accessToken)
                #expect(other.status == .created)
            }
            let census = try await server.withDatabase { try await SealedValues(database: $0).census() }
            let newID = KeySealer.keyID(Self.newKey)
            #expect(census == [oldID: 2, newID: 1], "\(census)")

            // 4. Sealed again under the new key; then the old key can go.
            let resealed = try await server.withDatabase { database in
                try await SealedValues(database: database).reseal(with: try KeySealer(masterKeys: [Self.newKey, Self.oldKey]), .notCurrent)
            }
            #expect(resealed.sealedAgain == 2 && resealed.unopened.isEmpty)
            #expect(try await server.withDatabase { try await SealedValues(database: $0).census() } == [newID: 3])
            server.configuration.masterKeys = [Self.newKey]
            try await server.run { api in try await Self.signsAndDelivers(api, key: key, receiver: receiver, secret: secret) }
        }
    }

    /// A stored value no key opens (a damaged row, a key retired too early) stops neither
    /// the server's start nor the re-seal of the others: it is named and left as it was.
    @Test(arguments: Backend.all)
    func aValueNoKeyOpensIsNamedAndLeft(backend: Backend) async throws {
        var server = TestServer(backend)
        try await server.isolateDatabase()
        let endpoints = try await server.run { api in
            let account = try await api.account()
            var ids: [String] = []
            for _ in 0..<2 {
                let created = try await api.call(
                    .post,
                    "/dashboard/webhooks",
                    body: #"{"url":"https://example.com/hook"}"#,
                    token: account.accessToken
                )
                ids.append(created.data["id"]?.string ?? "")
            }
            return ids
        }
        let foreign = Base64.encode(Array(try AES.GCM.seal([1, 2, 3], using: SymmetricKey(data: Self.newKey)).combined ?? Data()))
        let legacy = Base64.encode(Array(try AES.GCM.seal([4, 5, 6], using: SymmetricKey(data: Self.oldKey)).combined ?? Data()))
        try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw("UPDATE webhook_endpoints SET sealed_secret = \(bind: foreign) WHERE id = \(bind: endpoints[0])").run()
                try await db.raw("UPDATE webhook_endpoints SET sealed_secret = \(bind: legacy) WHERE id = \(bind: endpoints[1])").run()
            }
        }
        try await server.run { api async throws -> Void in #expect(try await api.call(.get, "/readyz").status == .ok, "the server starts") }
        let values = try await Self.sealed(server)
        #expect(values["wh:" + endpoints[0]] == foreign, "left as it was")
        #expect(values["wh:" + endpoints[1]]?.hasPrefix("v2.\(KeySealer.keyID(Self.oldKey)).") == true, "the other one is bound all the same")
        #expect(
            server.logs.all.contains {
                $0.contains("sealed values no master key opens") && $0.contains("webhook_endpoints.sealed_secret \(endpoints[0])")
            }
        )
        let again = try await server.withDatabase { database in
            try await SealedValues(database: database).reseal(with: try KeySealer(masterKeys: [Self.oldKey]), .notCurrent)
        }
        #expect(again.sealedAgain == 0 && again.unopened == ["webhook_endpoints.sealed_secret \(endpoints[0])"])
    }

    /// Key rings from the environment: the retired variables need the current one, and
    /// every key is checked; a damaged key file stops the start with its path.
    @Test func keyRingsAreChecked() throws {
        var configuration = ServerConfiguration()
        let hex = String(repeating: "ab", count: 32)
        let other = String(repeating: "cd", count: 32)
        try configuration.apply(environment: ["PACSPACE_MASTER_KEY": hex, "PACSPACE_MASTER_KEY_RETIRED": other + ", " + hex])
        #expect(configuration.masterKeys.count == 3)
        for bad in [
            ["PACSPACE_MASTER_KEY_RETIRED": hex], ["PACSPACE_MASTER_KEY": hex, "PACSPACE_MASTER_KEY_RETIRED": "abc"],
            ["PACSPACE_JWT_SECRET_RETIRED": String(repeating: "x", count: 40)],
            ["PACSPACE_JWT_SECRET": String(repeating: "x", count: 40), "PACSPACE_JWT_SECRET_RETIRED": "short"],
            ["PACSPACE_METRICS_TOKEN": "short"], ["PACSPACE_METRICS_TOKEN": "sixteen chars, with spaces"],
        ] {
            var fresh = ServerConfiguration()
            #expect(throws: ConfigurationError.self, "\(bad)") { try fresh.apply(environment: bad) }
        }
        let directory = Scratch.path("key-ring")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = KeyRingFile(.master, in: directory)
        try file.write([Array(repeating: 1, count: 32), Array(repeating: 2, count: 32)])
        #expect(try file.read() == [Array(repeating: 1, count: 32), Array(repeating: 2, count: 32)])
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)
        try "\(hex)\nnot a key\n".write(toFile: file.path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try file.read() }
    }

    /// The sequencer opens the environment's signing key (a delta is verified) and the
    /// dispatcher opens the endpoint's secret (a signed delivery arrives).
    static func signsAndDelivers(_ api: API, key: String, receiver: WebhookReceiver, secret: String) async throws {
        let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"rot","delta":1,"reason":"r"}"#)
        let recordID = emitted.data["recordId"]?.string ?? ""
        #expect(try await api.waitForDelta(recordID, key: key).data["status"] == "VERIFIED")
        // Signed with the first endpoint's secret (a second endpoint gets its own copy, signed with its own).
        _ = try await receiver.wait(for: "delta.verified of \(recordID) signed with the secret") {
            $0.json["data"]?["recordId"]?.string == recordID && $0.verifies(secret)
        }
    }

    /// Tokens signed by a retired JWT key stay valid until they expire; a ring without it
    /// refuses them.
    @Test func theJWTKeyRotates() async throws {
        let newSecret = Array("a-new-jwt-secret-0123456789abcdef-4567".utf8)
        var server = TestServer()
        let (account, oldToken) = try await server.run { api in
            let account = try await api.account()
            return (account, account.accessToken)
        }
        server.configuration.jwtSecrets = [newSecret, TestServer.jwtSecret]
        let newToken = try await server.run { api in
            #expect(try await api.call(.get, "/dashboard/auth/me", token: oldToken).status == .ok, "signed by the retired key")
            let logged = try await api.login(account)
            #expect(try await api.call(.get, "/dashboard/auth/me", token: logged.accessToken).status == .ok)
            return logged.accessToken
        }
        #expect(JWTFixtures.keyID(of: newToken) == AccessTokens.keyID(newSecret))
        #expect(JWTFixtures.keyID(of: oldToken) == AccessTokens.keyID(TestServer.jwtSecret))
        server.configuration.jwtSecrets = [newSecret]
        try await server.run { api async throws -> Void in
            #expect(try await api.call(.get, "/dashboard/auth/me", token: oldToken).status == .unauthorized, "the retired key is gone")
            #expect(try await api.call(.get, "/dashboard/auth/me", token: newToken).status == .ok)
        }
    }
}
