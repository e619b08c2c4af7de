import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import SQLKit
import Testing

/// Provisioning is durable work: a server stopped mid-provision finishes or fails it
/// after restart, never leaving an environment stuck in `provisioning`.
@Suite struct RecoveryTests {
    /// Leaves `environment` of a new account in `provisioning`, as a kill right after the
    /// 201 would, with `attempts` attempts already spent; returns the account.
    func crashDuringProvisioning(_ server: TestServer, environment: String, attempts: Int64) async throws -> Account {
        let account = try await server.run { api in try await api.account() }
        // One statement, so that no other server sharing the database sees the row half made.
        try await server.withDatabase { database in
            try await database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO environments (id, tenant_id, environment, status, attempts, tree_size, requested_at, created_at)
                    VALUES (\(bind: Identifier.make("ctr")), \(bind: account.tenantID), \(bind: environment), 'provisioning',
                            \(bind: attempts), 0, 1, 1)
                    """
                ).run()
            }
        }
        return account
    }

    @Test(arguments: Backend.all)
    func restartFinishesAnInterruptedProvisioning(backend: Backend) async throws {
        let server = TestServer(backend)
        let account = try await crashDuringProvisioning(server, environment: "testnet", attempts: 1)
        try await server.run { api in
            let fresh = try await api.login(account)
            let (entry, _) = try await api.waitForEnvironment(fresh, "testnet")
            #expect(entry["status"] == "active")
        }
    }

    @Test(arguments: Backend.all)
    func repeatedFailureEndsInErrorAndCanBeProvisionedAgain(backend: Backend) async throws {
        let server = TestServer(backend)
        let account = try await crashDuringProvisioning(server, environment: "mainnet", attempts: 3)
        try await server.run { api in
            let fresh = try await api.login(account)
            let (failed, _) = try await api.waitForEnvironment(fresh, "mainnet")
            #expect(failed["status"] == "error")
            #expect(failed["error"]?.string?.isEmpty == false)
            #expect(failed["provisionedAt"] == nil)
            let list = try await api.call(.get, "/dashboard/contracts", token: fresh.accessToken)
            #expect(list.data.count == 1)

            let again = try await api.call(.post, "/dashboard/contracts/provision", body: #"{"environment":"mainnet"}"#, token: fresh.accessToken)
            #expect(again.status == .created)
            let (entry, _) = try await api.waitForEnvironment(fresh, "mainnet")
            #expect(entry["status"] == "active")
            #expect(entry["error"] == nil)
        }
    }
}
