import Foundation
import JWTKit
import PacSpaceCore
import PacSpaceStore

/// The claims of a dashboard access token (api.md §2).
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var tid: String
    var role: String
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim

    func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and checks short-lived HS256 access tokens, and makes the opaque tokens
/// (refresh, email) whose SHA-256 is all the database keeps.
struct AccessTokens: Sendable {
    private let keys: JWTKeyCollection
    let lifetimeSeconds: Int64

    init(secret: [UInt8], lifetimeSeconds: Int64) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A signed access token for `user`, valid from `now` (epoch ms).
    func issue(for user: User, now: Int64) async throws -> String {
        let issued = Date(timeIntervalSince1970: Double(now) / 1000)
        return try await keys.sign(AccessClaims(
            sub: .init(value: user.id), tid: user.tenantID, role: user.role,
            exp: .init(value: issued.addingTimeInterval(Double(lifetimeSeconds))), iat: .init(value: issued),
            jti: .init(value: Identifier.token(bytes: 16))))
    }

    /// The claims of a valid, unexpired token.
    func verify(_ token: String) async throws -> AccessClaims {
        try await keys.verify(token, as: AccessClaims.self)
    }

    /// A new opaque token with a prefix, e.g. `rt_…`.
    static func opaque(_ prefix: String) -> String { prefix + "_" + Identifier.token(bytes: 32) }

    /// What the database stores for an opaque token: hex SHA-256. The tokens carry 256
    /// random bits, so a fast hash is enough; lookups by hash are constant-time in effect.
    static func digest(_ token: String) -> String { Hex.encode(Hash.sha256(Array(token.utf8)).bytes) }
}
