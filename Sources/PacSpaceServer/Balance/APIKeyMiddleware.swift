import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PacSpaceCore

extension HTTPField.Name {
    static let apiKey = literal("X-Api-Key")
    static let chainID = literal("X-Chain-Id")
    static let environment = literal("X-Environment")
    static let idempotencyKey = literal("Idempotency-Key")
    static let idempotentReplayed = literal("Idempotent-Replayed")
    static let requestID = literal("X-Request-Id")
    static let referrerPolicy = literal("Referrer-Policy")
    static let forwardedFor = literal("X-Forwarded-For")

    /// A header name written as a literal here. Each is a valid token (RFC 9110 §5.6.2), so
    /// the fallback is never taken; the HTTP tests of each header (ProtocolTests, DeltaInputTests) would see `Via`.
    private static func literal(_ name: String) -> Self { Self(name) ?? .via }
}

/// Authenticates Balance API requests by `X-Api-Key`; the key chooses the environment.
/// An `X-Chain-Id` that contradicts the key's environment is a 400.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: APIKeyAuthenticator
    let limiter: RateLimiter
    let limits: RateLimits
    let now: @Sendable () -> Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let identity = try await identify(request, context: context)
        var context = context
        context.apiKey = identity
        context.logger[metadataKey: "keyId"] = .string(identity.keyID)
        context.logger[metadataKey: "environmentId"] = .string(identity.environmentID)
        return try await next(request, context)
    }

    /// The request's key, checked as every use of a key is: a failure counts against the
    /// address, a valid key against its own rate, and `X-Chain-Id` must match. The
    /// dashboard's customer routes, which take a key beside the token, check it here too.
    func identify(_ request: Request, context: Context) async throws -> APIKeyIdentity {
        let now = now()
        // An address that keeps failing is turned away before its next key is even looked up.
        let address = RateLimiter.key(address: context.clientAddress)
        if let wait = limiter.wait(.authFailure, address, limits.authFailures, now: now) { throw APIError.rateLimited(after: wait) }
        let identity: APIKeyIdentity
        do {
            identity = try await authenticator.authenticate(request.headers[.apiKey], now: now)
        } catch let error as APIError where error.status == .unauthorized {
            _ = limiter.take(.authFailure, address, limits.authFailures, now: now)
            throw error
        }
        if let wait = limiter.take(.key, identity.keyID, limits.apiKey, now: now) { throw APIError.rateLimited(after: wait) }
        try request.checkChainID(of: identity.environment)
        return identity
    }
}
