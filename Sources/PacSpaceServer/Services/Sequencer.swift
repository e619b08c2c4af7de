import Crypto
import Foundation
import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle
import Synchronization

/// Integrates QUEUED deltas into their environment's log (docs/architecture.md, "The
/// sequencer"): one transaction and one signed checkpoint per batch, at most one batch
/// per environment every ``interval``, started as soon as work is waiting.
///
/// Before signing it checks that the stored tree extends the last signed checkpoint.
/// That checkpoint is also kept outside the database, in `<data dir>/witness/`, so a
/// database restored from an older copy is detected and refused, not papered over.
///
/// Environments are isolated from each other: a round takes one batch of each in turn
/// (a deep backlog does not hold up the others), and a failure halts only its own
/// environment. A halted environment keeps its reason (shown by the contracts status and
/// `/readyz`) and is tried again with exponential backoff, from 1 s up to 60 s; it
/// resumes by itself once the cause is gone.
final class Sequencer: Service {
    static let batchLimit = 10_000
    static let firstRetry: Duration = .seconds(1)
    static let longestRetry: Duration = .seconds(60)

    /// Why an environment is not being verified, and when it is tried again.
    struct Halt: Sendable {
        let reason: String
        /// When it first failed (epoch milliseconds).
        let since: Int64
        let failures: Int
        let retryAt: ContinuousClock.Instant
    }

    private let log: LogStore
    private let environments: EnvironmentStore
    private let sealer: KeySealer
    private let witnesses: WitnessFiles
    private let interval: Duration
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let wakeups: Wakeups
    private let signers = Mutex<[String: NoteSigner]>([:])
    private let halts = Mutex<[String: Halt]>([:])
    private let backlogs = Mutex<[String: Int64]>([:])
    /// Each backlogged environment's next batch, planned while its last one was written;
    /// used in the same round only (see ``integrateAll()``).
    private let plannedAhead = Mutex<[String: LogStore.PlannedBatch]>([:])
    /// Environments whose queue was found empty although they had given out more positions
    /// than their log holds (a hole, made only by editing the database), with the position
    /// they had then: they are passed over until they give out another, or for a minute at
    /// most (in case an empty plan had another cause).
    private let emptyQueues = Mutex<[String: (position: Int64, until: ContinuousClock.Instant)]>([:])
    private let retryAlarm = RetryAlarm()
    private let metrics: ServerMetrics

    init(
        log: LogStore,
        environments: EnvironmentStore,
        sealer: KeySealer,
        witnessDirectory: String,
        interval: Duration,
        metrics: ServerMetrics,
        logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.metrics = metrics
        self.log = log
        self.environments = environments
        self.sealer = sealer
        self.witnesses = WitnessFiles(directory: witnessDirectory)
        self.interval = interval
        self.logger = logger
        self.now = now
        self.wakeups = Wakeups(pollInterval: Self.pollInterval)
    }

    /// How often the sequencer looks for queued work nobody woke it for: entries another
    /// server sharing the database accepted, or left by a round that failed.
    static let pollInterval: Duration = .seconds(1)

    /// Asks for queued work to be integrated.
    func wake() { wakeups.wake() }

    /// Environments the sequencer is not verifying, with why.
    var haltedEnvironments: [String: Halt] { halts.withLock { $0 } }

    /// Why the environment is halted; nil while it is verified normally.
    func halt(of environmentID: String) -> Halt? { halts.withLock { $0[environmentID] } }

    /// The environment's QUEUED entries as last seen: the count after the sequencer's
    /// latest batch plus what ingest committed since. An estimate for backpressure.
    func backlog(of environmentID: String) -> Int64 { backlogs.withLock { $0[environmentID] ?? 0 } }

    /// Every environment's ``backlog(of:)``.
    var allBacklogs: [String: Int64] { backlogs.withLock { $0 } }

    /// Ingest committed `count` new entries to the environment's queue.
    func queued(_ count: Int, in environmentID: String) {
        backlogs.withLock { $0[environmentID, default: 0] += Int64(count) }
    }

