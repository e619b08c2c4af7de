import Foundation
import Hummingbird
import Logging
import NIOCore
import PacSpaceCore
import PacSpaceStore

/// The context of one request: its id, the caller's address and, on dashboard routes,
/// the authenticated user.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `req_…`, echoed in the `X-Request-Id` header and every log line.
    public var requestID = ""
    /// The peer address.
    public let remoteIP: String
    /// The client's address: the peer, or behind a trusted proxy the address it names
    /// (``ClientAddressMiddleware``). What rate limits and the sessions list use.
    public var clientAddress: String
    /// The dashboard user, set by ``DashboardAuthMiddleware``.
    public var user: User?
    /// The user's session (`ses_…`), set with ``user``.
    public var sessionID: String?
    /// The Balance API key, set by ``APIKeyMiddleware``.
    public var apiKey: APIKeyIdentity?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.clientAddress = remoteIP
    }

    /// The authenticated API key; only call on routes behind ``APIKeyMiddleware``.
    func requireKey() throws -> APIKeyIdentity {
        guard let apiKey else { throw APIError(.unauthorized, .invalidApiKey, "Send X-Api-Key.") }
        return apiKey
    }

    /// The authenticated user, if allowed to change `what` (viewers are not: 403).
    func requireManager(of what: String) throws -> User {
        let user = try requireUser()
        try user.requireManager(of: what)
        return user
    }

    /// The path parameter `name`, percent-decoded: clients quote ids (the SDK with
    /// `quote(id, safe='')`), so `/derive/cust%3A1.x` names `cust:1.x`. Malformed
    /// escapes and an empty value are 400.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError.invalid(name, "encoding", "The \(name) in the path is not valid percent-encoded UTF-8.")
        }
        // No id holds a control character; NUL would not even reach PostgreSQL's TEXT (found by scripts/hostile-test).
        guard !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw APIError.invalid(name, "format", "The \(name) in the path holds a control character.")
        }
        return decoded
    }

    /// The authenticated user; only call on routes behind ``DashboardAuthMiddleware``.
    func requireUser() throws -> User {
        guard let user else { throw APIError.unauthorized("Authentication required.") }
        return user
    }
}

extension User {
    /// Viewers read; every other role may also change `what` (403 otherwise). The one role
    /// check of the dashboard, for its JSON routes and its typed queries alike.
    func requireManager(of what: String) throws {
        guard role.canWrite else { throw APIError.forbidden("Viewers cannot manage \(what); ask an owner or admin.") }
    }
}
