import HTTPTypes
import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore
import Synchronization

/// Turns every error into the error envelope: ``APIError`` as it is, Hummingbird's
/// routing errors into 404 / 405, an unavailable database into 503 with `Retry-After`,
/// anything else into a logged 500 that reveals nothing.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Every route the router knows, for telling 405 from 404.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Envelope.failure(Self.failure(for: error, request: request, context: context, routes: routes))
        }
    }

    /// What `error` means to the client; the one classification JSON and page errors share.
    static func failure(for error: any Error, request: Request, context: Context, routes: RouteTable) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError where error.status == .notFound:
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty && !allowed.contains(request.method) {
                var failure = APIError(
                    .methodNotAllowed,
                    .methodNotAllowed,
                    "\(request.method.rawValue) is not allowed on \(request.uri.path); "
                        + "use \(allowed.map(\.rawValue).sorted().joined(separator: ", "))."
                )
                failure.headers[.allow] = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                return failure
            }
            return .notFound("No route for \(request.method.rawValue) \(request.uri.path).")
        case let error as AmountOutOfRange:
            return APIError(.unprocessableContent, .amountOutOfRange, "The answer cannot be given: \(error). Narrow the scope.")
        case DatabaseError.unavailable(let why):
            context.logger.warning("database unavailable; answering 503", metadata: ["error": .string(why)])
            return .storeUnavailable
        case let error as HTTPError:
            let status = error.status
            let code: ErrorCode = status == .contentTooLarge ? .payloadTooLarge : status.code < 500 ? .badRequest : .internalError
            return APIError(status, code, error.body ?? status.reasonPhrase)
        default:
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            return APIError(.internalServerError, .internalError, "Internal error; the request id identifies it in the server log.")
        }
    }
}

/// The registered routes as path templates, matched segment by segment. Filled once
/// the router is complete (the middleware holding it must be added before the routes).
final class RouteTable: Sendable {
    private let entries = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    func set(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        entries.withLock { $0 = routes.map { ($0.path.split(separator: "/"), $0.method) } }
    }

    /// The methods registered for paths matching `path`.
    func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let parts = path.split(separator: "/")
        return entries.withLock { entries in
            Set(
                entries.filter { entry in
                    entry.segments.count == parts.count
                        && zip(entry.segments, parts).allSatisfy { pattern, part in
                            pattern == part || pattern.hasPrefix(":") || pattern.hasPrefix("{")
                        }
                }.map(\.method)
            )
        }
    }
}
