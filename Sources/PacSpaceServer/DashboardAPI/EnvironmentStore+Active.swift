import HTTPTypes
import PacSpaceCore
import PacSpaceStore

extension EnvironmentStore {
    /// The tenant's `name` environment, which a dashboard route of it needs active: 412
    /// `CONTRACT_NOT_DEPLOYED` until it is provisioned.
    func active(_ name: EnvironmentName, tenantID: String) async throws -> EnvironmentRecord {
        guard let environment = try await environments(tenantID: tenantID).first(where: { $0.environment == name }),
            environment.status == .active
        else {
            throw APIError(
                .preconditionFailed,
                .contractNotDeployed,
                "The \(name.rawValue) environment is not active; provision it first (POST /dashboard/contracts/provision)."
            )
        }
        return environment
    }
}
