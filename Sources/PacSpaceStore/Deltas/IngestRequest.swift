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
