import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// A signed-in user's account as typed queries (docs/api.md §2, §8): the tenant, its
/// credits and their ledger, the user's sessions, a change of password. The JSON routes
/// (``DashboardAuthController``, ``SessionsController``, ``CreditsController``) present
/// them; the home and account pages render them.
struct DashboardAccount: Sendable {
    let accounts: AccountStore
    let sessions: SessionStore
    let credits: CreditStore
    let passwords: Passwords
    let limiter: RateLimiter
    let configuration: ServerConfiguration

    private var now: Int64 { configuration.now() }

    /// The user's tenant.
    func tenant(user: User) async throws -> Tenant {
        guard let tenant = try await accounts.tenant(id: user.tenantID) else { throw APIError.unauthorized("Unknown tenant.") }
        return tenant
    }

    /// The tenant's credit balance.
    func balance(user: User) async throws -> CreditBalance {
        try await credits.balance(tenantID: user.tenantID)
    }

    /// A page of the tenant's credit ledger, newest first.
    func creditEntries(user: User, page: Int, limit: Int) async throws -> (entries: [CreditEntry], total: Int) {
        let (items, total) = try await credits.entries(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return (items, total)
    }

    /// The user's live sessions, most recently used first.
    func sessions(user: User) async throws -> [Session] {
        try await sessions.sessions(userID: user.id, activeSince: now - configuration.refreshTokenSeconds * 1000)
    }

    /// Signs out one of the user's sessions (its access tokens end at once).
    func revokeSession(user: User, id: String) async throws {
        guard try await sessions.revoke(sessionID: id, userID: user.id, now: now) else {
            throw APIError.notFound("No live session \(id) of yours.")
        }
    }

    /// Signs out every session of the user but `except`: how many.
    func revokeSessions(user: User, except: String?) async throws -> Int {
        try await sessions.revokeAll(userID: user.id, except: except, now: now)
    }

    /// Changes the password of the user of `session`: the current one is required (a
    /// stolen access token alone cannot take the account) and its attempts are limited like
    /// logins. Every other session is signed out and every reset token spent; this one stays.
    func changePassword(user: User, session: String?, current: String, new: String) async throws {
        // Taken before the check, given back when it holds (as logins are).
        let charges = [RateLimiter.Charge(limit: .password, subject: user.id, policy: configuration.rateLimits.login)]
        if let wait = limiter.takeAll(charges, now: now) {
            throw APIError.retryLater(.tooManyRequests, .rateLimited, "Too many wrong passwords; try again in \(wait) seconds.", after: wait)
        }
        guard try await passwords.verify(current, hash: user.passwordHash, for: user.id) else {
            throw APIError.invalid("currentPassword", "mismatch", "The current password is wrong.")
        }
        limiter.giveBack(charges, now: now)
        guard let session else { throw APIError.unauthorized("Authentication required.") }
        try await accounts.changePassword(userID: user.id, passwordHash: try await passwords.hash(new, for: user.id), keeping: session, now: now)
    }

    /// Client-supplied text kept for display: control characters dropped, at most 200 characters.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(200))
    }
}
