import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// A signed-in user's sessions and password, under `/dashboard/auth` (not in docs/api.md; our
/// addition): list the devices signed in, sign one out, all others, or all; change the
/// password. Every revocation ends the session's access tokens at once. Parses, calls
/// ``DashboardAccount``, presents.
struct SessionsController: Sendable {
    let account: DashboardAccount

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("sessions", use: list)
        group.delete("sessions/:sessionId", use: revoke)
        group.post("sessions/revoke-others", use: revokeOthers)
        group.post("logout-everywhere", use: logoutEverywhere)
        group.post("change-password", use: changePassword)
    }

    /// `{sessions: [{id, current, createdAt, lastUsedAt, ipAddress, userAgent}]}`: the
    /// live ones, most recently used first.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let live = try await account.sessions(user: user)
        return Envelope.success(
            .ok,
            [
                "sessions": .array(
                    live.map { session in
                        [
                            "id": .string(session.id), "current": .bool(session.id == context.sessionID),
                            "createdAt": .string(Timestamp.iso8601(millis: session.createdAt)),
                            "lastUsedAt": .string(Timestamp.iso8601(millis: session.lastUsedAt)),
                            "ipAddress": .optional(session.clientAddress), "userAgent": .optional(session.userAgent),
                        ]
                    }
                )
            ]
        )
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try await account.revokeSession(user: user, id: try context.pathParameter("sessionId"))
        return Envelope.success(.ok, ["revoked": .int(1)], message: "Session signed out.")
    }

    @Sendable func revokeOthers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let count = try await account.revokeSessions(user: user, except: context.sessionID)
        return Envelope.success(.ok, ["revoked": .int(count)], message: "Every other session is signed out.")
    }

    @Sendable func logoutEverywhere(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let count = try await account.revokeSessions(user: user, except: nil)
        return Envelope.success(.ok, ["revoked": .int(count)], message: "Every session, this one too, is signed out.")
    }

    /// `{currentPassword, newPassword}` of a change.
    static func passwords(_ body: RequestBody) throws -> (current: String, new: String) {
        (
            try body.secret("currentPassword", maxBytes: 1024),
            try body.secret("newPassword", minBytes: Passwords.minLength, maxBytes: Passwords.maxBytes)
        )
    }

    /// What a change of password answers.
    static let passwordChanged = "Password changed. Every other session is signed out."

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (current, new) = try Self.passwords(try await RequestBody.decode(request, allowed: ["currentPassword", "newPassword"]))
        try await account.changePassword(user: user, session: context.sessionID, current: current, new: new)
        return Envelope.success(.ok, .object([]), message: Self.passwordChanged)
    }
}
