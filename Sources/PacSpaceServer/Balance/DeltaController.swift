import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `POST /api/v1/balance/delta`, `POST …/delta/batch`, `GET …/delta/:recordId` (docs/api.md §5).
struct DeltaController: Sendable {
    static let maxBatch = 1000

    let writer: IngestWriter
    let deltas: DeltaStore
    let idempotency: IdempotencyGate
    let receipts: ReceiptReader
    let policy: WritePolicy

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
            let result = try await write(
                IngestRequest(
                    environmentID: key.environmentID,
                    submissions: [submission],
                    idempotency: idempotency,
                    credits: policy.charge(key),
                    shape: .single
                )
            )
            return Envelope.answer(result.answer)
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
        var valid: [DeltaSubmission] = []
        var shape: [IngestAnswer.BatchItem] = []
        for item in items {
            var refusal: IngestAnswer.BatchItem.Refused?
            do {
                guard case .object(let pairs) = item else {
                    throw APIError(.badRequest, .validationError, "Each delta must be a JSON object, not \(item.typeName).")
                }
                valid.append(try DeltaInput.submission(RequestBody(object: pairs, allowed: DeltaInput.fields)))
            } catch let error as APIError {
                refusal = .init(code: error.code, message: error.message)
            } catch {
                refusal = .init(code: .validationError, message: "\(error)")
            }
            shape.append(IngestAnswer.BatchItem(customerID: item["customerId"] ?? .null, delta: item["delta"] ?? .null, refusal: refusal))
        }
        return try await idempotency.run(request, key: key, digest: body.digest) { idempotency in
            // Nothing valid: nothing to store, and no answer to keep (a corrected retry may reuse the key).
            guard !valid.isEmpty else { return Envelope.answer(IngestAnswer.render(.batch(shape), [])) }
            let result = try await write(
                IngestRequest(
                    environmentID: key.environmentID,
                    submissions: valid,
                    idempotency: idempotency,
                    credits: policy.charge(key),
                    shape: .batch(shape)
                )
            )
            return Envelope.answer(result.answer)
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

    /// Hands the request to the writer; a store failure is a 503 the client may retry
    /// (with the same Idempotency-Key, safely). A full backlog refuses it first
    /// (``WritePolicy/admit(_:)``), with no idempotency record.
    private func write(_ request: IngestRequest) async throws -> IngestResult {
        try policy.admit(request.environmentID)
        do {
            return try await writer.submit(request)
        } catch {
            throw APIError.storeUnavailable
        }
    }
}
