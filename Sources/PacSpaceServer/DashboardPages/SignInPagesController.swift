import Hummingbird
import PacSpaceCore

/// The dashboard's sign-in pages (docs/operations.md, "The dashboard"): sign up, the
/// mailed verification link, log in and out, forgotten and reset passwords. Each form is
/// the `/dashboard/auth` route of the same name, called in process; its answer is shown.
struct SignInPagesController: Sendable {
    let kit: AppPageKit

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
        return kit.render(.appLogin, [:], request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        // The session is the browser's: it is listed with the browser's user agent.
        var headers = HTTPFields()
        if let agent = request.headers[.userAgent] { headers[.userAgent] = agent }
        let answer = try await kit.api.call(
            .post,
            "/dashboard/auth/login",
            body: form.json(["email", "password"], omitEmpty: false),
            headers: headers,
            context: context
        )
        guard answer.ok, let refreshToken = answer.data["refreshToken"]?.text else {
            let values: [String: Any] = ["error": answer.message, "email": form["email"] ?? ""]
            return kit.render(.appLogin, values, request: request, context: context, status: answer.status)
        }
        // A new session and a new CSRF value at each login: nothing set before it carries over.
        return AppPageKit.redirect("/app", cookies: [kit.web.sessionCookie(refreshToken), kit.web.newCSRFCookie().header])
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await kit.form(request)
        if let me = try await kit.web.signedIn(request) {
            _ = try await kit.api.call(.post, "/dashboard/auth/logout", body: ["refreshToken": .string(me.refreshToken)], context: context)
        }
        return AppPageKit.redirect("/app/login", cookies: [kit.web.sessionCookie(nil)])
    }

    @Sendable func signupPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        kit.render(.appSignup, [:], request: request, context: context)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        let fields = ["email", "password", "firstName", "lastName", "companyName"]
        let answer = try await kit.api.call(.post, "/dashboard/auth/register", body: form.json(fields, omitEmpty: false), context: context)
        guard answer.ok else {
            var values: [String: Any] = ["error": answer.message]
            for field in fields where field != "password" { values[field] = form[field] ?? "" }
            return kit.render(.appSignup, values, request: request, context: context, status: answer.status)
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
        let token = try QueryParameters(request: request).string("token", maxLength: 200) ?? ""
        let answer = try await kit.api.call(.get, "/dashboard/auth/verify?token=\(AppPageKit.escape(token))", context: context)
        guard answer.ok else {
            return kit.message(
                "Link not valid",
                answer.message,
                link: ("/app/login", "Log in"),
                request: request,
                context: context,
                status: answer.status
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
        kit.render(.appPassword, ["heading": "Forgot your password?", "forgot": true], request: request, context: context)
    }

    @Sendable func forgot(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        let answer = try await kit.api.call(.post, "/dashboard/auth/forgot-password", body: form.json(["email"], omitEmpty: false), context: context)
        guard answer.ok else {
            let values: [String: Any] = ["heading": "Forgot your password?", "forgot": true, "error": answer.message]
            return kit.render(.appPassword, values, request: request, context: context, status: answer.status)
        }
        return kit.message("Check your email", answer.message, link: ("/app/login", "Log in"), request: request, context: context)
    }

    @Sendable func resetPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try QueryParameters(request: request).string("token", maxLength: 200) ?? ""
        return kit.render(.appPassword, ["heading": "Choose a new password", "reset": true, "token": token], request: request, context: context)
    }

    @Sendable func reset(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await kit.form(request, signedOut: true)
        let answer = try await kit.api.call(
            .post,
            "/dashboard/auth/reset-password",
            body: form.json(["token", "password"], omitEmpty: false),
            context: context
        )
        guard answer.ok else {
            let values: [String: Any] = ["heading": "Choose a new password", "reset": true, "token": form["token"] ?? "", "error": answer.message]
            return kit.render(.appPassword, values, request: request, context: context, status: answer.status)
        }
        return kit.message("Password changed", answer.message, link: ("/app/login", "Log in"), request: request, context: context)
    }
}
