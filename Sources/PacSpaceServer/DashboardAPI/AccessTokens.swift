import Foundation
import JWTKit
import PacSpaceCore
import PacSpaceStore

/// The claims of a dashboard access token (docs/api.md §2), plus `sid` (the session, so that
/// revoking it ends the token at once), `iss` and `aud`.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var tid: String
    var role: String
    var sid: String
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim

    /// Who issues and who accepts dashboard access tokens.
    static let audience = "pacspace-dashboard"

    func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: Self.audience)
    }
}

/// Issues and checks short-lived HS256 access tokens, and makes the opaque tokens
/// (refresh, email) whose SHA-256 is all the database keeps.
struct AccessTokens: Sendable {
    private let keys: JWTKeyCollection
    /// The key id of the signing key (the ring's first).
    let keyID: JWKIdentifier
    /// The `iss` of every token: this server's public URL.
    let issuer: String
    let lifetimeSeconds: Int64

    /// Tokens whose `iat` lies further ahead than this are refused (clock skew between
    /// servers sharing a key).
    static let skewSeconds: Double = 60

    /// Why a well-signed token is still refused.
    struct Refused: Error {}

    /// Signs with `secrets[0]`; every secret of the ring verifies tokens whose `kid` names it
    /// (a retired key, until the tokens it signed have expired).
    init(secrets: [[UInt8]], issuer: String, lifetimeSeconds: Int64) async {
        let keys = JWTKeyCollection()
        // The first added is JWTKit's default, which checks tokens without a kid or with an
        // unknown one: the current key, so a dropped key's tokens fail.
        for secret in secrets {
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: Self.keyID(secret)))
        }
        keyID = JWKIdentifier(string: Self.keyID(secrets.first ?? []))
        self.keys = keys
        self.issuer = issuer
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// The key id names the key without revealing it (a hash of a ≥ 256-bit secret), so
    /// tokens say which key signed them and a rotated key can be told apart.
    static func keyID(_ secret: [UInt8]) -> String {
        "hs256-" + Hex.encode(Array(Hash.sha256(Array("pacspace-jwt-kid:".utf8) + secret).bytes.prefix(8)))
    }

    /// A signed access token for `user` in `session`, valid from `now` (epoch ms).
    func issue(for user: User, session: String, now: Int64) async throws -> String {
        let issued = Date(timeIntervalSince1970: Double(now) / 1000)
        return try await keys.sign(
            AccessClaims(
                sub: .init(value: user.id),
                tid: user.tenantID,
                role: user.role.rawValue,
                sid: session,
                iss: .init(value: issuer),
                aud: .init(value: [AccessClaims.audience]),
                exp: .init(value: issued.addingTimeInterval(Double(lifetimeSeconds))),
                iat: .init(value: issued),
                jti: .init(value: Identifier.token(bytes: 16))
            ),
            kid: keyID
        )
    }

    /// The claims of a valid token: signed by our key, unexpired, ours (`iss`, `aud`), and
    /// no longer-lived than we issue (a token signed with a leaked key for a century is
    /// still refused), issued no later than now.
    func verify(_ token: String, now: Int64) async throws -> AccessClaims {
        let claims = try await keys.verify(token, as: AccessClaims.self)
        let issuedAt = claims.iat.value.timeIntervalSince1970
        guard claims.iss.value == issuer,
            claims.exp.value.timeIntervalSince1970 - issuedAt <= Double(lifetimeSeconds) + Self.skewSeconds,
            issuedAt <= Double(now) / 1000 + Self.skewSeconds
        else { throw Refused() }
        return claims
    }

    /// A new opaque token with a prefix, e.g. `rt_…`.
    static func opaque(_ prefix: String) -> String { prefix + "_" + Identifier.token(bytes: 32) }

    /// What the database stores for an opaque token: hex SHA-256. The tokens carry 256
    /// random bits, so a fast hash is enough; lookups by hash are constant-time in effect.
    static func digest(_ token: String) -> String { Hex.encode(Hash.sha256(Array(token.utf8)).bytes) }
}
