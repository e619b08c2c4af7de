import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's API keys (docs/operations.md, "The dashboard"): create (the full key
/// shown once), list with last use, rename, disable and enable, rotate with an overlap,
/// revoke — the typed queries the `/dashboard/api-keys` routes answer from
/// (``DashboardKeys``), rendered as ``KeysPage``.
struct KeyPagesController: Sendable {
    let kit: AppPageKit
    let keys: DashboardKeys

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/keys", use: list)
        router.post("app/keys", use: create)
        router.post("app/keys/:id/rename", use: rename)
        router.post("app/keys/:id/active", use: setActive)
        router.post("app/keys/:id/rotate", use: rotate)
        router.post("app/keys/:id/revoke", use: revoke)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        return try await page(me, request: request, context: context)
    }

    /// The keys page, with a key just issued, a notice or a refusal.
    private func page(
        _ me: WebSession.SignedIn,
        issued: DashboardKeys.Issued? = nil,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let (listed, _) = try await keys.list(user: me.user, page: 1, limit: 100)
        let model = KeysPage(listed, issued: issued)
        return kit.render(.appKeys, model, request: request, context: context, me: me, current: "keys", error: error, notice: notice, status: status)
    }

    /// Runs one action on the keys; the page with its notice, or with its refusal.
    private func act(
        _ request: Request,
        _ context: AppRequestContext,
        status: HTTPResponse.Status = .ok,
        _ action: (WebSession.SignedIn, FormBody) async throws -> (notice: String?, issued: DashboardKeys.Issued?)
    ) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        do {
            let (notice, issued) = try await action(me, form)
            return try await page(me, issued: issued, notice: notice, status: status, request: request, context: context)
        } catch let refusal as APIError {
            return try await page(me, error: refusal.message, status: refusal.status, request: request, context: context)
        }
    }

    /// Creates a key and shows it this once (the answer is never stored or cached: no-store).
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, status: .created) { me, form in
            let (name, kind) = try APIKeysController.newKey(try form.body(["name", "environment"]))
            return (nil, try await keys.create(user: me.user, name: name, kind: kind))
        }
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, _ in
            _ = try await keys.revoke(user: me.user, id: try context.pathParameter("id"))
            return ("Key revoked: it is refused from now on.", nil)
        }
    }

    @Sendable func rename(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, form in
            let (name, _) = try APIKeysController.change(try form.body(["name"], omitEmpty: false))
            _ = try await keys.update(user: me.user, id: try context.pathParameter("id"), name: name, active: nil)
            return ("Key renamed.", nil)
        }
    }

    /// The form's `active` is `true` or `false`.
    @Sendable func setActive(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, form in
            let active = form["active"] == "true"
            _ = try await keys.update(user: me.user, id: try context.pathParameter("id"), name: nil, active: active)
            return (active ? "Key enabled." : "Key disabled: refused until enabled again.", nil)
        }
    }

    /// A new secret, shown once; the old one works for the form's `overlapSeconds`.
    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, form in
            // A number goes as a number; anything else as text, for the parser to refuse.
            let overlap = form["overlapSeconds"].map { text in Int(text).map(JSONValue.int) ?? .string(text) }
            let seconds = try APIKeysController.overlap(
                try RequestBody(object: overlap.map { [("overlapSeconds", $0)] } ?? [], allowed: ["overlapSeconds"])
            )
            let issued = try await keys.rotate(user: me.user, id: try context.pathParameter("id"), overlapSeconds: seconds)
            let notice =
                issued.previousValidUntil.map { "Key rotated: the old secret works until \(Timestamp.iso8601(millis: $0))." }
                ?? "Key rotated: the old secret no longer works."
            return (notice, issued)
        }
    }
}
