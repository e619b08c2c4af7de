import HTTPTypes
import Logging
import PacSpaceCore
import PacSpaceStore

/// Signing up and in as typed queries (docs/api.md §2): registration, email verification,
/// login, refresh and logout, forgotten and reset passwords. The JSON routes
/// (``DashboardAuthController``) parse, call and present; the sign-in pages
/// (``SignInPagesController``) call the same functions, under the same route limit.
struct DashboardSignIn: Sendable {
    let accounts: AccountStore
    let sessions: SessionStore
    let tokens: AccessTokens
    let passwords: Passwords
    let mailer: Mailer
    let limiter: RateLimiter
    let configuration: ServerConfiguration

    static let verifyTokenMillis: Int64 = 24 * 3600 * 1000
    static let resetTokenMillis: Int64 = 3600 * 1000

    /// Who signs up.
    struct Registration: Sendable {
        let email: String
        let password: String
        let firstName: String
        let lastName: String
        let companyName: String
    }

    /// Where a request comes from: the session it starts is listed with these.
    struct Client: Sendable {
        let address: String
        let userAgent: String?
    }

    /// A session started or refreshed: the tokens the client keeps.
    struct Signed: Sendable {
        let user: User
        let accessToken: String
        let refreshToken: String
    }

    private var now: Int64 { configuration.now() }

    /// A new tenant and its owner, unverified; the verification mail leaves after the commit.
    func register(_ registration: Registration, client: Client, logger: Logger) async throws -> User {
        let createdAt = now
        let tenant = Tenant(id: Identifier.make("tnt"), name: registration.companyName, createdAt: createdAt)
        let user = User(
            id: Identifier.make("usr"),
            tenantID: tenant.id,
            email: registration.email,
            passwordHash: try await passwords.hash(registration.password, for: RateLimiter.key(address: client.address)),
            firstName: registration.firstName,
            lastName: registration.lastName,
            role: .owner,
            emailVerifiedAt: nil
        )
        // The account, its verification token and its free credits commit together; the mail
        // leaves after the commit (if it is lost, resend-verification makes a new one).
        let token = Identifier.token()
        do {
            try await accounts.register(
                tenant: tenant,
                owner: user,
                verificationTokenHash: AccessTokens.digest(token),
                tokenExpiresAt: createdAt + Self.verifyTokenMillis,
                freeCredits: configuration.freeCredits
            )
        } catch is AccountStore.EmailTaken {
            throw APIError(.conflict, .emailTaken, "An account with this email already exists; log in or reset the password.")
        }
        logger.info("account registered", metadata: ["tenantId": .string(tenant.id), "userId": .string(user.id)])
        _ = mayMail(.verifyEmail, to: user.email)  // the first mail counts toward the limit of resends
        mailVerification(to: user, token: token)
        return user
    }

    /// Marks the address of the mailed `token` verified.
    func verifyEmail(token: String) async throws {
        guard try await accounts.verifyEmail(tokenHash: AccessTokens.digest(token), now: now) else {
            throw APIError(.badRequest, .invalidToken, "This verification link is unknown, already used or expired; ask for a new one.")
        }
    }

    /// A new verification mail, if `email` is an unverified account's (after answering).
    func resendVerification(email: String, logger: Logger) {
        afterAnswering("resend-verification", logger) {
            if let user = try await accounts.user(email: email), !user.emailVerified { try await sendVerification(to: user) }
        }
    }

    /// A new session for the account of `email` and `password`, verified. Failures are
    /// limited per email and address: the owner elsewhere is never locked out by a
    /// stranger, and the stranger gets 10 guesses, then one every 90 s (defaults).
    func login(email: String, password: String, client: Client, logger: Logger) async throws -> Signed {
        let now = now
        let address = RateLimiter.key(address: client.address)
        let limits = configuration.rateLimits
        // Taken before the check and given back on success: logins sent at once each hold a
        // token while bcrypt runs, so they cannot all pass a count their failures would raise.
        let charges = [
            RateLimiter.Charge(limit: .login, subject: email + "|" + address, policy: limits.login),
            RateLimiter.Charge(limit: .authFailure, subject: address, policy: limits.authFailures),
        ]
        if let wait = limiter.takeAll(charges, now: now) {
            throw APIError.retryLater(.tooManyRequests, .rateLimited, "Too many failed logins; try again in \(wait) seconds.", after: wait)
        }
        let user = try await accounts.user(email: email)
        guard try await passwords.verify(password, hash: user?.passwordHash, for: address), let user else {
            throw APIError(.unauthorized, .invalidCredentials, "The email or password is wrong.")
        }
        limiter.giveBack(charges, now: now)
        guard user.emailVerified else {
            throw APIError(
                .forbidden,
                .emailNotVerified,
                "Verify your email first: follow the link in the verification mail, or ask for a new one."
            )
        }
        logger.info("login", metadata: ["userId": .string(user.id)])
        let session = Identifier.make("ses")
        let refreshToken = AccessTokens.opaque("rt")
        try await sessions.start(
            sessionID: session,
            userID: user.id,
            refreshHash: AccessTokens.digest(refreshToken),
            expiresAt: now + configuration.refreshTokenSeconds * 1000,
            clientAddress: client.address,
            userAgent: client.userAgent.map(DashboardAccount.printable),
            now: now
        )
        return try await signed(user, session: session, refreshToken: refreshToken)
    }

