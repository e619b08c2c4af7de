import HTTPTypes
import Hummingbird

/// Cross-origin requests from browsers: denied unless the origin is listed
/// (`PACSPACE_CORS_ORIGINS`). The dashboard to come is served by this binary (same
/// origin); an API key or a bearer token in a page of another origin is usually a mistake,
/// so no origin is allowed by default.
///
/// For a listed origin: answers carry `Access-Control-Allow-Origin` (that origin, never `*`)
/// and `Vary: Origin`, and preflights (`OPTIONS` with `Access-Control-Request-Method`) are
/// answered 204 with the methods and headers the API uses. Any other origin gets nothing
/// added, and its browser refuses to hand the answer to the page.
struct CrossOriginMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let allowed: Set<String>

    static let methods = "GET, POST, PUT, PATCH, DELETE"
    static let headers = "Authorization, Content-Type, X-Api-Key, Idempotency-Key, X-Chain-Id, X-Request-Id"
    static let exposed = "Retry-After, X-Request-Id, Idempotent-Replayed"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowed.contains(origin) else { return try await next(request, context) }
        var response: Response
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = Self.methods
            response.headers[.accessControlAllowHeaders] = Self.headers
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
            response.headers[.accessControlExposeHeaders] = Self.exposed
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}
