import PacSpaceCore
import SQLKit

extension LogStore {
    /// Writes `delta.verified` and `checkpoint.verified` events for a batch the
    /// sequencer just verified, in its transaction. Costs one query when the tenant has
    /// no endpoint, and reads the deltas' details only when an endpoint wants them.
    func announce(
        _ batch: [Verified],
        checkpoints: [String],
        tenantID: String,
        environment: EnvironmentName,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        let endpoints = try await WebhookOutbox.subscribers(tenantID: tenantID, db)
        var notices: [WebhookNotice] = []
        if !batch.isEmpty, endpoints.contains(where: { $0.wants(WebhookEventType.deltaVerified.rawValue, environment: environment) }) {
            for chunk in batch.chunked(400) {
                var query: SQLQueryString = "SELECT * FROM deltas WHERE record_id IN ("
                for (offset, delta) in chunk.enumerated() { query += offset == 0 ? "\(bind: delta.record)" : ", \(bind: delta.record)" }
                query += ") ORDER BY log_index"
                for row in try await db.raw(query).all() {
                    notices.append(WebhookNotice(WebhookEventType.deltaVerified.rawValue, try DeltaRecord(row: row).verifiedEvent))
                }
            }
        }
        if !checkpoints.isEmpty, endpoints.contains(where: { $0.wants(WebhookEventType.checkpointVerified.rawValue, environment: environment) }) {
            for id in checkpoints {
                guard let row = try await db.raw("SELECT * FROM checkpoints WHERE checkpoint_id = \(bind: id)").first() else { continue }
                notices.append(WebhookNotice(WebhookEventType.checkpointVerified.rawValue, try CheckpointRecord(row: row).verifiedEvent))
            }
        }
        guard !notices.isEmpty else { return }
        try await WebhookOutbox.enqueue(notices, tenantID: tenantID, environment: environment, endpoints: endpoints, now: now, db)
    }
}
