import HTTPTypes
import Hummingbird

/// Errors of page routes as pages (a signed-in page without a session: the login page): the status and message ``ErrorMiddleware`` would
/// give, in HTML, with the headers the error carries (`Retry-After`, `Allow`).
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PageTemplates
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch is AppPageKit.SignInFirst {
            return AppPageKit.redirect("/app/login")
        } catch {
            let failure = ErrorMiddleware.failure(for: error, request: request, context: context, routes: routes)
            var response = pages.notice(failure.status, title: Self.title(failure.status), message: failure.message)
                .response(from: request, context: context)
            for field in failure.headers { response.headers.append(field) }
            return response
        }
    }

    static func title(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "Not found"
        case .tooManyRequests: "Too many requests"
        case .badRequest: "Bad request"
        case .conflict: "Ambiguous"
        default: status.code >= 500 ? "Something went wrong" : status.reasonPhrase
        }
    }
}
