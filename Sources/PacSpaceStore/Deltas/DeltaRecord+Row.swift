import PacSpaceCore
import SQLKit

extension DeltaRecord {
    init(row: any SQLRow) throws {
        self.init(
            recordID: try row.decode(column: "record_id", as: String.self),
            receiptID: try row.decode(column: "receipt_id", as: String.self),
            environmentID: try row.decode(column: "environment_id", as: String.self),
            customerID: try row.decode(column: "customer_id", as: String.self),
            sequenceNumber: try row.decode(column: "sequence_number", as: Int64.self),
            amount: Amount(micros: try row.decode(column: "amount", as: Int64.self)),
            reason: try row.decode(column: "reason", as: String.self),
            referenceID: try row.decode(column: "reference_id", as: String?.self),
            metadata: try row.decode(column: "metadata", as: CanonicalJSON?.self),
            adjusts: try row.decode(column: "adjusts", as: String?.self),
            contentHash: try row.decode(column: "content_hash", as: Hash.self),
            status: try row.decode(column: "status", as: DeltaStatus.self),
            errorCode: try row.decode(column: "error_code", as: String?.self),
            errorMessage: try row.decode(column: "error_message", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            logIndex: try row.decode(column: "log_index", as: Int64?.self),
            verifiedAt: try row.decode(column: "verified_at", as: Int64?.self),
            latencyMs: try row.decode(column: "latency_ms", as: Int64?.self),
            witnessedAt: row.contains(column: "witnessed_at") ? try row.decode(column: "witnessed_at", as: Int64?.self) : nil
        )
    }
}

extension DeltaStore {
    /// What an answer reads a delta with: its row and when it was witnessed. A row read
    /// without it (one just written or verified) is not witnessed yet.
    static let answerColumns = "deltas.*, " + ServerLogStore.witnessedAt(of: "deltas")
}
