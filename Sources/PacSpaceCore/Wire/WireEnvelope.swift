/// The envelope every JSON answer wears (docs/api.md §1): built here and nowhere
/// else, so an answer the store renders (a write's, kept for its Idempotency-Key) and one
/// the HTTP layer renders are the same shape.
public enum WireEnvelope {
    /// `{success: true, statusCode, data, message?}`.
    public static func success(status: Int, data: JSONValue, message: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("success", true), ("statusCode", .int(status)), ("data", data)]
        if let message { members.append(("message", .string(message))) }
        return .object(members)
    }

    /// `{success: false, statusCode, error: {code, message, details?, retryAfterSeconds?}, message}`.
    public static func failure(
        status: Int,
        code: String,
        message: String,
        details: [JSONValue] = [],
        retryAfterSeconds: Int? = nil,
        extra: [(String, JSONValue)] = []
    ) -> JSONValue {
        var error: [(String, JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if !details.isEmpty { error.append(("details", .array(details))) }
        if let retryAfterSeconds { error.append(("retryAfterSeconds", .int(retryAfterSeconds))) }
        error += extra
        return .object([("success", false), ("statusCode", .int(status)), ("error", .object(error)), ("message", .string(message))])
    }
}