    /// The session of `refreshToken` with a new pair of tokens; a spent token presented
    /// again signs its session out.
    func refresh(refreshToken presented: String, logger: Logger) async throws -> Signed {
        let successor = AccessTokens.opaque("rt")
        let issuedAt = now
        switch try await sessions.rotate(
            hash: AccessTokens.digest(presented),
            successorHash: AccessTokens.digest(successor),
            expiresAt: issuedAt + configuration.refreshTokenSeconds * 1000,
            now: issuedAt
        ) {
        case .rotated(let user, let session):
            return try await signed(user, session: session, refreshToken: successor)
        case .invalid:
            throw APIError.unauthorized("The refresh token is invalid or expired; log in again.")
        case .reused:
            logger.warning("spent refresh token presented again; its session is revoked")
            throw APIError.unauthorized("This refresh token was already used; for safety its session is now signed out. Log in again.")
        }
    }

    /// Ends the session of `refreshToken`, if it is live.
    func logout(refreshToken: String) async throws {
        _ = try await sessions.end(refreshHash: AccessTokens.digest(refreshToken), now: now)
    }

    /// A reset mail, if `email` is an account's (after answering, and once per interval).
    func forgotPassword(email: String, logger: Logger) {
        afterAnswering("forgot-password", logger) {
            guard let user = try await accounts.user(email: email), mayMail(.resetPassword, to: user.email) else { return }
            let token = try await emailToken(for: user, purpose: .resetPassword, lifetime: Self.resetTokenMillis)
            let link = "\(configuration.publicURL)/app/reset-password?token=\(token)"
            send(
                Mail(
                    to: user.email,
                    subject: "Reset your PacSpace password",
                    body:
                        "Someone asked to reset the password of this account.\r\n\r\nReset token: \(token)\r\nOr open: \(link)"
                        + "\r\n\r\nThe token is valid for one hour. If it was not you, ignore this mail."
                )
            )
        }
    }

    /// Sets `password` for the account of the mailed `token`; every session ends.
    func resetPassword(token: String, password: String, client: Client) async throws {
        let invalid = APIError(.badRequest, .invalidToken, "This reset token is unknown, already used or expired; ask for a new one.")
        // The token first: a bogus one costs a lookup, not a bcrypt (16 loops of bogus resets
        // took a real login from 0.24 s to 9.2 s when the hash came first).
        guard try await accounts.emailTokenIsLive(hash: AccessTokens.digest(token), purpose: .resetPassword, now: now) else { throw invalid }
        let hash = try await passwords.hash(password, for: RateLimiter.key(address: client.address))
        guard try await accounts.resetPassword(tokenHash: AccessTokens.digest(token), passwordHash: hash, now: now) else { throw invalid }
    }

    private func signed(_ user: User, session: String, refreshToken: String) async throws -> Signed {
        Signed(user: user, accessToken: try await tokens.issue(for: user, session: session, now: now), refreshToken: refreshToken)
    }

    /// Runs `work` after the answer leaves: the lookup, the fsynced token and the mail for
    /// a known address cost what nothing costs for an unknown one, and one sample of the
    /// answer's time told them apart 85–90 % of the time when they ran first.
    private func afterAnswering(_ route: String, _ logger: Logger, _ work: @escaping @Sendable () async throws -> Void) {
        Task {
            do { try await work() } catch {
                logger.error("background work of a request failed", metadata: ["route": .string(route), "error": .string("\(error)")])
            }
        }
    }

    /// One mail of a kind per recipient per interval (``RateLimits/mail``): past it the
    /// request answers as usual and no mail leaves, so the limit tells nothing either.
    private func mayMail(_ purpose: EmailTokenPurpose, to email: String) -> Bool {
        limiter.take(.mail, purpose.rawValue + ":" + email, configuration.rateLimits.mail, now: now) == nil
    }

    private func sendVerification(to user: User) async throws {
        guard mayMail(.verifyEmail, to: user.email) else { return }
        mailVerification(to: user, token: try await emailToken(for: user, purpose: .verifyEmail, lifetime: Self.verifyTokenMillis))
    }

    /// A new single-use token of `purpose` for `user`, valid `lifetime` milliseconds; only
    /// its hash is stored.
    private func emailToken(for user: User, purpose: EmailTokenPurpose, lifetime: Int64) async throws -> String {
        let token = Identifier.token()
        try await accounts.addEmailToken(hash: AccessTokens.digest(token), userID: user.id, purpose: purpose, expiresAt: now + lifetime, now: now)
        return token
    }

    private func mailVerification(to user: User, token: String) {
        let link = "\(configuration.publicURL)/app/verify-email?token=\(token)"
        send(
            Mail(
                to: user.email,
                subject: "Verify your PacSpace email",
                // Nothing the registrant typed: whoever registers may give someone else's address,
                // and a name like "Visit http://phish.example now" would reach that inbox in our voice.
                body:
                    "Welcome to PacSpace.\r\n\r\nVerify your email by opening:\r\n\(link)"
                    + "\r\n\r\nThe link is valid for 24 hours. If you did not sign up, ignore this mail."
            )
        )
    }

    /// Mail leaves in the background so that the answer's timing does not reveal whether an account exists.
    private func send(_ mail: Mail) {
        let mailer = self.mailer
        Task { await mailer.send(mail) }
    }
}
