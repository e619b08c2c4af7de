import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import Testing

/// The seed page (environment activation), replayed literally, plus its edges.
@Suite struct ContractsTests {
    @Test(arguments: Backend.all)
    func seedCurlExamplesAnswerAsThePublicPageSays(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            // curl -X POST …/dashboard/contracts/provision -H "Authorization: Bearer …" -H "Content-Type: application/json" -d '{…}'
            let provision = try await api.call(
                .post,
                "/dashboard/contracts/provision",
                body: "{\n    \"environment\": \"testnet\"\n  }",
                token: account.accessToken
            )
            #expect(provision.status == .created)
            #expect(provision.json["statusCode"] == 201)
            #expect(provision.json["success"] == true)
            #expect(provision.data.keys == ["tenantId", "environment", "status", "message"])
            #expect(provision.data["tenantId"]?.string == account.tenantID)
            #expect(provision.data["environment"] == "testnet")
            #expect(provision.data["status"] == "provisioning")
            #expect(provision.data["message"] == "Environment is being provisioned. This usually takes a few seconds.")

            // How fast is measured by scripts/bench (house rule: speed in benchmarks, not tests).
            let (entry, _) = try await api.waitForEnvironment(account, "testnet")
            #expect(entry["status"] == "active")

            // curl …/dashboard/contracts/tnt_…/status -H "Authorization: Bearer …"
            let status = try await api.call(.get, "/dashboard/contracts/\(account.tenantID)/status", token: account.accessToken)
            #expect(status.status == .ok)
            #expect(status.json["statusCode"] == 200)
            #expect(status.data.keys == ["tenantId", "environments"])
            guard case .array(let environments)? = status.data["environments"] else { throw TestFailure("no environments") }
            #expect(environments.count == 2)
            #expect(environments[0].keys == ["environment", "status", "provisionedAt"])
            #expect(environments[0]["environment"] == "testnet")
            #expect(environments[0]["provisionedAt"]?.string?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
            #expect(environments[1] == ["environment": "mainnet", "status": "not_provisioned"])

            // curl …/dashboard/contracts -H "Authorization: Bearer …"
            let list = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            #expect(list.status == .ok)
            guard case .array(let contracts) = list.data, let contract = contracts.first else { throw TestFailure("no contracts") }
            #expect(contracts.count == 1)
            // The seed page's members, and ours after them: where the log is read as tiles (issue 27).
            #expect(
                contract.keys == [
                    "id", "tenantId", "environment", "status", "provisionedAt", "logOrigin", "publicKey", "treeSize", "chainId", "tilesPrefix",
                ]
            )
            #expect(Identifier.isWellFormed(contract["id"]?.string ?? "", prefix: "ctr"))
            #expect(contract["logOrigin"]?.string == "pacspace.test/\(account.tenantID)/testnet")
            #expect(contract["treeSize"] == 0)
            #expect(contract["chainId"] == 296)
            #expect(contract["provisionedAt"] == environments[0]["provisionedAt"])
            // The verifier key is a valid C2SP key named after the origin.
            let verifier = try NoteVerifier(verifierKey: contract["publicKey"]?.string ?? "")
            #expect(verifier.name == contract["logOrigin"]?.string)
        }
    }

    @Test(arguments: Backend.all)
    func provisioningStoresASignedEmptyCheckpoint(backend: Backend) async throws {
        let server = TestServer(backend)
        let (environmentID, publicKey) = try await server.run { api in
            let account = try await api.account()
            _ = try await api.call(.post, "/dashboard/contracts/provision", body: #"{"environment":"mainnet"}"#, token: account.accessToken)
            _ = try await api.waitForEnvironment(account, "mainnet")
            let contract = try await api.call(.get, "/dashboard/contracts", token: account.accessToken).data
            guard case .array(let items) = contract, let first = items.first else { throw TestFailure("no contract") }
            #expect(first["chainId"] == 295)
            return (first["id"]?.string ?? "", first["publicKey"]?.string ?? "")
        }
        let stored = try await server.withDatabase { database in
            try await LogStore(database: database).latestCheckpoint(environmentID: environmentID)
        }
        let checkpoint = try Checkpoint.open(stored?.note ?? "", verifier: NoteVerifier(verifierKey: publicKey))
        #expect(checkpoint.size == 0)
        #expect(checkpoint.root == Merkle.emptyRoot)
        #expect(checkpoint.origin.hasSuffix("/mainnet"))
    }

    @Test(arguments: Backend.all)
    func provisioningIsIdempotentEvenWhenCallsRace(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await api.call(.post, "/dashboard/contracts/provision", body: #"{"environment":"testnet"}"#, token: account.accessToken)
                            .status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .ok }.count == 11)
            _ = try await api.waitForEnvironment(account, "testnet")
            let again = try await api.call(.post, "/dashboard/contracts/provision", body: #"{"environment":"testnet"}"#, token: account.accessToken)
            #expect(again.status == .ok)
            #expect(again.data["status"] == "active")
            #expect(try await api.call(.get, "/dashboard/contracts", token: account.accessToken).data.count == 1)
        }
    }

    @Test func provisionRejectsBadInput() async throws {
        try await TestServer().run { api in
            let account = try await api.account()
            let token = account.accessToken
            let path = "/dashboard/contracts/provision"
            let devnet = try await api.call(.post, path, body: #"{"environment":"devnet"}"#, token: token)
            #expect(devnet.status == .badRequest)
            #expect(devnet.errorCode == "VALIDATION_ERROR")
            #expect(devnet.errorMessage?.contains("testnet") == true && devnet.errorMessage?.contains("mainnet") == true)
            #expect(devnet.json["error"]?["details"] == [["field": "environment", "problem": "enum"]])
            for (body, code) in [
                (#"{}"#, "VALIDATION_ERROR"), (#"{"environment":7}"#, "VALIDATION_ERROR"), (#"{"environment":null}"#, "VALIDATION_ERROR"),
                (#"{"environment":"testnet","extra":1}"#, "VALIDATION_ERROR"), (#"["testnet"]"#, "VALIDATION_ERROR"),
                (#"{"environment":"testnet""#, "VALIDATION_ERROR"), ("", "VALIDATION_ERROR"),
                (#"{"environment":"TESTNET"}"#, "VALIDATION_ERROR"),
            ] {
                let reply = try await api.call(.post, path, body: body, token: token)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(reply.errorCode == code, "\(body)")
                #expect(reply.json["success"] == false)
            }
            let text = try await api.call(.post, path, body: "environment=testnet", token: token, contentType: "application/x-www-form-urlencoded")
            #expect(text.status == .unsupportedMediaType)
            let huge = try await api.call(.post, path, body: #"{"environment":""# + String(repeating: "x", count: 1 << 20) + #""}"#, token: token)
            #expect(huge.status == .contentTooLarge)
            #expect(huge.errorCode == "PAYLOAD_TOO_LARGE")
            // Nothing was provisioned by any of that.
            #expect(try await api.call(.get, "/dashboard/contracts", token: token).data.count == 0)
        }
    }

    @Test func tokensAreCheckedAndTenantsKeptApart() async throws {
        try await TestServer().run { api in
            let alice = try await api.account()
            let bob = try await api.account()
            let statusPath = "/dashboard/contracts/\(alice.tenantID)/status"
            #expect(try await api.call(.get, statusPath, token: alice.accessToken).status == .ok)
            let foreign = try await api.call(.get, statusPath, token: bob.accessToken)
            #expect(foreign.status == .notFound)
            #expect(foreign.errorCode == "NOT_FOUND")
            #expect(!foreign.text.contains(alice.email))
            #expect(try await api.call(.get, "/dashboard/contracts/tnt_doesnotexist/status", token: bob.accessToken).status == .notFound)

            let forged = try await JWTFixtures.token(for: alice, secret: Array("another-secret-0123456789abcdef-0123".utf8))
            let expired = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret, expiresIn: -60)
            let otherTenant = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret, tenantID: bob.tenantID)
            let issuer = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret, issuer: "https://elsewhere.test")
            let audience = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret, audience: "another-service")
            let century = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret, expiresIn: 100 * 365 * 86400)
            let future = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret, issuedAt: Date().addingTimeInterval(3600))
            // The control: the same fixture with the server's own claims is accepted, so each refusal below is for its one change.
            let genuine = try await JWTFixtures.token(for: alice, secret: TestServer.jwtSecret)
            #expect(try await api.call(.get, "/dashboard/contracts", token: genuine).status == .ok)
            for (header, label) in [
                (nil, "missing"), ("Bearer", "empty"), ("Basic abc", "scheme"), ("Bearer not.a.jwt", "garbage"),
                ("Bearer \(forged)", "forged"), ("Bearer \(expired)", "expired"), ("Bearer \(otherTenant)", "tenant swapped"),
                ("Bearer \(issuer)", "issuer"), ("Bearer \(audience)", "audience"), ("Bearer \(century)", "lifetime"),
                ("Bearer \(future)", "issued in the future"),
            ] as [(String?, String)] {
                var headers = HTTPFields()
                if let header { headers[.authorization] = header }
                for (method, path) in [
                    (HTTPRequest.Method.get, "/dashboard/contracts"), (.get, statusPath), (.post, "/dashboard/contracts/provision"),
                ] {
                    let reply = try await api.call(method, path, body: method == .post ? #"{"environment":"testnet"}"# : nil, headers: headers)
                    #expect(reply.status == .unauthorized, "\(label) \(path)")
                    #expect(reply.errorCode == "UNAUTHORIZED", "\(label) \(path)")
                }
            }
            #expect(try await api.call(.get, "/dashboard/contracts", token: alice.accessToken).data.count == 0)
        }
    }
}
