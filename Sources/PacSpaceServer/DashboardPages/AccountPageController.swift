import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's account page (docs/operations.md, "The dashboard"): credits and their
/// ledger, the signed-in sessions (sign one out), and a change of password — the
/// `/dashboard/credit` and `/dashboard/auth` routes, called in process.
struct AccountPageController: Sendable {
    let kit: AppPageKit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/account", use: show)
        router.post("app/account/sessions/:sessionId/revoke", use: revoke)
        router.post("app/account/password", use: changePassword)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await page(try await kit.signedIn(request), request: request, context: context)
    }

    private func page(
        _ me: WebSession.SignedIn,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let credits = try await kit.api.call(.get, "/dashboard/credit/balances", token: me.accessToken, context: context).data
        let entries = try await kit.api.call(.get, "/dashboard/credit/entries?limit=50", token: me.accessToken, context: context).data
        let sessions = try await kit.api.call(.get, "/dashboard/auth/sessions", token: me.accessToken, context: context).data
        let ledger: [[String: Any]] =
            entries["items"]?.items.map { entry in
                [
                    "createdAt": entry["createdAt"]?.text ?? "", "type": entry["type"]?.text ?? "", "amount": entry["amount"]?.text ?? "",
                    "balanceAfter": entry["balanceAfter"]?.text ?? "", "description": entry["description"]?.text ?? "",
                ]
            } ?? []
        var values: [String: Any] = [
            "credits": [
                "availableBalance": credits["availableBalance"]?.text ?? "0", "creditBalance": credits["creditBalance"]?.text ?? "0",
                "reserved": credits["reserved"]?.text ?? "0",
            ],
            "entries": ledger, "hasEntries": !ledger.isEmpty,
            "sessions": sessions["sessions"]?.items.map { session in
                [
                    "id": session["id"]?.text ?? "", "current": session["current"]?.isTrue ?? false,
                    "createdAt": session["createdAt"]?.text ?? "", "lastUsedAt": session["lastUsedAt"]?.text ?? "",
                    "ipAddress": session["ipAddress"]?.text ?? "", "userAgent": session["userAgent"]?.text ?? "",
                ]
            } ?? [],
        ]
        values["notice"] = notice
        values["error"] = error
        return kit.render(.appAccount, values, request: request, context: context, me: me, current: "account", status: status)
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        _ = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("sessionId"))
        let answer = try await kit.api.call(.delete, "/dashboard/auth/sessions/\(id)", token: me.accessToken, context: context)
        return try await page(
            me,
            notice: answer.ok ? "Session signed out." : nil,
            error: answer.ok ? nil : answer.message,
            status: answer.ok ? .ok : answer.status,
            request: request,
            context: context
        )
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let answer = try await kit.api.call(
            .post,
            "/dashboard/auth/change-password",
            body: form.json(["currentPassword", "newPassword"], omitEmpty: false),
            token: me.accessToken,
            context: context
        )
        return try await page(
            me,
            notice: answer.ok ? answer.message : nil,
            error: answer.ok ? nil : answer.message,
            status: answer.ok ? .ok : answer.status,
            request: request,
            context: context
        )
    }
}
