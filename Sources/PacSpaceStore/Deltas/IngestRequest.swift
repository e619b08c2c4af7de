import Foundation
import PacSpaceCore
import SQLKit

/// One API request's worth of submissions, stored in the writer's shared transaction,
/// with the idempotency record of its answer when the request carried a key.
public struct IngestRequest: Sendable {
    public let environmentID: String
    public let submissions: [DeltaSubmission]
    public let idempotency: Idempotency?
    /// Production writes: whose credits pay, and the cost of one delta in micro-credits.
    public let credits: CreditCharge?
    /// Which route asked: what its answer is made of.
    public let shape: IngestAnswer.Shape

    public struct Idempotency: Sendable {
        public let key: String
        public let requestHash: String
        public init(key: String, requestHash: String) {
            self.key = key
            self.requestHash = requestHash
        }
    }

    public init(
        environmentID: String,
        submissions: [DeltaSubmission],
        idempotency: Idempotency?,
        credits: CreditCharge? = nil,
        shape: IngestAnswer.Shape
    ) {
        self.environmentID = environmentID
        self.submissions = submissions
        self.idempotency = idempotency
        self.credits = credits
        self.shape = shape
    }
}

/// What storing one request did: each submission's outcome, and the request's answer.
public struct IngestResult: Sendable {
    public let outcomes: [IngestOutcome]
    let shape: IngestAnswer.Shape
    /// The answer kept with the write (requests with an Idempotency-Key).
    let kept: IngestAnswer?

    /// The request's answer: the one kept with the write, or rendered now, by whoever asks
    /// (the request's own task, not the writer, which goes on with the next group). The
    /// rendering is the same either way, so an answer never depends on whether it was kept.
    public var answer: IngestAnswer { kept ?? IngestAnswer.render(shape, outcomes) }
}

/// An ingest request whose submissions have their ids, acceptance time and canonical
/// content ready. Preparing is the costly per-delta work of storing (JCS, ids); the
/// writer does it before the write transaction, which then only adds sequence numbers.
public struct PreparedIngest: Sendable {
    public let request: IngestRequest
    let deltas: [PreparedDelta]
}

/// One submission, prepared: what its record will hold except the sequence number.
struct PreparedDelta: Sendable {
    let recordID: String
    let receiptID: String
    /// Epoch milliseconds: when the writer accepted it.
    let createdAt: Int64
    let content: SequencedContent
}

extension IngestRequest {
    /// Prepares every submission as accepted at `acceptedAt` (epoch milliseconds).
    public func prepared(acceptedAt: Int64) -> PreparedIngest {
        PreparedIngest(
            request: self,
            deltas: submissions.map { submission in
                let recordID = Identifier.makeOrdered("rec", millis: acceptedAt)
                let content = DeltaContent(
                    recordID: recordID,
                    customerID: submission.customerID,
                    sequenceNumber: 0,
                    delta: submission.amount,
                    reason: submission.reason,
                    referenceID: submission.referenceID,
                    metadata: submission.metadata,
                    adjusts: submission.adjusts,
                    createdAt: acceptedAt
                )
                return PreparedDelta(
                    recordID: recordID,
                    receiptID: Identifier.makeOrdered("rcpt", millis: acceptedAt),
                    createdAt: acceptedAt,
                    content: content.sequenced()
                )
            }
        )
    }
}

/// A stored answer of an idempotent request.
public struct IdempotencyRecord: Sendable, Equatable {
    public let requestHash: String
    public let statusCode: Int
    public let response: String
}

extension CustomerTotals {
    init(row: any SQLRow) throws {
        self.init(
            customerID: try row.decode(column: "customer_id", as: String.self),
            totalDeltas: try row.decode(column: "total_deltas", as: Int64.self),
            verifiedDeltas: try row.decode(column: "verified_deltas", as: Int64.self),
            verifiedBalance: Amount(micros: try row.decode(column: "verified_balance", as: Int64.self)),
            lastVerifiedIndex: try row.decode(column: "last_verified_index", as: Int64?.self),
            latestReceiptID: try row.decode(column: "latest_receipt_id", as: String?.self),
            lastActivityAt: try row.decode(column: "last_activity_at", as: Int64.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            profile: try row.decode(column: "display_name", as: String?.self).map { name in
                CustomerProfile(
                    displayName: name,
                    unitLabel: try row.decode(column: "unit_label", as: String?.self),
                    sharingStateHint: try row.decode(column: "sharing_state_hint", as: String?.self),
                    eventCadence: try row.decode(column: "event_cadence", as: String?.self)
                )
            }
        )
    }
}

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
            latencyMs: try row.decode(column: "latency_ms", as: Int64?.self)
        )
    }
}
