import Logging
import PacSpaceCore
import PacSpaceStore

/// The one writer of deltas (docs/architecture.md, "The write path"): requests that arrive
/// while a transaction is being written wait and are written together in the next one,
/// so one fsync acknowledges many deltas (group commit). Nothing is answered before its
/// transaction has committed.
actor IngestWriter {
    /// The most submissions written in one transaction.
    static let maxGroupSubmissions = 5_000

    private let deltas: DeltaStore
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let committed: @Sendable ([String: Int]) -> Void
    private let metrics: ServerMetrics
    private var waiting: [(PreparedIngest, CheckedContinuation<IngestResult, any Error>)] = []
    private var writing = false

    /// `committed` is called after every commit with the deltas queued per environment
    /// (it counts the backlog and wakes the sequencer).
    init(
        deltas: DeltaStore,
        metrics: ServerMetrics,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        committed: @escaping @Sendable ([String: Int]) -> Void
    ) {
        self.deltas = deltas
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.committed = committed
    }

    /// Stores the request durably; returns what it did and its answer once committed.
    ///
    /// The request is prepared here (ids, canonical content, acceptance time), on the
    /// actor while the previous group's transaction runs: acceptance times follow the
    /// order in which requests are written, and the transaction only adds sequence numbers.
    func submit(_ request: IngestRequest) async throws -> IngestResult {
        let prepared = request.prepared(acceptedAt: now())
        return try await withCheckedThrowingContinuation { continuation in
            waiting.append((prepared, continuation))
            if !writing {
                writing = true
                Task { await self.writeGroups() }
            }
        }
    }

    private func writeGroups() async {
        while !waiting.isEmpty {
            var count = 0
            var take = 0
            while take < waiting.count && (take == 0 || count + waiting[take].0.request.submissions.count <= Self.maxGroupSubmissions) {
                count += waiting[take].0.request.submissions.count
                take += 1
            }
            let group = Array(waiting.prefix(take))
            waiting.removeFirst(take)
            let started = ContinuousClock.now
            do {
                let results = try await deltas.ingest(group.map(\.0), now: now())
                metrics.ingestGroup(deltas: count, duration: .now - started, failed: false)
                var queued: [String: Int] = [:]
                for (entry, result) in zip(group, results) {
                    let count = result.outcomes.count { if case .queued = $0 { true } else { false } }
                    if count > 0 { queued[entry.0.request.environmentID, default: 0] += count }
                }
                committed(queued)
                for (entry, result) in zip(group, results) { entry.1.resume(returning: result) }
            } catch {
                metrics.ingestGroup(deltas: count, duration: .now - started, failed: true)
                // Every request of the group answers 503: not confirmed (rolled back, or on PostgreSQL
                // possibly committed when the connection died during COMMIT). The cause is for the operator.
                logger.error(
                    "ingest transaction failed; its requests answer 503",
                    metadata: [
                        "requests": .stringConvertible(group.count), "deltas": .stringConvertible(count),
                        "error": .string("\(error)"),
                    ]
                )
                for entry in group { entry.1.resume(throwing: error) }
            }
        }
        writing = false
    }
}
