import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/auth/*` (docs/api.md §2): accounts, email verification, sessions, passwords.
struct DashboardAuthController: Sendable {
    let accounts: AccountStore
    let sessions: SessionStore
    let tokens: AccessTokens
    let passwords: Passwords
    let mailer: Mailer
    let limiter: RateLimiter
    let configuration: ServerConfiguration

    static let verifyTokenMillis: Int64 = 24 * 3600 * 1000
    static let resetTokenMillis: Int64 = 3600 * 1000

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/auth").add(
            middleware: RouteRateLimit(
                limiter: limiter,
                policy: configuration.rateLimits.authRoutes,
                now: configuration.now
            )
        )
        group.post("register", use: register)
        group.get("verify", use: verify)
        group.post("resend-verification", use: resendVerification)
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
        group.post("forgot-password", use: forgotPassword)
        group.post("reset-password", use: resetPassword)
        let signedIn = group.group().add(middleware: auth)
        signedIn.get("me", use: me)
        SessionsController(accounts: accounts, sessions: sessions, passwords: passwords, limiter: limiter, configuration: configuration)
            .addRoutes(to: signedIn)
    }

    private var now: Int64 { configuration.now() }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await RequestBody.decode(request, allowed: ["email", "password", "firstName", "lastName", "companyName"])
        let email = try body.email()
        let password = try body.secret("password", minBytes: Passwords.minLength, maxBytes: Passwords.maxBytes)
        let firstName = try body.string("firstName", maxLength: 100)
        let lastName = try body.string("lastName", maxLength: 100)
        let companyName = try body.string("companyName", maxLength: 200)
        let createdAt = now
        let tenant = Tenant(id: Identifier.make("tnt"), name: companyName, createdAt: createdAt)
        let user = User(
            id: Identifier.make("usr"),
            tenantID: tenant.id,
            email: email,
            passwordHash: try await passwords.hash(password, for: RateLimiter.key(address: context.clientAddress)),
            firstName: firstName,
            lastName: lastName,
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
            throw APIError(.conflict, "EMAIL_TAKEN", "An account with this email already exists; log in or reset the password.")
        }
        context.logger.info("account registered", metadata: ["tenantId": .string(tenant.id), "userId": .string(user.id)])
        _ = mayMail(.verifyEmail, to: user.email)  // the first mail counts toward the limit of resends
        mailVerification(to: user, token: token)
        return Envelope.success(.created, user.json, message: "Account created. Check your email to verify it.")
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = try QueryParameters(request: request).string("token"), token.count <= 200 else {
            throw APIError.invalid("token", "required", "token is required: use the link from the verification mail.")
        }
        guard try await accounts.verifyEmail(tokenHash: AccessTokens.digest(token), now: now) else {
            throw APIError(.badRequest, "INVALID_TOKEN", "This verification link is unknown, already used or expired; ask for a new one.")
        }
        return Envelope.success(.ok, ["emailVerified": true], message: "Email verified successfully.")
    }

    @Sendable func resendVerification(_ request: Request, context: AppRequestContext) async throws -> Response {
        let email = try await RequestBody.decode(request, allowed: ["email"]).email()
        afterAnswering("resend-verification", context) {
            if let user = try await accounts.user(email: email), !user.emailVerified { try await sendVerification(to: user) }
        }
        return Envelope.success(.ok, .object([]), message: "If an unverified account exists for this email, a new verification mail is on its way.")
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await RequestBody.decode(request, allowed: ["email", "password"])
        let email = try body.email()
        let password = try body.secret("password", maxBytes: 1024)
        // Failures only, per email and address: the owner elsewhere is never locked out by a
        // stranger, and the stranger gets 10 guesses, then one every 90 s (defaults).
        let now = now
        let address = RateLimiter.key(address: context.clientAddress)
        let login = email + "|" + address
        let limits = configuration.rateLimits
        // Taken before the check and given back on success: logins sent at once each hold a
        // token while bcrypt runs, so they cannot all pass a count their failures would raise.
        let charges = [
            RateLimiter.Charge(limit: .login, subject: login, policy: limits.login),
            RateLimiter.Charge(limit: .authFailure, subject: address, policy: limits.authFailures),
        ]
        if let wait = limiter.takeAll(charges, now: now) {
            throw APIError.retryLater(.tooManyRequests, "RATE_LIMITED", "Too many failed logins; try again in \(wait) seconds.", after: wait)
        }
        let user = try await accounts.user(email: email)
        guard try await passwords.verify(password, hash: user?.passwordHash, for: address), let user else {
            throw APIError(.unauthorized, "INVALID_CREDENTIALS", "The email or password is wrong.")
        }
        limiter.giveBack(charges, now: now)
        guard user.emailVerified else {
            throw APIError(
                .forbidden,
                "EMAIL_NOT_VERIFIED",
                "Verify your email first: follow the link in the verification mail, or ask for a new one."
            )
        }
        context.logger.info("login", metadata: ["userId": .string(user.id)])
        return try await startSession(for: user, request: request, context: context)
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let presented = try await RequestBody.decode(request, allowed: ["refreshToken"]).secret("refreshToken", maxBytes: 200)
        let successor = AccessTokens.opaque("rt")
        let issuedAt = now
        switch try await sessions.rotate(
            hash: AccessTokens.digest(presented),
            successorHash: AccessTokens.digest(successor),
            expiresAt: issuedAt + configuration.refreshTokenSeconds * 1000,
            now: issuedAt
        ) {
        case .rotated(let user, let session):
            return try await sessionResponse(user: user, session: session, refreshToken: successor)
        case .invalid:
            throw APIError.unauthorized("The refresh token is invalid or expired; log in again.")
        case .reused:
            context.logger.warning("spent refresh token presented again; its session is revoked")
            throw APIError.unauthorized("This refresh token was already used; for safety its session is now signed out. Log in again.")
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let presented = try await RequestBody.decode(request, allowed: ["refreshToken"]).secret("refreshToken", maxBytes: 200)
        _ = try await sessions.end(refreshHash: AccessTokens.digest(presented), now: now)
        return Envelope.success(.ok, .object([]), message: "Logged out.")
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let tenant = try await accounts.tenant(id: user.tenantID) else { throw APIError.unauthorized("Unknown tenant.") }
        return Envelope.success(
            .ok,
            [
                "user": user.json,
                "tenant": [
                    "id": .string(tenant.id), "name": .string(tenant.name), "createdAt": .string(Timestamp.iso8601(millis: tenant.createdAt)),
                ],
            ]
        )
    }

    @Sendable func forgotPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let email = try await RequestBody.decode(request, allowed: ["email"]).email()
        afterAnswering("forgot-password", context) {
            guard let user = try await accounts.user(email: email), mayMail(.resetPassword, to: user.email) else { return }
            let token = Identifier.token()
            try await accounts.addEmailToken(
                hash: AccessTokens.digest(token),
                userID: user.id,
                purpose: .resetPassword,
                expiresAt: now + Self.resetTokenMillis,
                now: now
            )
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
        return Envelope.success(.ok, .object([]), message: "If an account exists for this email, a reset mail is on its way.")
    }

    /// Runs `work` after the answer leaves: the lookup, the fsynced token and the mail for
    /// a known address cost what nothing costs for an unknown one, and one sample of the
    /// answer's time told them apart 85–90 % of the time when they ran first.
    private func afterAnswering(_ route: String, _ context: AppRequestContext, _ work: @escaping @Sendable () async throws -> Void) {
        let logger = context.logger
        Task {
            do { try await work() } catch {
                logger.error("background work of a request failed", metadata: ["route": .string(route), "error": .string("\(error)")])
            }
        }
    }

    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await RequestBody.decode(request, allowed: ["token", "password"])
        let token = try body.secret("token", maxBytes: 200)
        let password = try body.secret("password", minBytes: Passwords.minLength, maxBytes: Passwords.maxBytes)
        let invalid = APIError(.badRequest, "INVALID_TOKEN", "This reset token is unknown, already used or expired; ask for a new one.")
        // The token first: a bogus one costs a lookup, not a bcrypt (16 loops of bogus resets
        // took a real login from 0.24 s to 9.2 s when the hash came first).
        guard try await accounts.emailTokenIsLive(hash: AccessTokens.digest(token), purpose: .resetPassword, now: now) else { throw invalid }
        let hash = try await passwords.hash(password, for: RateLimiter.key(address: context.clientAddress))
        guard try await accounts.resetPassword(tokenHash: AccessTokens.digest(token), passwordHash: hash, now: now) else { throw invalid }
        return Envelope.success(.ok, .object([]), message: "Password changed. Every session was signed out; log in again.")
    }

    /// One mail of a kind per recipient per interval (``RateLimits/mail``): past it the
    /// request answers as usual and no mail leaves, so the limit tells nothing either.
    private func mayMail(_ purpose: EmailTokenPurpose, to email: String) -> Bool {
        limiter.take(.mail, purpose.rawValue + ":" + email, configuration.rateLimits.mail, now: now) == nil
    }

    private func sendVerification(to user: User) async throws {
        guard mayMail(.verifyEmail, to: user.email) else { return }
        let token = Identifier.token()
        try await accounts.addEmailToken(
            hash: AccessTokens.digest(token),
            userID: user.id,
            purpose: .verifyEmail,
            expiresAt: now + Self.verifyTokenMillis,
            now: now
        )
        mailVerification(to: user, token: token)
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

    private func startSession(for user: User, request: Request, context: AppRequestContext) async throws -> Response {
        let session = Identifier.make("ses")
        let refreshToken = AccessTokens.opaque("rt")
        try await sessions.start(
            sessionID: session,
            userID: user.id,
            refreshHash: AccessTokens.digest(refreshToken),
            expiresAt: now + configuration.refreshTokenSeconds * 1000,
            clientAddress: context.clientAddress,
            userAgent: request.headers[.userAgent].map(SessionsController.printable),
            now: now
        )
        return try await sessionResponse(user: user, session: session, refreshToken: refreshToken)
    }

    private func sessionResponse(user: User, session: String, refreshToken: String) async throws -> Response {
        Envelope.success(
            .ok,
            [
                "accessToken": .string(try await tokens.issue(for: user, session: session, now: now)),
                "refreshToken": .string(refreshToken),
                "tokenType": "Bearer",
                "expiresIn": .int(tokens.lifetimeSeconds),
                "user": user.json,
            ]
        )
    }
}
