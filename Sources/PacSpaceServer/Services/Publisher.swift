import Crypto
import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle
import Synchronization

/// Publishes the environments' logs into the server log (docs/witnesses.md): every
/// `PACSPACE_PUBLISH_INTERVAL`, the latest signed checkpoint of each environment that moved
/// since the last round becomes one leaf, and the server log signs one checkpoint over them
/// all. Witnesses follow that one log: one checkpoint per interval, whatever the number of
/// tenants. The first round makes the server log (its key, sealed like the environments').
final class Publisher: Service, Sendable {
    /// The most environments one round publishes; the rest wait for the next.
    static let roundLimit = 10_000

    let store: ServerLogStore
    /// Woken after each publication, to ask the witnesses.
    let witnessing: Witnessing?
    let sealer: KeySealer
    let origin: String
    let interval: Duration
    let logger: Logger
    let now: @Sendable () -> Int64
    private let signer = Mutex<NoteSigner?>(nil)
    /// Whether the halt was logged: once per halt, not once per round.
    private let haltAnnounced = Mutex(false)
    /// The first wake-up is the application's, once migrations ran; then one every interval.
    private let wakeups: Wakeups

    init(
        store: ServerLogStore,
        witnessing: Witnessing?,
        sealer: KeySealer,
        origin: String,
        interval: Duration,
        logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.witnessing = witnessing
        self.sealer = sealer
        self.origin = origin
        self.interval = interval
        self.logger = logger
        self.now = now
        wakeups = Wakeups(pollInterval: interval)
    }

    /// Starts the rounds (the application, once the database is ready).
    func wake() { wakeups.wake() }

    func run() async throws {
        await wakeups.runUntilShutdown { await self.round() }
    }

    /// One round: the server log made if it is not, then the environments that moved
    /// published. Returns the checkpoint signed, if any.
    @discardableResult
    func round() async -> SignedCheckpoint? {
        do {
            let signer = try await self.signer()
            // A witness saw another history (docs/witnesses.md, "A split view"): nothing more
            // is published until an operator resumes, so no checkpoint of this branch is cosigned.
            if let reason = try await store.halted() {
                if !haltAnnounced.withLock({ announced in
                    defer { announced = true }
                    return announced
                }) {
                    logger.critical("the server log is halted: nothing is published", metadata: ["reason": .string(reason)])
                }
                return nil
            }
            haltAnnounced.withLock { $0 = false }
            guard let signed = try await store.publish(limit: Self.roundLimit, now: now(), sign: { try signer.sign($0.body) }) else {
                return nil
            }
            logger.debug("server log published", metadata: ["treeSize": .stringConvertible(signed.treeSize)])
            witnessing?.wake()
            return signed
        } catch {
            logger.error("cannot publish to the server log", metadata: ["error": .string("\(error)")])
            return nil
        }
    }

    /// The server log's signer: its stored key, or a new one if no server made the log yet.
    private func signer() async throws -> NoteSigner {
        if let signer = signer.withLock({ $0 }) { return signer }
        var identity = try await store.identity()
        if identity == nil {
            let key = Curve25519.Signing.PrivateKey()
            let signer = try NoteSigner(name: origin, privateKey: key)
            let made = ServerLogStore.Identity(
                origin: origin,
                publicKey: signer.verifierKey,
                sealedSigningKey: try sealer.seal(Array(key.rawRepresentation), for: .serverLogKey)
            )
            let empty = try signer.sign(Checkpoint(origin: origin, size: 0, root: Merkle.emptyRoot).body)
            identity = try await store.create(made, emptyCheckpoint: empty, now: now())
            logger.info("server log made", metadata: ["origin": .string(origin)])
        }
        guard let identity else { throw StoreInvariant("the server log has no identity") }
        let signer = try NoteSigner(
            name: identity.origin,
            privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: try sealer.open(identity.sealedSigningKey, for: .serverLogKey))
        )
        self.signer.withLock { $0 = signer }
        return signer
    }
}
