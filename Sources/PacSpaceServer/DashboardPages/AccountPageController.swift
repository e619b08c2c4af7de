import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's account page (docs/operations.md, "The dashboard"): credits and their
/// ledger, the signed-in sessions (sign one out), and a change of password — the typed
/// queries the `/dashboard/credit` and `/dashboard/auth` routes answer from
/// (``DashboardAccount``), rendered as ``AccountPage``.
struct AccountPageController: Sendable {
    let kit: AppPageKit
    let account: DashboardAccount

    /// Ledger lines the page lists.
    static let ledgerSize = 50

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
        async let balance = account.balance(user: me.user)
        async let ledger = account.creditEntries(user: me.user, page: 1, limit: Self.ledgerSize)
        async let sessions = account.sessions(user: me.user)
        let model = AccountPage(balance: try await balance, entries: try await ledger.entries, sessions: try await sessions, current: me.sessionID)
        return kit.render(
            .appAccount,
            model,
            request: request,
            context: context,
            me: me,
            current: "account",
            error: error,
            notice: notice,
            status: status
        )
    }

    /// Runs one action; the page with its notice, or with its refusal.
    private func act(
        _ request: Request,
        _ context: AppRequestContext,
        _ action: (WebSession.SignedIn, FormBody) async throws -> String
    )
        async throws -> Response
    {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        do {
            let notice = try await action(me, form)
            return try await page(me, notice: notice, request: request, context: context)
        } catch let refusal as APIError {
            return try await page(me, error: refusal.message, status: refusal.status, request: request, context: context)
        }
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, _ in
            try await account.revokeSession(user: me.user, id: try context.pathParameter("sessionId"))
            return "Session signed out."
        }
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, form in
            let (current, new) = try SessionsController.passwords(try form.body(["currentPassword", "newPassword"], omitEmpty: false))
            try await account.changePassword(user: me.user, session: me.sessionID, current: current, new: new)
            return SessionsController.passwordChanged
        }
    }
}