    /// A writer committed new entries (a count per environment): counted into the backlogs,
    /// and the sequencer woken for them. What the ingest and record writers call after each
    /// group commit.
    func committed(_ queued: [String: Int]) {
        for (environmentID, count) in queued { self.queued(count, in: environmentID) }
        wake()
    }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: witnesses.directory, withIntermediateDirectories: true)
        await wakeups.runUntilShutdown {
            let started = ContinuousClock.now
            let round = await self.integrateAll()
            // At most one round per interval: later arrivals share the next batch. The wait
            // ends early on graceful shutdown, so stopping never waits out a long interval.
            let until = started + Self.pace(interval: self.interval, round: .now - started, batches: round.batches, entries: round.entries)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(until: until) }
        }
        // A stopped server leaves its witness files as current as its database.
        await witnesses.flush()
    }

    /// The longest pause ``pace(interval:round:batches:entries:)`` adds after a long round.
    static let longestPause: Duration = .seconds(1)
    /// Batches of at least this many entries on average are not paced: their fixed cost is
    /// already small beside their entries'.
    static let pacedBelow = 1_000

    /// How long after a round's start the next one may start: the interval, or, after a round
    /// of small batches (``pacedBelow`` entries on average) that took longer than half of it,
    /// the round's own length again (up to ``longestPause``), so the sequencer works at most
    /// about half the time and each environment's next batch is larger. A round of large
    /// batches (a backlog drained) is not paced: waiting would only delay what arrives next
    /// (a pause after a drain once held the next deltas for 0.9 s).
    ///
    /// Why: a batch has a fixed cost (a read snapshot that checks the tree, a transaction, a
    /// signature; about 0.8 ms of CPU) however few entries it holds. With 100 environments
    /// under load, rounds every 200 ms made 500 batches a second of ten deltas each, and the
    /// sequencer took a third of the server's CPU from ingest: single emits over 100
    /// environments ran at 5,145/s with a 200 ms interval and 6,580/s with a 1 s one (issue
    /// 28). With one environment a round takes a few milliseconds and the interval alone
    /// applies, so QUEUED→VERIFIED latency does not change there.
    static func pace(interval: Duration, round: Duration, batches: Int, entries: Int) -> Duration {
        guard batches > 0, entries / batches < pacedBelow else { return max(interval, round) }
        return max(interval, round + min(round, longestPause))
    }

    /// One round: every environment with queued work, one batch each in turn, until none
    /// is left; halted environments only once their retry time has come. Returns how many
    /// batches it wrote and their entries.
    func integrateAll() async -> (batches: Int, entries: Int) {
        var pending: [String]
        var batches = 0
        var entries = 0
        var listed: [String: Int64] = [:]
        do {
            let queues = try await log.environmentsWithQueuedWork()
            listed = Dictionary(queues, uniquingKeysWith: { first, _ in first })
            let now = ContinuousClock.now
            let empty = emptyQueues.withLock { empty in
                empty = empty.filter { listed[$0.key] == $0.value.position && $0.value.until > now }
                return empty
            }
            pending = queues.map(\.id).filter { empty[$0] == nil }
        } catch {
            logger.error("sequencer cannot list queued work; retrying", metadata: ["error": .string("\(error)")])
            wake(after: Self.firstRetry)
            return (0, 0)
        }
        let clock = ContinuousClock.now
        pending.removeAll { id in halts.withLock { $0[id].map { $0.retryAt > clock } ?? false } }
        // Work this server queued first; the rest in a random order, so that servers sharing a
        // database do not all reach the same log at once and skip it one after another.
        let queuedHere = backlogs.withLock { backlogs in Set(pending.filter { (backlogs[$0] ?? 0) > 0 }) }
        pending = pending.filter(queuedHere.contains) + pending.filter { !queuedHere.contains($0) }.shuffled()
        while !pending.isEmpty {
            var again: [String] = []
            for environmentID in pending {
                do {
                    let batch = try await integrate(environmentID)
                    resumed(environmentID)
                    if batch == nil, let position = listed[environmentID] {
                        // Planned after the listing: every position up to `position` was visible, and none is queued.
                        emptyQueues.withLock { $0[environmentID] = (position, .now + .seconds(60)) }
                    }
                    if let batch {
                        batches += 1
                        entries += batch.entries
                        if batch.entries == Self.batchLimit { again.append(environmentID) }
                    }
                } catch is LogStore.TreeMoved {
                    // Another server sharing the database integrated it meanwhile: not a failure.
                    wake(after: .milliseconds(50))
                } catch {
                    halted(environmentID, error)
                }
            }
            pending = again
        }
        // A plan kept past its round would grow stale: the next round plans from the store.
        plannedAhead.withLock { $0.removeAll() }
        if let next = halts.withLock({ $0.values.map(\.retryAt).min() }) { wake(after: next - ContinuousClock.now) }
        return (batches, entries)
    }

    private func halted(_ environmentID: String, _ error: any Error) {
        let reason = "\(error)"
        let previous = halts.withLock { $0[environmentID] }
        let failures = (previous?.failures ?? 0) + 1
        let delay = min(Self.longestRetry, Self.firstRetry * (1 << min(failures - 1, 6)))
        halts.withLock {
            $0[environmentID] = Halt(reason: reason, since: previous?.since ?? now(), failures: failures, retryAt: .now + delay)
        }
        // Logged when the reason changes, not on every retry.
        guard previous?.reason != reason else { return }
        let metadata: Logger.Metadata = [
            "environmentId": .string(environmentID), "error": .string(reason),
            "retryInSeconds": .stringConvertible(delay.components.seconds),
        ]
        if error is LogError {
            logger.critical("environment halted: refusing to sign", metadata: metadata)
        } else {
            logger.error("environment halted: its sequencer batch failed", metadata: metadata)
        }
    }

    private func resumed(_ environmentID: String) {
        guard let halt = halts.withLock({ $0.removeValue(forKey: environmentID) }) else { return }
        logger.notice("environment resumed", metadata: ["environmentId": .string(environmentID), "failures": .stringConvertible(halt.failures)])
    }

    /// Schedules a wake-up `delay` from now unless one at least as early is pending:
    /// rounds come with every commit, and each would otherwise leave a sleeping task
    /// behind while an environment stays halted.
    private func wake(after delay: Duration) {
        let at = ContinuousClock.now + max(delay, .milliseconds(10))
        guard retryAlarm.set(at) else { return }
        Task { [wakeups, retryAlarm] in
            try? await Task.sleep(until: at)
            retryAlarm.rang(at)
            wakeups.wake()
        }
    }

    private func integrate(_ environmentID: String) async throws -> Integration? {
        try witnesses.check(environmentID)
        let signer = try await signer(for: environmentID)
        let integration = try await log.integrate(
            environmentID: environmentID,
            limit: Self.batchLimit,
            now: now(),
            lastSigned: try witnesses.read(environmentID),
            planned: plannedAhead.withLock { $0.removeValue(forKey: environmentID) }
        ) { checkpoint in
            try signer.sign(checkpoint.body)
        }
        if let next = integration?.next { plannedAhead.withLock { $0[environmentID] = next } }
        if let integration {
            witnesses.record(integration.checkpoint)
            backlogs.withLock { $0[environmentID] = integration.backlog }
            metrics.sequencerBatch(
                environmentID: environmentID,
                entries: integration.entries,
                lag: integration.oldestAcceptedAt.map { .milliseconds(max(0, now() - $0)) }
            )
            logger.debug(
                "batch verified",
                metadata: [
                    "environmentId": .string(environmentID), "entries": .stringConvertible(integration.entries),
                    "treeSize": .stringConvertible(integration.treeSize),
                ]
            )
        } else {
            backlogs.withLock { $0[environmentID] = 0 }
        }
        return integration
    }

    private func signer(for environmentID: String) async throws -> NoteSigner {
        if let signer = signers.withLock({ $0[environmentID] }) { return signer }
        guard let record = try await environments.environment(id: environmentID), let origin = record.logOrigin,
            let sealed = record.sealedSigningKey
        else {
            throw LogError.inconsistent(environmentID: environmentID, detail: "the environment has no signing key")
        }
        let signer = try NoteSigner(
            name: origin,
            privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: try sealer.open(sealed, for: .signingKey(environmentID: environmentID)))
        )
        signers.withLock { $0[environmentID] = signer }
        return signer
    }
}

/// The earliest retry wake-up scheduled, shared with the task that sleeps for it.
final class RetryAlarm: Sendable {
    private let pending = Mutex<ContinuousClock.Instant?>(nil)

    /// Records a wake-up at `instant`; false when one at least as early is pending.
    func set(_ instant: ContinuousClock.Instant) -> Bool {
        pending.withLock { current in
            if let current, current <= instant { return false }
            current = instant
            return true
        }
    }

    /// The wake-up at `instant` happened.
    func rang(_ instant: ContinuousClock.Instant) {
        pending.withLock { current in if current == instant { current = nil } }
    }
}
