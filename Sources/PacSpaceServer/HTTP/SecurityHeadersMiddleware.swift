import HTTPTypes
import Hummingbird

/// Headers every answer carries. Nothing we serve is a document to sniff or to follow
/// from (`nosniff`, `no-referrer`), and the answers carry account data, keys and tokens:
/// no cache (browser, proxy) keeps a copy unless a route says otherwise.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
