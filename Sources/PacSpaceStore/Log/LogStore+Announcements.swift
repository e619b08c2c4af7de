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
                var query: SQLQueryString = """
                    SELECT record_id, receipt_id, customer_id, amount, reason, reference_id, sequence_number, content_hash,
                           log_index, latency_ms, verified_at FROM deltas WHERE record_id IN (
                    """
                for (offset, delta) in chunk.enumerated() { query += offset == 0 ? "\(bind: delta.record)" : ", \(bind: delta.record)" }
                query += ") ORDER BY log_index"
                for row in try await db.raw(query).all() {
                    let receipt = try row.decode(column: "receipt_id", as: String.self)
                    notices.append(
                        WebhookNotice(
                            WebhookEventType.deltaVerified.rawValue,
                            [
                                "recordId": .string(try row.decode(column: "record_id", as: String.self)), "receiptId": .string(receipt),
                                "customerId": .string(try row.decode(column: "customer_id", as: String.self)),
                                "delta": Amount(micros: try row.decode(column: "amount", as: Int64.self)).json,
                                "reason": .string(try row.decode(column: "reason", as: String.self)),
                                "referenceId": .optional(try row.decode(column: "reference_id", as: String?.self)),
                                "sequenceNumber": .int(try row.decode(column: "sequence_number", as: Int64.self)),
                                "contentHash": .string(try row.decode(column: "content_hash", as: String.self)),
                                "verificationReference": .string(receipt), "status": .string(DeltaStatus.verified.rawValue),
                                "logIndex": .int(try row.decode(column: "log_index", as: Int64.self)),
                                "latencyMs": .int(try row.decode(column: "latency_ms", as: Int64.self)),
                                "verifiedAt": .string(Timestamp.iso8601(millis: try row.decode(column: "verified_at", as: Int64.self))),
                            ]
                        )
                    )
                }
            }
        }
        if !checkpoints.isEmpty, endpoints.contains(where: { $0.wants(WebhookEventType.checkpointVerified.rawValue, environment: environment) }) {
            for id in checkpoints {
                guard let row = try await db.raw("SELECT * FROM checkpoints WHERE checkpoint_id = \(bind: id)").first() else { continue }
                let record = try CheckpointRecord(row: row)
                notices.append(
                    WebhookNotice(
                        WebhookEventType.checkpointVerified.rawValue,
                        [
                            "checkpointId": .string(record.checkpointID), "proofRoot": .string(record.proofRoot),
                            "status": .string(CheckpointStatus.verified.rawValue),
                            "customerId": .optional(record.customerID), "scope": (try? JSONParser.parse(Array(record.scope.utf8))) ?? .null,
                            "deltaCount": .int(record.deltaCount), "netChange": record.netChange.json,
                            "startingBalance": record.startingBalance.json, "endingBalance": record.endingBalance.json,
                            "verificationReference": .string(record.checkpointID), "logIndex": record.logIndex.map(JSONValue.int) ?? .null,
                            "verifiedAt": .string(Timestamp.iso8601(millis: record.verifiedAt ?? now)),
                        ]
                    )
                )
            }
        }
        guard !notices.isEmpty else { return }
        try await WebhookOutbox.enqueue(notices, tenantID: tenantID, environment: environment, endpoints: endpoints, now: now, db)
    }
}
