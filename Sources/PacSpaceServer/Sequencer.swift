import Crypto
import Foundation
import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle
import Synchronization

/// Integrates QUEUED deltas into their environment's log (verification.md, "The
/// sequencer"): one transaction and one signed checkpoint per batch, at most one batch
/// per environment every ``interval``, started as soon as work is waiting.
///
/// Before signing it checks that the stored tree extends the last checkpoint it signed.
/// That checkpoint is also kept outside the database, in `<data dir>/witness/`, so a
/// database restored from an older copy is detected and refused, not papered over: the
/// environment stops verifying (its deltas stay QUEUED) and the error is logged.
final class Sequencer: Service {
    static let batchLimit = 10_000

    private let log: LogStore
    private let environments: EnvironmentStore
    private let sealer: KeySealer
    private let witnessDirectory: String
    private let interval: Duration
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let signers = Mutex<[String: NoteSigner]>([:])
    private let halted = Mutex<Set<String>>([])

    init(log: LogStore, environments: EnvironmentStore, sealer: KeySealer, witnessDirectory: String, interval: Duration,
         logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.log = log
        self.environments = environments
        self.sealer = sealer
        self.witnessDirectory = witnessDirectory
        self.interval = interval
        self.logger = logger
        self.now = now
        (wakeups, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for queued work to be integrated.
    func wake() { continuation.yield() }

    /// Environments whose stored log disagrees with what was signed: nothing is signed for
    /// them until an operator restores consistent data (and restarts the server).
    var haltedEnvironments: Set<String> { halted.withLock { $0 } }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: witnessDirectory, withIntermediateDirectories: true)
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                let started = ContinuousClock.now
                await integrateAll()
                // At most one round per interval: later arrivals share the next batch. The wait
                // ends early on graceful shutdown, so stopping never waits out a long interval.
                let until = started + interval
                try? await cancelWhenGracefulShutdown { try await Task.sleep(until: until) }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    /// One round: every environment with queued work gets batches until none is left.
    func integrateAll() async {
        do {
            for environmentID in try await log.environmentsWithQueuedWork() where !halted.withLock({ $0.contains(environmentID) }) {
                while let batch = try await integrate(environmentID), batch.entries == Self.batchLimit {}
            }
        } catch let error as LogError {
            logger.critical("refusing to sign: \(error)")
            if case .inconsistent(let environmentID, _) = error { _ = halted.withLock { $0.insert(environmentID) } }
        } catch {
            logger.error("sequencer round failed; retrying on the next wake-up", metadata: ["error": .string("\(error)")])
            Task { [continuation] in
                try? await Task.sleep(for: .seconds(1))
                continuation.yield()
            }
        }
    }

    private func integrate(_ environmentID: String) async throws -> Integration? {
        let signer = try await signer(for: environmentID)
        let integration = try await log.integrate(environmentID: environmentID, limit: Self.batchLimit, now: now(),
                                                  lastSigned: try witness(environmentID)) { checkpoint in
            try signer.sign(checkpoint.body)
        }
        if let integration {
            try record(integration.checkpoint)
            logger.debug("batch verified", metadata: ["environmentId": .string(environmentID), "entries": .stringConvertible(integration.entries),
                                                      "treeSize": .stringConvertible(integration.treeSize)])
        }
        return integration
    }

    private func signer(for environmentID: String) async throws -> NoteSigner {
        if let signer = signers.withLock({ $0[environmentID] }) { return signer }
        guard let record = try await environments.environment(id: environmentID), let origin = record.logOrigin,
              let sealed = record.sealedSigningKey.flatMap(Base64.decode) else {
            throw LogError.inconsistent(environmentID: environmentID, detail: "the environment has no signing key")
        }
        let signer = try NoteSigner(name: origin, privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: try sealer.open(sealed)))
        signers.withLock { $0[environmentID] = signer }
        return signer
    }

    private func witnessPath(_ environmentID: String) -> String {
        (witnessDirectory as NSString).appendingPathComponent("\(environmentID).checkpoint")
    }

    /// The last checkpoint signed for the environment, as remembered outside the database.
    private func witness(_ environmentID: String) throws -> (size: Int64, root: Hash)? {
        guard let data = FileManager.default.contents(atPath: witnessPath(environmentID)) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard lines.count >= 3, let size = Int64(lines[1]), let root = Hash(base64: String(lines[2])) else {
            throw LogError.inconsistent(environmentID: environmentID, detail: "the witness file \(witnessPath(environmentID)) is damaged")
        }
        return (size, root)
    }

    /// Remembers a signed checkpoint: written whole, fsynced, then renamed into place.
    private func record(_ checkpoint: SignedCheckpoint) throws {
        let path = witnessPath(checkpoint.environmentID)
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        let bytes = Array(checkpoint.note.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
