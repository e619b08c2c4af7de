import HTTPTypes
import Hummingbird
import PacSpaceCore

/// JSON answers in the envelope of docs/api.md §1.
enum Envelope {
    /// `{success: true, statusCode, data, message?}`.
    static func success(_ status: HTTPResponse.Status = .ok, _ data: JSONValue, message: String? = nil) -> Response {
        json(status, WireEnvelope.success(status: status.code, data: data, message: message))
    }

    /// A dashboard list page (docs/api.md §1): `{items, total, page, limit}`.
    static func page(_ items: [JSONValue], total: Int, page: Int, limit: Int) -> Response {
        success(.ok, ["items": .array(items), "total": .int(total), "page": .int(page), "limit": .int(limit)])
    }

    /// The error envelope for `error`.
    static func failure(_ error: APIError) -> Response {
        var response = json(error.status, error.body)
        response.headers.append(contentsOf: error.headers)
        return response
    }

    /// A delta write's answer, as the store rendered (and, for an Idempotency-Key, kept) it.
    static func answer(_ answer: IngestAnswer) -> Response {
        Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.serialize(value)))
        )
    }
}
