import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore
import Synchronization

/// `Idempotency-Key` on Balance API writes (docs/api.md §1). Scope: environment + key; the
/// answer is stored in the same transaction as the write it answers, and kept.
///
/// Same key + same body after completion: the stored answer again, with
/// `Idempotent-Replayed: true`. Same key while the first request is in flight: 202
/// `IDEMPOTENCY_PENDING`. Same key + another body (or another route): 409
/// `IDEMPOTENCY_CONFLICT`. A request refused before it was written (a 400) stores
/// nothing, so a corrected retry may reuse its key. An answer is kept for
/// `PACSPACE_IDEMPOTENCY_DAYS` (30); after that the key is new again.
final class IdempotencyGate: Sendable {
    static let maxKeyLength = 255

    private let deltas: DeltaStore
    private let now: @Sendable () -> Int64
    private let inFlight = Mutex<Set<String>>([])

    init(deltas: DeltaStore, now: @escaping @Sendable () -> Int64) {
        self.deltas = deltas
        self.now = now
    }

    /// Runs `perform` at most once per key; `perform` receives what to store with the write.
    /// `digest` (the body's) is computed only for a request that carries a key.
    func run(
        _ request: Request,
        key identity: APIKeyIdentity,
        digest: @autoclosure () -> String,
        perform: (IngestRequest.Idempotency?) async throws -> Response
    ) async throws -> Response {
        guard let key = request.headers[.idempotencyKey] else { return try await perform(nil) }
        guard !key.isEmpty, key.count <= Self.maxKeyLength else {
            throw APIError.invalid("Idempotency-Key", "length", "Idempotency-Key must be 1 to \(Self.maxKeyLength) characters.")
        }
        let requestHash = Hex.encode(Hash.sha256(Array("\(request.method.rawValue) \(request.uri.path)\n\(digest())".utf8)).bytes)
        if let stored = try await replay(identity, key, requestHash) { return stored }
        let slot = identity.environmentID + " " + key
        guard inFlight.withLock({ $0.insert(slot).inserted }) else {
            var pending = Envelope.json(
                .accepted,
                [
                    "statusCode": 202, "code": .string(ErrorCode.idempotencyPending.rawValue), "retryAfterSeconds": 1,
                    "message": "A request with this Idempotency-Key is still being processed; retry in a second.",
                ]
            )
            pending.headers[.retryAfter] = "1"
            return pending
        }
        defer { _ = inFlight.withLock { $0.remove(slot) } }
        // Another server sharing the database may have finished it meanwhile.
        if let stored = try await replay(identity, key, requestHash) { return stored }
        return try await perform(IngestRequest.Idempotency(key: key, requestHash: requestHash))
    }

    private func replay(_ identity: APIKeyIdentity, _ key: String, _ requestHash: String) async throws -> Response? {
        guard let stored = try await deltas.idempotencyRecord(environmentID: identity.environmentID, key: key, now: now()) else { return nil }
        guard stored.requestHash == requestHash else {
            throw APIError(.conflict, .idempotencyConflict, "This Idempotency-Key was used with a different request; use a new key.")
        }
        var response = Response(
            status: HTTPResponse.Status(code: stored.statusCode),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: stored.response))
        )
        response.headers[.idempotentReplayed] = "true"
        return response
    }
}
