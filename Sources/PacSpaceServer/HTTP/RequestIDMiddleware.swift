import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PacSpaceCore

/// Gives every request an id (the caller's `X-Request-Id` when it is sane, else a new
/// `req_…`), puts it in the logger metadata and on every response, and logs one line per
/// request — path only, never the query string, which may carry a token.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID]
        let id =
            incoming.flatMap { $0.count <= 128 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } ? $0 : nil }
            ?? Identifier.make("req")
        context.requestID = id
        context.logger[metadataKey: "requestId"] = .string(id)
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = id
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "ms": .string(String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)),
            ]
        )
        return response
    }
}
