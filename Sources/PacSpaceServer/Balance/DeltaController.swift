import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `POST /api/v1/balance/delta`, `POST …/delta/batch`, `GET …/delta/:recordId` (api.md §5).
struct DeltaController: Sendable {
    static let maxBatch = 1000

    let writer: IngestWriter
    let deltas: DeltaStore
    let idempotency: IdempotencyGate
    let receipts: ReceiptReader
    let sequencer: Sequencer
    /// QUEUED entries an environment may hold before writes answer 503 (backpressure).
    let maxBacklog: Int64
    /// Micro-credits one production delta costs.
    let costPerDelta: Int64
    /// Available credits below which a reservation announces `credits.low` (micro-credits).
    let creditsLowThreshold: Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("delta", use: emit)
        group.post("delta/batch", use: batch)
        group.get("delta/:recordId", use: status)
    }

    @Sendable func emit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(request, allowed: DeltaInput.fields)
        let submission = try DeltaInput.submission(body)
        return try await idempotency.run(request, key: key, digest: body.digest) { idempotency in
            let outcomes = try await write(
                IngestRequest(
                    environmentID: key.environmentID,
                    submissions: [submission],
                    idempotency: idempotency,
                    credits: credits(key),
                    answer: { Self.rendered(Self.emitAnswer($0[0])) }
                )
            )
            return Self.response(Self.emitAnswer(outcomes[0]))
        }
    }

    @Sendable func batch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(request, allowed: ["deltas"])
        guard case .array(let items)? = body["deltas"] else {
            throw APIError.invalid("deltas", "type", "deltas must be an array of 1 to \(Self.maxBatch) deltas.")
        }
        guard (1...Self.maxBatch).contains(items.count) else {
            throw APIError.invalid("deltas", "count", "deltas must hold 1 to \(Self.maxBatch) items, not \(items.count).")
        }
        // Each item is checked on its own: one bad item does not sink the others.
        let checked: [Result<DeltaSubmission, APIError>] = items.map { item in
            guard case .object(let pairs) = item else {
                return .failure(APIError(.badRequest, "VALIDATION_ERROR", "Each delta must be a JSON object, not \(item.typeName)."))
            }
            do { return .success(try DeltaInput.submission(RequestBody(object: pairs, allowed: DeltaInput.fields))) } catch let error as APIError {
                return .failure(error)
            } catch {
                return .failure(APIError(.badRequest, "VALIDATION_ERROR", "\(error)"))
            }
        }
        let valid = checked.compactMap { try? $0.get() }
        let answer: @Sendable ([IngestOutcome]) -> (HTTPResponse.Status, JSONValue) = { Self.batchAnswer(checked, items, $0) }
        return try await idempotency.run(request, key: key, digest: body.digest) { idempotency in
            let outcomes =
                valid.isEmpty
                ? []
                : try await write(
                    IngestRequest(
                        environmentID: key.environmentID,
                        submissions: valid,
                        idempotency: idempotency,
                        credits: credits(key),
                        answer: { Self.rendered(answer($0)) }
                    )
                )
            return Self.response(answer(outcomes))
        }
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let recordID = try context.pathParameter("recordId")
        guard let record = try await deltas.delta(recordID: recordID, environmentID: key.environmentID) else {
            throw APIError.notFound("No delta \(recordID) in this environment.")
        }
        var data = record.fields
        if record.status == .verified { data.append(("proof", try await receipts.proof(for: record).json)) }
        return Envelope.success(.ok, .object(data))
    }

    /// Production (mainnet) writes are paid for in credits; sandbox writes are free.
    private func credits(_ key: APIKeyIdentity) -> IngestRequest.Credits? {
        key.environment.isPaid
            ? IngestRequest.Credits(tenantID: key.tenantID, costPerDelta: costPerDelta, lowThreshold: creditsLowThreshold) : nil
    }

    static let insufficient = APIError(
        HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"),
        "INSUFFICIENT_CREDITS",
        "The tenant's available credits cannot cover this production write; nothing was stored. Add credits and retry."
    )

    /// Hands the request to the writer; a store failure is a 503 the client may retry
    /// (with the same Idempotency-Key, safely). While the environment's queue is longer
    /// than ``maxBacklog`` the write is refused first — 503 `LOG_BACKLOG_FULL` with
    /// Retry-After, nothing stored, no idempotency record — until the sequencer drains it.
    private func write(_ request: IngestRequest) async throws -> [IngestOutcome] {
        let backlog = sequencer.backlog(of: request.environmentID)
        if backlog >= maxBacklog {
            // The sequencer verifies about 5,000 entries a second (bench): the wait for the excess.
            let seconds = Int(min(30, 1 + (backlog - maxBacklog) / 5_000))
            throw APIError.retryLater(
                .serviceUnavailable,
                "LOG_BACKLOG_FULL",
                "This environment has \(backlog) deltas waiting to be verified (the limit is \(maxBacklog)); "
                    + "nothing was stored. Retry after \(seconds) s.",
                after: seconds
            )
        }
        do {
            return try await writer.submit(request)
        } catch {
            throw APIError.storeUnavailable
        }
    }

    static func emitAnswer(_ outcome: IngestOutcome) -> (HTTPResponse.Status, JSONValue) {
        switch outcome {
        case .queued(let record):
            return (.created, success(.created, record.json))
        case .duplicate(let record):
            return (.ok, success(.ok, .object(record.fields + [("idempotent", true)])))
        case .referenceConflict(let reference):
            let error = APIError(
                .conflict,
                "IDEMPOTENCY_CONFLICT",
                "referenceId \(reference) already exists for this customer with different content."
            )
            return (error.status, error.body)
        case .unknownAdjusts(let reference):
            let error = APIError.invalid("adjusts", "unknown", "adjusts names referenceId \(reference), which no delta of this customer has.")
            return (error.status, error.body)
        case .insufficientCredits:
            return (insufficient.status, insufficient.body)
        case .totalOutOfRange(let scope):
            let error = outOfRange(scope)
            return (error.status, error.body)
        }
    }

    /// 422 `BALANCE_OUT_OF_RANGE`: the delta would take a running total past the bound.
    static func outOfRange(_ scope: IngestOutcome.TotalScope) -> APIError {
        let whose = scope == .customer ? "the customer's balance" : "the environment's total"
        return APIError(
            .unprocessableContent,
            "BALANCE_OUT_OF_RANGE",
            "This delta would take \(whose) (the sum of every accepted delta) beyond ±\(Amount.maxTotal); nothing was stored."
        )
    }

    static func batchAnswer(
        _ checked: [Result<DeltaSubmission, APIError>],
        _ items: [JSONValue],
        _ outcomes: [IngestOutcome]
    )
        -> (HTTPResponse.Status, JSONValue)
    {
        if outcomes.contains(.insufficientCredits) { return (insufficient.status, insufficient.body) }
        var remaining = outcomes[...]
        var results: [JSONValue] = []
        var queued = 0
        for (index, check) in checked.enumerated() {
            var entry: [(String, JSONValue)] = [("index", .int(index))]
            func failed(_ code: String, _ message: String) {
                entry += [
                    ("customerId", items[index]["customerId"] ?? .null), ("delta", items[index]["delta"] ?? .null),
                    ("status", .string(DeltaStatus.failed.rawValue)), ("error", ["code": .string(code), "message": .string(message)]),
                ]
            }
            switch check {
            case .failure(let error):
                failed(error.code, error.message)
            case .success:
                switch remaining.removeFirst() {
                case .queued(let record):
                    queued += 1
                    entry += record.batchItem
                case .duplicate(let record):
                    queued += 1
                    entry += record.batchItem + [("idempotent", true)]
                case .referenceConflict(let reference):
                    failed("IDEMPOTENCY_CONFLICT", "referenceId \(reference) already exists for this customer with different content.")
                case .unknownAdjusts(let reference):
                    failed("VALIDATION_ERROR", "adjusts names referenceId \(reference), which no delta of this customer has.")
                case .insufficientCredits:
                    failed("INSUFFICIENT_CREDITS", insufficient.message)
                case .totalOutOfRange(let scope):
                    let error = outOfRange(scope)
                    failed(error.code, error.message)
                }
            }
            results.append(.object(entry))
        }
        return (
            .created,
            success(
                .created,
                [
                    "totalQueued": .int(queued), "totalFailed": .int(checked.count - queued), "results": .array(results),
                ]
            )
        )
    }

    static func success(_ status: HTTPResponse.Status, _ data: JSONValue) -> JSONValue {
        ["success": true, "statusCode": .int(status.code), "data": data]
    }

    static func rendered(_ answer: (HTTPResponse.Status, JSONValue)) -> (status: Int, body: String) {
        (answer.0.code, String(decoding: JSONWriter.serialize(answer.1), as: UTF8.self))
    }

    static func response(_ answer: (HTTPResponse.Status, JSONValue)) -> Response { Envelope.json(answer.0, answer.1) }
}
