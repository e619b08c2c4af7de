import PacSpaceCore
import PacSpaceStore

/// The writer of deltas: one ``GroupCommit`` over ``DeltaCommits``.
typealias IngestWriter = GroupCommit<DeltaCommits>

/// Deltas as a group commit writes them: a request (one delta or a batch) is prepared with
/// its ids, canonical content and acceptance time; a transaction carries up to 5,000 deltas
/// and only adds sequence numbers.
struct DeltaCommits: GroupCommitted {
    static let name = "deltas"
    /// The most deltas written in one transaction.
    static let maxGroupWeight = 5_000

    let deltas: DeltaStore
    let metrics: ServerMetrics

    func prepare(_ request: IngestRequest, acceptedAt: Int64) -> PreparedIngest { request.prepared(acceptedAt: acceptedAt) }

    func weight(of item: PreparedIngest) -> Int { item.request.submissions.count }

    func commit(_ group: [PreparedIngest], now: Int64) async throws -> [IngestResult] { try await deltas.ingest(group, now: now) }

    func queued(_ item: PreparedIngest, _ answer: IngestResult) -> (environmentID: String, count: Int) {
        (item.request.environmentID, answer.outcomes.count { if case .queued = $0 { true } else { false } })
    }

    func measured(weight: Int, duration: Duration, failed: Bool) { metrics.ingestGroup(deltas: weight, duration: duration, failed: failed) }
}
