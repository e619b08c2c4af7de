/// The answer of a delta write, `POST /api/v1/balance/delta` or `…/delta/batch`, from what
/// storing it did. The store renders it in the write's own transaction when the request
/// carries an Idempotency-Key (and keeps it); otherwise the request's own task renders it
/// after the commit, off the writer. Either way the HTTP layer sends those bytes as they
/// are, so a replay is byte-identical by construction.
public struct IngestAnswer: Sendable, Equatable {
    public let status: Int
    /// The JSON body.
    public let body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// Which route asked, as its answer needs it.
    public enum Shape: Sendable, Equatable {
        /// `POST /delta`: one submission.
        case single
        /// `POST /delta/batch`: its items in order.
        case batch([BatchItem])
    }

    /// A batch item as its answer needs it: its customerId and delta as sent (a failed
    /// item's answer repeats them), and why validation refused it, if it did (then it was
    /// not given to the store).
    public struct BatchItem: Sendable, Equatable {
        public let customerID: JSONValue
        public let delta: JSONValue
        public let refusal: Refused?

        /// A validation refusal: the error's code and message.
        public struct Refused: Sendable, Equatable {
            public let code: ErrorCode
            public let message: String

            public init(code: ErrorCode, message: String) {
                self.code = code
                self.message = message
            }
        }

        public init(customerID: JSONValue, delta: JSONValue, refusal: Refused?) {
            self.customerID = customerID
            self.delta = delta
            self.refusal = refusal
        }
    }

    /// The answer to `shape` when storing did `outcomes` (one per stored submission, in order).
    public static func render(_ shape: Shape, _ outcomes: [IngestOutcome]) -> IngestAnswer {
        switch shape {
        case .single:
            guard let outcome = outcomes.first else { return failure(.nothingToStore) }
            return single(outcome)
        case .batch(let items):
            return batch(items, outcomes)
        }
    }

    private static func single(_ outcome: IngestOutcome) -> IngestAnswer {
        switch outcome {
        case .queued(let record):
            return success(201, record.json)
        case .duplicate(let record):
            return success(200, .object(record.fields + [("idempotent", true)]))
        default:
            return failure(WriteRefusal(outcome) ?? .nothingToStore)
        }
    }

    /// Items refused or failed stay in the answer with their error; the others carry
    /// their delta. A production batch the credits cannot cover is refused whole (402).
    private static func batch(_ items: [BatchItem], _ outcomes: [IngestOutcome]) -> IngestAnswer {
        if outcomes.contains(.insufficientCredits) { return failure(.deltasInsufficientCredits) }
        var remaining = outcomes[...]
        var results: [JSONValue] = []
        var queued = 0
        for (index, item) in items.enumerated() {
            var entry: [(String, JSONValue)] = [("index", .int(index))]
            func failed(_ code: ErrorCode, _ message: String) {
                entry += [
                    ("customerId", item.customerID), ("delta", item.delta), ("status", .string(DeltaStatus.failed.rawValue)),
                    ("error", ["code": .string(code.rawValue), "message": .string(message)]),
                ]
            }
            if let refusal = item.refusal {
                failed(refusal.code, refusal.message)
            } else if let outcome = remaining.popFirst() {
                switch outcome {
                case .queued(let record):
                    queued += 1
                    entry += record.batchItem
                case .duplicate(let record):
                    queued += 1
                    entry += record.batchItem + [("idempotent", true)]
                default:
                    let refused = WriteRefusal(outcome) ?? .nothingToStore
                    failed(refused.code, refused.message)
                }
            }
            results.append(.object(entry))
        }
        let data: JSONValue = ["totalQueued": .int(queued), "totalFailed": .int(items.count - queued), "results": .array(results)]
        return success(201, data)
    }

    private static func success(_ status: Int, _ data: JSONValue) -> IngestAnswer {
        IngestAnswer(status: status, body: JSONWriter.serialize(WireEnvelope.success(status: status, data: data)))
    }

    private static func failure(_ refusal: WriteRefusal) -> IngestAnswer {
        IngestAnswer(status: refusal.status, body: JSONWriter.serialize(refusal.envelope))
    }
}
