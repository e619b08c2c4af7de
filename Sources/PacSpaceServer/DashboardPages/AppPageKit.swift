import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore

/// What every dashboard page needs: rendering with the CSRF field, the signed-in user,
/// redirects. (The pages: docs/operations.md, "The dashboard".)
struct AppPageKit: Sendable {
    let pages: PageTemplates
    let web: WebSession

    /// A page-level "go to the login page": thrown by ``signedIn(_:)``.
    struct SignInFirst: Error {}

    /// The signed-in user, or ``SignInFirst``.
    func signedIn(_ request: Request) async throws -> WebSession.SignedIn {
        guard let me = try await web.signedIn(request) else { throw SignInFirst() }
        return me
    }

    /// The form of a POST, after its CSRF field is checked (403 otherwise): bound to the
    /// session, unless `signedOut` (the login, sign-up and password-reset forms).
    func form(_ request: Request, signedOut: Bool = false) async throws -> FormBody {
        let form = try await FormBody.decode(request)
        guard web.csrfHolds(form["csrf"], request, signedIn: !signedOut) else {
            throw APIError.forbidden("This form has expired or did not come from this site; reload the page and send it again.")
        }
        return form
    }

    /// `name` rendered with `model` (a page model, read by its stored properties),
    /// the CSRF field (and a new CSRF cookie when the browser has none), a flash `error` or
    /// `notice`, and for a signed-in page the navigation with `current` marked.
    func render(
        _ name: PageTemplates.Name,
        _ model: Any,
        request: Request,
        context: AppRequestContext,
        me: WebSession.SignedIn? = nil,
        current: String? = nil,
        error: String? = nil,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var shared: [String: Any] = [:]
        var setCookie: String?
        var csrfCookie = WebSession.cookie(WebSession.csrfCookie, in: request) ?? ""
        if csrfCookie.isEmpty || csrfCookie.utf8.count > 64 {
            let fresh = web.newCSRFCookie()
            setCookie = fresh.header
            csrfCookie = fresh.value
        }
        shared["csrf"] = web.csrfField(for: csrfCookie, in: request, signedIn: me != nil)
        if let me {
            var nav: [String: Any] = ["email": me.user.email]
            if let current { nav[current] = true }
            shared["nav"] = nav
        }
        if let error { shared["error"] = error }
        if let notice { shared["notice"] = notice }
        var response = pages.page(name, model, shared: shared, status: status).response(from: request, context: context)
        if let setCookie { response.headers.append(HTTPField(name: .setCookie, value: setCookie)) }
        return response
    }

    /// A message page: a heading, a sentence, maybe a link onward.
    func message(
        _ heading: String,
        _ text: String,
        link: (href: String, label: String)? = nil,
        request: Request,
        context: AppRequestContext,
        me: WebSession.SignedIn? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values: [String: Any] = ["heading": heading, "text": text]
        if let link { values["link"] = ["href": link.href, "label": link.label] }
        return render(.appMessage, values, request: request, context: context, me: me, status: status)
    }

    /// 303 See Other to `location` (a path of ours), with any cookies to set.
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    /// `value` percent-encoded for a path segment or query value.
    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
