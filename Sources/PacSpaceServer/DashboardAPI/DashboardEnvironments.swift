import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// The dashboard's environments as typed queries (docs/api.md §3): their states, their
/// contracts, activation. The JSON routes (``ContractsController``) present them; the home
/// and environments pages (``DashboardPagesController``) render them.
struct DashboardEnvironments: Sendable {
    let environments: EnvironmentStore
    let provisioner: Provisioner
    let sequencer: Sequencer
    let serverLog: ServerLogStore
    /// Where the logs are read (their tiles' prefixes).
    let publicURL: String
    let now: @Sendable () -> Int64

    /// One environment of the tenant, provisioned or not.
    struct State: Sendable {
        let name: EnvironmentName
        /// nil: never provisioned.
        let record: EnvironmentRecord?
        /// Why the sequencer is not verifying it, while it is not.
        let halt: Sequencer.Halt?
        /// Whether the server stopped publishing to its witnesses (docs/witnesses.md, "A split
        /// view"): the environment's checkpoints are then not witnessed.
        let witnessingHalted: Bool
        /// The server log's verifier key, once its first round made it: what a monitor of the
        /// environment pins besides the environment's own key.
        let serverLogKey: String?

        /// `not_provisioned` or the record's status.
        var status: String { record?.status.rawValue ?? EnvironmentStatus.notProvisioned }
    }

    /// Every environment of the user's tenant, testnet first, provisioned or not.
    func states(user: User) async throws -> [State] {
        let records = try await environments.environments(tenantID: user.tenantID)
        let witnessingHalted = try await serverLog.halted() != nil
        let serverLogKey = try await serverLog.identity()?.publicKey
        return EnvironmentName.allCases.map { name in
            let record = records.first { $0.environment == name }
            return State(
                name: name,
                record: record,
                halt: record.flatMap { sequencer.halt(of: $0.id) },
                witnessingHalted: witnessingHalted,
                serverLogKey: serverLogKey
            )
        }
    }

    /// The environments the tenant provisioned (its contracts), testnet first.
    func contracts(user: User) async throws -> [State] {
        try await states(user: user).filter { $0.record != nil }
    }

    /// Asks for `environment` to be provisioned (or provisioned again after a failure):
    /// its record, and whether this call started it. Owners, admins and developers with a
    /// verified email.
    func provision(user: User, environment: EnvironmentName) async throws -> (record: EnvironmentRecord, started: Bool) {
        guard user.emailVerified else {
            throw APIError(.forbidden, .emailNotVerified, "Verify your email before provisioning an environment.")
        }
        guard user.role.canWrite else { throw APIError.forbidden("Viewers cannot provision environments; ask an owner or admin.") }
        let (record, started) = try await environments.requestProvisioning(
            tenantID: user.tenantID,
            environment: environment,
            newID: Identifier.make("ctr"),
            now: now()
        )
        if started { provisioner.wake() }
        return (record, started)
    }
}
