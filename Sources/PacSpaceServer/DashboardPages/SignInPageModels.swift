/// `app-login.mustache`: the address typed before a refusal.
struct LoginPage: Sendable {
    let email: String
}

/// `app-signup.mustache`: what was typed before a refusal (never the password).
struct SignUpPage: Sendable {
    let email: String
    let firstName: String
    let lastName: String
    let companyName: String

    init(form: FormBody?) {
        email = form?["email"] ?? ""
        firstName = form?["firstName"] ?? ""
        lastName = form?["lastName"] ?? ""
        companyName = form?["companyName"] ?? ""
    }
}

/// `app-password.mustache`: ask for a reset mail, or choose a new password with its token.
struct PasswordPage: Sendable {
    let heading: String
    let forgot: Bool
    let reset: Bool
    let token: String

    static let forgot = PasswordPage(heading: "Forgot your password?", forgot: true, reset: false, token: "")

    static func reset(token: String) -> PasswordPage { PasswordPage(heading: "Choose a new password", forgot: false, reset: true, token: token) }
}
