import Crypto
import Hummingbird
import PacSpaceCore

/// `PACSPACE_METRICS_TOKEN`, the operator's bearer token: it opens `/metrics` and the detail
/// of `/readyz`. Kept as its SHA-256 and compared in constant time whatever the length sent;
/// a wrong token counts as a failed authentication of the client address, like a wrong key.
struct OperatorToken: Sendable {
    /// nil when no token is set: then nothing it guards is served.
    let hash: [UInt8]?
    let limiter: RateLimiter
    let limits: RateLimits
    let now: @Sendable () -> Int64

    init(_ token: String?, limiter: RateLimiter, limits: RateLimits, now: @escaping @Sendable () -> Int64) {
        hash = token.map { Array(SHA256.hash(data: Array($0.utf8))) }
        self.limiter = limiter
        self.limits = limits
        self.now = now
    }

    static let refusal = APIError(.unauthorized, .unauthorized, "Send the metrics token as Authorization: Bearer <PACSPACE_METRICS_TOKEN>.")

    /// Whether the request carries the token: false without an Authorization header (or with
    /// no token set); a wrong one is 401, and 429 once the address has failed too often.
    func presented(_ request: Request, _ context: AppRequestContext) throws -> Bool {
        guard let hash, let sent = request.bearerToken else { return false }
        let at = now()
        let address = RateLimiter.key(address: context.clientAddress)
        if let wait = limiter.wait(.authFailure, address, limits.authFailures, now: at) { throw APIError.rateLimited(after: wait) }
        guard ConstantTime.equals(Array(SHA256.hash(data: Array(sent.utf8))), hash) else {
            _ = limiter.take(.authFailure, address, limits.authFailures, now: at)
            throw Self.refusal
        }
        return true
    }
}
