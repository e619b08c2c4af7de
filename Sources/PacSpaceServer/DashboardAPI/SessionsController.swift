import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// A signed-in user's sessions and password, under `/dashboard/auth` (not in docs/api.md; our
/// addition): list the devices signed in, sign one out, all others, or all; change the
/// password. Every revocation ends the session's access tokens at once.
struct SessionsController: Sendable {
    let accounts: AccountStore
    let sessions: SessionStore
    let passwords: Passwords
    let limiter: RateLimiter
    let configuration: ServerConfiguration

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("sessions", use: list)
        group.delete("sessions/:sessionId", use: revoke)
        group.post("sessions/revoke-others", use: revokeOthers)
        group.post("logout-everywhere", use: logoutEverywhere)
        group.post("change-password", use: changePassword)
    }

    private var now: Int64 { configuration.now() }

    /// `{sessions: [{id, current, createdAt, lastUsedAt, ipAddress, userAgent}]}`: the
    /// live ones, most recently used first.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let live = try await sessions.sessions(userID: user.id, activeSince: now - configuration.refreshTokenSeconds * 1000)
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
        let id = try context.pathParameter("sessionId")
        guard try await sessions.revoke(sessionID: id, userID: user.id, now: now) else {
            throw APIError.notFound("No live session \(id) of yours.")
        }
        return Envelope.success(.ok, ["revoked": .int(1)], message: "Session signed out.")
    }

    @Sendable func revokeOthers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let count = try await sessions.revokeAll(userID: user.id, except: context.sessionID, now: now)
        return Envelope.success(.ok, ["revoked": .int(count)], message: "Every other session is signed out.")
    }

    @Sendable func logoutEverywhere(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let count = try await sessions.revokeAll(userID: user.id, except: nil, now: now)
        return Envelope.success(.ok, ["revoked": .int(count)], message: "Every session, this one too, is signed out.")
    }

    /// `{currentPassword, newPassword}`: the current one is required (a stolen access token
    /// alone cannot take the account) and its attempts are limited like logins. Every
    /// other session is signed out and every reset token spent; this session stays.
    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.decode(request, allowed: ["currentPassword", "newPassword"])
        let current = try body.secret("currentPassword", maxBytes: 1024)
        let new = try body.secret("newPassword", minBytes: Passwords.minLength, maxBytes: Passwords.maxBytes)
        // Taken before the check, given back when it holds (as logins are).
        let charges = [RateLimiter.Charge(limit: .password, subject: user.id, policy: configuration.rateLimits.login)]
        if let wait = limiter.takeAll(charges, now: now) {
            throw APIError.retryLater(.tooManyRequests, "RATE_LIMITED", "Too many wrong passwords; try again in \(wait) seconds.", after: wait)
        }
        guard try await passwords.verify(current, hash: user.passwordHash, for: user.id) else {
            throw APIError.invalid("currentPassword", "mismatch", "The current password is wrong.")
        }
        limiter.giveBack(charges, now: now)
        guard let session = context.sessionID else { throw APIError.unauthorized("Authentication required.") }
        try await accounts.changePassword(userID: user.id, passwordHash: try await passwords.hash(new, for: user.id), keeping: session, now: now)
        return Envelope.success(.ok, .object([]), message: "Password changed. Every other session is signed out.")
    }

    /// Client-supplied text kept for display: control characters dropped, at most 200 characters.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(200))
    }
}
