import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore
import Synchronization

/// The dashboard pages' way into the API: they are its client, in process. A page calls a
/// JSON route through the router's own responder — the same middleware (authentication,
/// rate limits, errors), handlers, checks and wire shapes a remote client meets — and
/// renders what it answers. Nothing the API decides is decided twice.
final class InProcessAPI: Sendable {
    /// What a route answered: its status and its envelope.
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let json: JSONValue
        var ok: Bool { (200..<300).contains(status.code) }
        var data: JSONValue { json["data"] ?? .null }
        /// The error message for people, when the route refused.
        var message: String { json["error"]?["message"]?.text ?? json["message"]?.text ?? "" }
        var code: String { json["error"]?["code"]?.text ?? "" }

        /// The refusal as the page's error, with the route's status.
        var failure: APIError { APIError(status, code.isEmpty ? "ERROR" : code, message) }
    }

    private let responder = Mutex<RouterResponder<AppRequestContext>?>(nil)

    /// Set once, when every route is registered.
    func set(_ responder: RouterResponder<AppRequestContext>) { self.responder.withLock { $0 = responder } }

    /// The route's response as it is (a file to pass on, such as a CSV export).
    func response(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String?,
        headers: HTTPFields = [:],
        context: AppRequestContext
    ) async throws -> Response {
        try await respond(method, path, body: nil, token: token, headers: headers, context: context)
    }

    /// `method path` with `body` as JSON, signed in with `token` (a dashboard access token)
    /// and any `headers`, as the client of `context` (its address and request id).
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: JSONValue? = nil,
        token: String? = nil,
        headers extra: HTTPFields = [:],
        context: AppRequestContext
    ) async throws -> Answer {
        let response = try await respond(method, path, body: body, token: token, headers: extra, context: context)
        let sink = Sink()
        try await response.body.write(Collector(sink: sink))
        return Answer(status: response.status, json: (try? JSONParser.parse(sink.bytes)) ?? .null)
    }

    private func respond(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: JSONValue?,
        token: String?,
        headers extra: HTTPFields,
        context: AppRequestContext
    ) async throws -> Response {
        guard let responder = responder.withLock({ $0 }) else { throw APIError(.serviceUnavailable, "STARTING", "The server is starting.") }
        var headers = extra
        if headers[.userAgent] == nil { headers[.userAgent] = "PacSpace dashboard" }
        if let token { headers[.authorization] = "Bearer \(token)" }
        var bytes = ByteBuffer()
        if let body {
            headers[.contentType] = "application/json"
            bytes = ByteBuffer(bytes: try JSONWriter.canonical(body))
        }
        let head = HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: headers)
        var inner = context
        inner.coreContext.parameters = .init()
        inner.coreContext.endpointPath = .init()
        inner.user = nil
        inner.sessionID = nil
        inner.apiKey = nil
        return try await responder.respond(to: Request(head: head, body: .init(buffer: bytes)), context: inner)
    }

    private final class Sink: Sendable {
        private let buffer = Mutex<[UInt8]>([])
        var bytes: [UInt8] { buffer.withLock { $0 } }
        func append(_ part: ByteBuffer) { buffer.withLock { $0 += part.readableBytesView } }
    }

    private struct Collector: ResponseBodyWriter {
        let sink: Sink
        mutating func write(_ buffer: ByteBuffer) async throws { sink.append(buffer) }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
