import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's API keys (docs/operations.md, "The dashboard"): create (the full key
/// shown once), list with last use, rename, disable and enable, rotate with an overlap,
/// revoke — the `/dashboard/api-keys` routes, called in process.
struct KeyPagesController: Sendable {
    let kit: AppPageKit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/keys", use: keys)
        router.post("app/keys", use: createKey)
        router.post("app/keys/:id/rename", use: rename)
        router.post("app/keys/:id/active", use: setActive)
        router.post("app/keys/:id/rotate", use: rotate)
        router.post("app/keys/:id/revoke", use: revokeKey)
    }

    @Sendable func keys(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        return try await page(me, request: request, context: context)
    }

    private func page(
        _ me: WebSession.SignedIn,
        created: JSONValue? = nil,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let list = try await kit.api.call(.get, "/dashboard/api-keys?limit=100", token: me.accessToken, context: context)
        let keys: [[String: Any]] =
            list.data["items"]?.items.map { key in
                let active = key["active"]?.isTrue ?? false
                return [
                    "id": key["id"]?.text ?? "", "name": key["name"]?.text ?? "", "publicKey": key["publicKey"]?.text ?? "",
                    "environment": key["environment"]?.text == "live" ? "production" : "sandbox", "active": active,
                    "status": active ? "active" : "disabled", "createdAt": key["createdAt"]?.text ?? "",
                    "lastUsedAt": key["lastUsedAt"]?.text ?? "never",
                ]
            } ?? []
        var values: [String: Any] = ["keys": keys, "hasKeys": !keys.isEmpty]
        if let created {
            values["created"] = [
                "fullKey": created["fullKey"]?.text ?? "", "environment": created["environment"]?.text == "live" ? "production" : "sandbox",
            ]
        }
        values["notice"] = notice
        values["error"] = error
        return kit.render(.appKeys, values, request: request, context: context, me: me, current: "keys", status: status)
    }

    /// Creates a key and shows it this once (the answer is never stored or cached: no-store).
    @Sendable func createKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let answer = try await kit.api.call(
            .post,
            "/dashboard/api-keys",
            body: form.json(["name", "environment"]),
            token: me.accessToken,
            context: context
        )
        guard answer.ok else { return try await page(me, error: answer.message, status: answer.status, request: request, context: context) }
        return try await page(me, created: answer.data, status: .created, request: request, context: context)
    }

    @Sendable func revokeKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        _ = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("id"))
        let answer = try await kit.api.call(.delete, "/dashboard/api-keys/\(id)", token: me.accessToken, context: context)
        guard answer.ok else { return try await page(me, error: answer.message, status: answer.status, request: request, context: context) }
        return try await page(me, notice: "Key revoked: it is refused from now on.", request: request, context: context)
    }

    /// `PATCH /dashboard/api-keys/:id` with `name`.
    @Sendable func rename(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("id"))
        let answer = try await kit.api.call(
            .patch,
            "/dashboard/api-keys/\(id)",
            body: form.json(["name"], omitEmpty: false),
            token: me.accessToken,
            context: context
        )
        guard answer.ok else { return try await page(me, error: answer.message, status: answer.status, request: request, context: context) }
        return try await page(me, notice: "Key renamed.", request: request, context: context)
    }

    /// `PATCH /dashboard/api-keys/:id` with `active` (the form's `active` is `true` or `false`).
    @Sendable func setActive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("id"))
        let active = form["active"] == "true"
        let answer = try await kit.api.call(
            .patch,
            "/dashboard/api-keys/\(id)",
            body: ["active": .bool(active)],
            token: me.accessToken,
            context: context
        )
        guard answer.ok else { return try await page(me, error: answer.message, status: answer.status, request: request, context: context) }
        return try await page(me, notice: active ? "Key enabled." : "Key disabled: refused until enabled again.", request: request, context: context)
    }

    /// `POST /dashboard/api-keys/:id/rotate` with `overlapSeconds`: the new key shown once.
    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("id"))
        // A number goes as a number; anything else as text, for the API to refuse.
        let overlap = form["overlapSeconds"].map { text in Int(text).map(JSONValue.int) ?? .string(text) }
        let body: JSONValue = overlap.map { ["overlapSeconds": $0] } ?? [:]
        let answer = try await kit.api.call(.post, "/dashboard/api-keys/\(id)/rotate", body: body, token: me.accessToken, context: context)
        guard answer.ok else { return try await page(me, error: answer.message, status: answer.status, request: request, context: context) }
        let until = answer.data["previousSecretValidUntil"]?.text
        return try await page(
            me,
            created: answer.data,
            notice: until.map { "Key rotated: the old secret works until \($0)." } ?? "Key rotated: the old secret no longer works.",
            request: request,
            context: context
        )
    }
}
