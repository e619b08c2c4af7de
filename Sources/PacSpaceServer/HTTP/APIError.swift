import HTTPTypes
import PacSpaceCore

/// An error answer of the API: HTTP status, stable code, a message for people and
/// optional field details. Every non-2xx body is built from one of these.
public struct APIError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: ErrorCode
    public let message: String
    public var details: [JSONValue] = []
    public var retryAfterSeconds: Int?
    public var headers: HTTPFields = [:]
    /// Members of the error object a client acts on beside its code, such as the key
    /// version a record is sealed under (`recordKid`, `claimKid`: docs/records.md).
    public var extra: [(String, JSONValue)] = []

    public init(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// A write refusal as the wire table builds it (``WriteRefusal``).
    init(_ refusal: WriteRefusal) {
        self.init(HTTPResponse.Status(code: refusal.status), refusal.code, refusal.message)
        details = refusal.details
        extra = refusal.extra
    }

    /// The same error with one more member in its error object.
    func adding(_ member: String, _ value: JSONValue) -> APIError {
        var error = self
        error.extra.append((member, value))
        return error
    }

    /// 400 `VALIDATION_ERROR` about one field.
    public static func invalid(_ field: String, _ problem: String, _ message: String) -> APIError {
        var error = APIError(.badRequest, .validationError, message)
        error.details = [["field": .string(field), "problem": .string(problem)]]
        return error
    }

    public static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, .unauthorized, message) }
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, .forbidden, message) }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, .notFound, message) }

    /// The database failed or did not answer: 503 with Retry-After. On a write it means
    /// "not confirmed" (a lost connection during COMMIT leaves the outcome unknown), never
    /// half-applied; the same Idempotency-Key or referenceId makes the retry safe.
    public static let storeUnavailable = retryLater(
        .serviceUnavailable,
        .serviceUnavailable,
        "The database is unavailable or did not confirm the write. Retry with the same Idempotency-Key or referenceId: a retry never stores twice.",
        after: 1
    )

    /// 429 `RATE_LIMITED` with `Retry-After` (and `retryAfterSeconds`), as the official SDK reads it.
    public static func rateLimited(after seconds: Int) -> APIError {
        retryLater(.tooManyRequests, .rateLimited, "Too many requests; try again in \(max(1, seconds)) seconds.", after: seconds)
    }

    /// 429 or 503 with `Retry-After`.
    public static func retryLater(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String, after seconds: Int) -> APIError {
        var error = APIError(status, code, message)
        error.retryAfterSeconds = max(1, seconds)
        error.headers[.retryAfter] = String(max(1, seconds))
        return error
    }

    /// The error envelope of docs/api.md §1.
    var body: JSONValue {
        WireEnvelope.failure(
            status: status.code,
            code: code.rawValue,
            message: message,
            details: details,
            retryAfterSeconds: retryAfterSeconds,
            extra: extra
        )
    }
}
