import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The dashboard pages' session (docs/operations.md, "The dashboard"): the cookie holds
/// the refresh token of an API session that logging in through the page started — the
/// same session the API lists and revokes; each page reads it for its signed-in user and
/// calls the typed queries with that user. The cookie is `HttpOnly`, `SameSite=Lax`, `Secure` when
/// `PUBLIC_URL` is https, set only by a successful login (a new session each time, so no
/// fixation), and logging out ends the session on the server.
///
/// Forms carry `csrf`: HMAC-SHA256, under a key derived from the master key, of a random
/// value in a second cookie and of the session it is sent with — a page of another site
/// can neither read that cookie nor compute the field. Bound to the session (issue 25):
/// before, whoever planted a CSRF cookie from a sibling domain could read its field off a
/// signed-out page and forge a signed-in user's form (a key was created that way); now the
/// field of a signed-in form also needs the session cookie, which no other site can read.
struct WebSession: Sendable {
    static let sessionCookie = "pacspace_session"
    static let csrfCookie = "pacspace_csrf"

    let sessions: SessionStore
    let secure: Bool
    let lifetimeSeconds: Int64
    let now: @Sendable () -> Int64
    private let csrfKey: SymmetricKey

    init(
        sessions: SessionStore,
        publicURL: String,
        lifetimeSeconds: Int64,
        masterKey: [UInt8],
        now: @escaping @Sendable () -> Int64
    ) {
        self.sessions = sessions
        self.secure = publicURL.lowercased().hasPrefix("https://")
        self.lifetimeSeconds = lifetimeSeconds
        self.now = now
        csrfKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: masterKey),
            info: Array("pacspace csrf v1".utf8),
            outputByteCount: 32
        )
    }

    /// The signed-in user of the request and their session: nil without a live session cookie.
    func signedIn(_ request: Request) async throws -> SignedIn? {
        guard let token = Self.cookie(Self.sessionCookie, in: request), token.utf8.count <= 200 else { return nil }
        guard let (user, sessionID) = try await sessions.live(refreshHash: AccessTokens.digest(token), now: now()) else { return nil }
        return SignedIn(user: user, sessionID: sessionID, refreshToken: token)
    }

    struct SignedIn: Sendable {
        let user: User
        let sessionID: String
        let refreshToken: String
    }

    // MARK: Cookies

    /// `Set-Cookie` for the session (the refresh token), or one that deletes it.
    func sessionCookie(_ refreshToken: String?) -> String {
        cookie(Self.sessionCookie, refreshToken ?? "", maxAge: refreshToken == nil ? 0 : lifetimeSeconds)
    }

    /// `Set-Cookie` for a new CSRF value.
    func newCSRFCookie() -> (header: String, value: String) {
        let value = Identifier.token(bytes: 16)
        return (cookie(Self.csrfCookie, value, maxAge: lifetimeSeconds), value)
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int64) -> String {
        "\(name)=\(value); Path=/app; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// The value of cookie `name` in the request.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    // MARK: CSRF

    /// The form field for the CSRF cookie's value: HMAC over the value, 0x00 and the SHA-256
    /// of the request's session cookie for a signed-in form (of "" for a signed-out one:
    /// logging in, signing up, asking for a reset act on no session).
    func csrfField(for cookieValue: String, in request: Request, signedIn: Bool) -> String {
        let session = signedIn ? Self.cookie(Self.sessionCookie, in: request) ?? "" : ""
        let message = Array(cookieValue.utf8) + [0] + Hash.sha256(Array(session.utf8)).bytes
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: csrfKey).prefix(16))
    }

    /// Whether the form's `csrf` matches the request's CSRF cookie (and, signed in, its
    /// session), in constant time.
    func csrfHolds(_ field: String?, _ request: Request, signedIn: Bool) -> Bool {
        guard let field, let cookie = Self.cookie(Self.csrfCookie, in: request), !cookie.isEmpty, cookie.utf8.count <= 64 else { return false }
        return ConstantTime.equals(Array(field.utf8), Array(csrfField(for: cookie, in: request, signedIn: signedIn).utf8))
    }
}
