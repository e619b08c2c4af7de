import Crypto
import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle

/// Turns `provisioning` environments into `active` ones: creates the environment's
/// Ed25519 log key (sealed with the master key), its origin line, and the signed
/// checkpoint of the empty tree, all stored in one transaction.
///
/// The work lives in the database (status `provisioning`), so a restart resumes it; an
/// environment whose provisioning keeps failing (or keeps crashing the server) ends in
/// `error` after ``maxAttempts`` and can be provisioned again. Servers sharing a database
/// take a short lease (``leaseMillis``) on an environment before working on it, so each
/// attempt is one server's; a lease left by a killed server expires.
final class Provisioner: Service {
    static let maxAttempts: Int64 = 3
    /// How long one attempt may hold an environment before another server may retry it.
    static let leaseMillis: Int64 = 3_000

    private let environments: EnvironmentStore
    private let sealer: KeySealer
    private let originHost: String
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let wakeups: Wakeups

    init(
        environments: EnvironmentStore,
        sealer: KeySealer,
        originHost: String,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        pollInterval: Duration = .seconds(2)
    ) {
        self.environments = environments
        self.sealer = sealer
        self.originHost = originHost
        self.logger = logger
        self.now = now
        self.wakeups = Wakeups(pollInterval: pollInterval)
    }

    /// Asks for pending work to be looked at now.
    func wake() { wakeups.wake() }

    func run() async throws {
        await wakeups.runUntilShutdown { await self.provisionPending() }
    }

    /// Provisions every waiting environment.
    func provisionPending() async {
        do {
            for record in try await environments.pendingProvisioning() { await provision(record) }
        } catch {
            logger.error("cannot read pending environments", metadata: ["error": .string("\(error)")])
        }
    }

    private func provision(_ record: EnvironmentRecord) async {
        let metadata: Logger.Metadata = ["environmentId": .string(record.id), "environment": .string(record.environment.rawValue)]
        do {
            guard let attempt = try await environments.claim(id: record.id, now: now(), leaseMillis: Self.leaseMillis) else {
                return  // another server is on it (or it is done)
            }
            guard attempt <= Self.maxAttempts else {
                try await environments.fail(
                    id: record.id,
                    error: "Provisioning failed \(Self.maxAttempts) times; provision the environment again to retry, or contact support.",
                    now: now()
                )
                logger.error("provisioning gave up", metadata: metadata)
                return
            }
            let key = Curve25519.Signing.PrivateKey()
            let origin = "\(originHost)/\(record.tenantID)/\(record.environment)"
            let signer = try NoteSigner(name: origin, privateKey: key)
            let checkpoint = Checkpoint(origin: origin, size: 0, root: Merkle.emptyRoot)
            let signedAt = now()
            let log = ProvisionedLog(
                origin: origin,
                publicKey: signer.verifierKey,
                sealedSigningKey: try sealer.seal(Array(key.rawRepresentation), for: .signingKey(environmentID: record.id)),
                checkpoint: SignedCheckpoint(
                    environmentID: record.id,
                    treeSize: 0,
                    rootHash: checkpoint.root.base64,
                    note: try signer.sign(checkpoint.body),
                    signedAt: signedAt
                )
            )
            if try await environments.activate(id: record.id, log: log, now: signedAt) {
                logger.info("environment provisioned", metadata: metadata.merging(["logOrigin": .string(origin)]) { $1 })
            }
        } catch {
            logger.error("provisioning attempt failed", metadata: metadata.merging(["error": .string("\(error)")]) { $1 })
        }
    }
}
