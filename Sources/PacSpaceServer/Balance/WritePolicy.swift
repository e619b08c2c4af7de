import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// What every write that queues log entries — deltas and record entries alike — answers to
/// before it is stored: the environment's backlog, and on production the tenant's credits.
struct WritePolicy: Sendable {
    let sequencer: Sequencer
    /// QUEUED entries an environment may hold before writes answer 503 (backpressure).
    let maxBacklog: Int64
    /// Micro-credits one production log entry costs.
    let costPerEntry: Int64
    /// Available credits below which a reservation announces `credits.low` (micro-credits).
    let creditsLowThreshold: Int64

    /// Production (mainnet) writes are paid for in credits; sandbox writes are free.
    func charge(_ key: APIKeyIdentity) -> CreditCharge? {
        key.environment.isPaid ? CreditCharge(tenantID: key.tenantID, costPerEntry: costPerEntry, lowThreshold: creditsLowThreshold) : nil
    }

    /// While the environment's queue is longer than ``maxBacklog`` a write is refused first —
    /// 503 `LOG_BACKLOG_FULL` with Retry-After, nothing stored — until the sequencer drains it.
    func admit(_ environmentID: String) throws {
        let backlog = sequencer.backlog(of: environmentID)
        guard backlog >= maxBacklog else { return }
        // The sequencer verifies about 5,000 entries a second (bench): the wait for the excess.
        let seconds = Int(min(30, 1 + (backlog - maxBacklog) / 5_000))
        throw APIError.retryLater(
            .serviceUnavailable,
            .logBacklogFull,
            "This environment has \(backlog) entries waiting to be verified (the limit is \(maxBacklog)); "
                + "nothing was stored. Retry after \(seconds) s.",
            after: seconds
        )
    }
}
