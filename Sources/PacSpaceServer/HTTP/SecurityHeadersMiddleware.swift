import HTTPTypes
import Hummingbird

/// Headers every answer carries. Nothing we serve is a document to sniff or to follow
/// from (`nosniff`, `no-referrer`), and the answers carry account data, keys and tokens:
/// no cache (browser, proxy) keeps a copy unless a route says otherwise.
///
/// The Content-Security-Policy (docs/operations.md, "Pages") lets a page run and style
/// only with files of this server — no inline script or style, no other origin — post
/// forms only here, and be framed by nobody; the public verification pages may be framed
/// by the origins `PACSPACE_EMBED_ORIGINS` lists.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    private let policy: String
    private let embeddablePolicy: String
    private let embeddable: Bool

    init(embedOrigins: Set<String>) {
        let base =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors "
        policy = base + "'none'"
        embeddable = !embedOrigins.isEmpty
        embeddablePolicy = base + (embeddable ? embedOrigins.sorted().joined(separator: " ") : "'none'")
    }

    /// For browsers that predate `frame-ancestors`.
    private static let frameOptions = HTTPField.Name("X-Frame-Options")

    /// The public verification pages (docs/verification.md, "The verification page").
    static func isEmbeddable(_ path: String) -> Bool { path.hasPrefix("/verify/") || path.hasPrefix("/receipt/") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if embeddable && Self.isEmbeddable(request.uri.path) {
            response.headers[.contentSecurityPolicy] = embeddablePolicy
        } else {
            response.headers[.contentSecurityPolicy] = policy
            if let name = Self.frameOptions { response.headers[name] = "DENY" }
        }
        return response
    }
}
