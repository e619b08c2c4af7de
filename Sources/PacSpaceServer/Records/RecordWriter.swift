import PacSpaceStore

/// The one writer of record entries: appends that arrive while a transaction is being
/// written wait and go into the next one together, so one fsync acknowledges many (group
/// commit, as ``IngestWriter`` does for deltas). Measured by scripts/bench: one
/// transaction per append gave 645 entries/s beside 3,437 single delta emits/s.
actor RecordWriter {
    /// The most entries written in one transaction.
    static let maxGroup = 500

    private let records: RecordStore
    private let now: @Sendable () -> Int64
    private let committed: @Sendable ([String: Int]) -> Void
    /// An append waiting for the next transaction, and who is told its answer.
    private struct Pending {
        let submission: RecordStore.Submission
        let environmentID: String
        let charge: CreditCharge?
        let answer: CheckedContinuation<(RecordEntry, created: Bool), any Error>
    }

    private var waiting: [Pending] = []
    private var writing = false

    /// `committed` is told, after each commit, how many new entries each environment queued.
    init(records: RecordStore, now: @escaping @Sendable () -> Int64, committed: @escaping @Sendable ([String: Int]) -> Void) {
        self.records = records
        self.now = now
        self.committed = committed
    }

    /// Stores the entry durably, paid for by `charge` on production; answers once its
    /// transaction has committed.
    func append(
        _ submission: RecordStore.Submission,
        environmentID: String,
        charge: CreditCharge?
    ) async throws -> (RecordEntry, created: Bool) {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Pending(submission: submission, environmentID: environmentID, charge: charge, answer: continuation))
            if !writing {
                writing = true
                Task { await self.writeGroups() }
            }
        }
    }

    private func writeGroups() async {
        while !waiting.isEmpty {
            let group = Array(waiting.prefix(Self.maxGroup))
            waiting.removeFirst(group.count)
            do {
                let results = try await records.append(group.map { ($0.submission, $0.environmentID, $0.charge) }, now: now())
                var queued: [String: Int] = [:]
                for (item, result) in zip(group, results) {
                    if case .success(let answer) = result, answer.created { queued[item.environmentID, default: 0] += 1 }
                }
                committed(queued)
                for (item, result) in zip(group, results) { item.answer.resume(with: result.mapError { $0 as any Error }) }
            } catch {
                // Not confirmed: every append of the group answers the database's failure.
                for item in group { item.answer.resume(throwing: error) }
            }
        }
        writing = false
    }
}
