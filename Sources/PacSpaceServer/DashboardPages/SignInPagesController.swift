import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's sign-in pages (docs/operations.md, "The dashboard"): sign up, the
/// mailed verification link, log in and out, forgotten and reset passwords. Each form is
/// parsed by the `/dashboard/auth` route's own parser and calls the typed query that route
/// answers from (``DashboardSignIn``); its refusal is shown on the form.
struct SignInPagesController: Sendable {
    let kit: AppPageKit
    let signIn: DashboardSignIn

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/login", use: loginPage)
        router.post("app/login", use: login)
        router.post("app/logout", use: logout)
        router.get("app/signup", use: signupPage)
        router.post("app/signup", use: signup)
        router.get("app/verify-email", use: verifyEmail)
        router.get("app/forgot-password", use: forgotPage)
        router.post("app/forgot-password", use: forgot)
        router.get("app/reset-password", use: resetPage)
        router.post("app/reset-password", use: reset)
    }

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        if try await kit.web.signedIn(request) != nil { return AppPageKit.redirect("/app") }
        return kit.render(.appLogin, LoginPage(email: ""), request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        do {
            let (email, password) = try DashboardAuthController.credentials(try form.body(["email", "password"], omitEmpty: false))
            // The session is the browser's: it is listed with the browser's user agent.
            let signed = try await signIn.login(
                email: email,
                password: password,
                client: DashboardAuthController.client(request, context),
                logger: context.logger
            )
            // A new session and a new CSRF value at each login: nothing set before it carries over.
            return AppPageKit.redirect("/app", cookies: [kit.web.sessionCookie(signed.refreshToken), kit.web.newCSRFCookie().header])
        } catch let refusal as APIError {
            let model = LoginPage(email: form["email"] ?? "")
            return kit.render(.appLogin, model, request: request, context: context, error: refusal.message, status: refusal.status)
        }
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await kit.form(request)
        if let me = try await kit.web.signedIn(request) { try await signIn.logout(refreshToken: me.refreshToken) }
        return AppPageKit.redirect("/app/login", cookies: [kit.web.sessionCookie(nil)])
    }

    @Sendable func signupPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        kit.render(.appSignup, SignUpPage(form: nil), request: request, context: context)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        do {
            let registration = try DashboardAuthController.registration(
                try form.body(DashboardAuthController.registrationFields, omitEmpty: false)
            )
            _ = try await signIn.register(registration, client: DashboardAuthController.client(request, context), logger: context.logger)
        } catch let refusal as APIError {
            return kit.render(.appSignup, SignUpPage(form: form), request: request, context: context, error: refusal.message, status: refusal.status)
        }
        return kit.message(
            "Check your email",
            "We sent a link to \(form["email"] ?? "your address"). Open it to verify the address, then log in.",
            link: ("/app/login", "Log in"),
            request: request,
            context: context
        )
    }

    @Sendable func verifyEmail(_ request: Request, context: AppRequestContext) async throws -> Response {
        do {
            try await signIn.verifyEmail(token: try DashboardAuthController.verificationToken(QueryParameters(request: request)))
        } catch let refusal as APIError {
            return kit.message(
                "Link not valid",
                refusal.message,
                link: ("/app/login", "Log in"),
                request: request,
                context: context,
                status: refusal.status
            )
        }
        return kit.message(
            "Email verified",
            "Your address is verified. Log in to continue.",
            link: ("/app/login", "Log in"),
            request: request,
            context: context
        )
    }

    @Sendable func forgotPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        kit.render(.appPassword, PasswordPage.forgot, request: request, context: context)
    }

    @Sendable func forgot(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        do {
            signIn.forgotPassword(email: try form.body(["email"], omitEmpty: false).email(), logger: context.logger)
        } catch let refusal as APIError {
            return kit.render(.appPassword, PasswordPage.forgot, request: request, context: context, error: refusal.message, status: refusal.status)
        }
        return kit.message(
            "Check your email",
            DashboardAuthController.resetMailed,
            link: ("/app/login", "Log in"),
            request: request,
            context: context
        )
    }

    @Sendable func resetPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try QueryParameters(request: request).string("token", maxLength: 200) ?? ""
        return kit.render(.appPassword, PasswordPage.reset(token: token), request: request, context: context)
    }

    @Sendable func reset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        do {
            let (token, password) = try DashboardAuthController.reset(try form.body(["token", "password"], omitEmpty: false))
            try await signIn.resetPassword(token: token, password: password, client: DashboardAuthController.client(request, context))
        } catch let refusal as APIError {
            let model = PasswordPage.reset(token: form["token"] ?? "")
            return kit.render(.appPassword, model, request: request, context: context, error: refusal.message, status: refusal.status)
        }
        return kit.message(
            "Password changed",
            DashboardAuthController.passwordReset,
            link: ("/app/login", "Log in"),
            request: request,
            context: context
        )
    }
}
