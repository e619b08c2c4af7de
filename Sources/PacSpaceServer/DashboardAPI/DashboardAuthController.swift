import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/auth/*` (docs/api.md §2): accounts, email verification, sessions, passwords;
/// parses, calls ``DashboardSignIn`` and ``DashboardAccount``, presents.
struct DashboardAuthController: Sendable {
    let signIn: DashboardSignIn
    let account: DashboardAccount
    /// The limit on every `/dashboard/auth` route per client address (the sign-in pages
    /// that call the same functions take it too).
    let routeLimit: RouteRateLimit

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/auth").add(middleware: routeLimit)
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
        SessionsController(account: account).addRoutes(to: signedIn)
    }

    /// The members of a registration.
    static let registrationFields: Set<String> = ["email", "password", "firstName", "lastName", "companyName"]

    /// A registration from a JSON body or the sign-up form.
    static func registration(_ body: RequestBody) throws -> DashboardSignIn.Registration {
        DashboardSignIn.Registration(
            email: try body.email(),
            password: try body.secret("password", minBytes: Passwords.minLength, maxBytes: Passwords.maxBytes),
            firstName: try body.string("firstName", maxLength: 100),
            lastName: try body.string("lastName", maxLength: 100),
            companyName: try body.string("companyName", maxLength: 200)
        )
    }

    /// `{email, password}` of a login.
    static func credentials(_ body: RequestBody) throws -> (email: String, password: String) {
        (try body.email(), try body.secret("password", maxBytes: 1024))
    }

    /// `{token, password}` of a reset.
    static func reset(_ body: RequestBody) throws -> (token: String, password: String) {
        (try body.secret("token", maxBytes: 200), try body.secret("password", minBytes: Passwords.minLength, maxBytes: Passwords.maxBytes))
    }

    /// The mailed verification token of a query.
    static func verificationToken(_ query: QueryParameters) throws -> String {
        guard let token = try query.string("token"), token.count <= 200 else {
            throw APIError.invalid("token", "required", "token is required: use the link from the verification mail.")
        }
        return token
    }

    static func client(_ request: Request, _ context: AppRequestContext) -> DashboardSignIn.Client {
        DashboardSignIn.Client(address: context.clientAddress, userAgent: request.headers[.userAgent])
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let registration = try Self.registration(try await RequestBody.decode(request, allowed: Self.registrationFields))
        let user = try await signIn.register(registration, client: Self.client(request, context), logger: context.logger)
        return Envelope.success(.created, user.json, message: "Account created. Check your email to verify it.")
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await signIn.verifyEmail(token: try Self.verificationToken(QueryParameters(request: request)))
        return Envelope.success(.ok, ["emailVerified": true], message: "Email verified successfully.")
    }

    @Sendable func resendVerification(_ request: Request, context: AppRequestContext) async throws -> Response {
        signIn.resendVerification(email: try await RequestBody.decode(request, allowed: ["email"]).email(), logger: context.logger)
        return Envelope.success(.ok, .object([]), message: "If an unverified account exists for this email, a new verification mail is on its way.")
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (email, password) = try Self.credentials(try await RequestBody.decode(request, allowed: ["email", "password"]))
        let signed = try await signIn.login(email: email, password: password, client: Self.client(request, context), logger: context.logger)
        return Self.json(signed, lifetime: signIn.tokens.lifetimeSeconds)
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let presented = try await RequestBody.decode(request, allowed: ["refreshToken"]).secret("refreshToken", maxBytes: 200)
        return Self.json(try await signIn.refresh(refreshToken: presented, logger: context.logger), lifetime: signIn.tokens.lifetimeSeconds)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await signIn.logout(refreshToken: try await RequestBody.decode(request, allowed: ["refreshToken"]).secret("refreshToken", maxBytes: 200))
        return Envelope.success(.ok, .object([]), message: "Logged out.")
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let tenant = try await account.tenant(user: user)
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

    /// What a forgotten-password request answers, known account or not.
    static let resetMailed = "If an account exists for this email, a reset mail is on its way."
    /// What a reset answers.
    static let passwordReset = "Password changed. Every session was signed out; log in again."

    @Sendable func forgotPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        signIn.forgotPassword(email: try await RequestBody.decode(request, allowed: ["email"]).email(), logger: context.logger)
        return Envelope.success(.ok, .object([]), message: Self.resetMailed)
    }

    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (token, password) = try Self.reset(try await RequestBody.decode(request, allowed: ["token", "password"]))
        try await signIn.resetPassword(token: token, password: password, client: Self.client(request, context))
        return Envelope.success(.ok, .object([]), message: Self.passwordReset)
    }

    /// A session's tokens as a login or refresh answers them.
    static func json(_ signed: DashboardSignIn.Signed, lifetime: Int64) -> Response {
        Envelope.success(
            .ok,
            [
                "accessToken": .string(signed.accessToken),
                "refreshToken": .string(signed.refreshToken),
                "tokenType": "Bearer",
                "expiresIn": .int(lifetime),
                "user": signed.user.json,
            ]
        )
    }
}
