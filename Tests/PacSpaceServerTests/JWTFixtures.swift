import Foundation
import JWTKit

@testable import PacSpaceServer

/// Access tokens made outside the server: forged, expired, or with altered claims. By
/// default the claims are those the server issues for the account's session.
enum JWTFixtures {
    static func token(
        for account: Account,
        secret: [UInt8],
        expiresIn: TimeInterval = 600,
        tenantID: String? = nil,
        issuer: String = TestServer.publicURL,
        audience: String = AccessClaims.audience,
        issuedAt: Date = Date()
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(
            AccessClaims(
                sub: .init(value: account.userID),
                tid: tenantID ?? account.tenantID,
                role: "owner",
                sid: session(of: account.accessToken),
                iss: .init(value: issuer),
                aud: .init(value: [audience]),
                exp: .init(value: issuedAt.addingTimeInterval(expiresIn)),
                iat: .init(value: issuedAt),
                jti: .init(value: UUID().uuidString)
            )
        )
    }

    /// The `sid` claim of a token the server issued.
    static func session(of token: String) -> String { part(1, of: token)["sid"] as? String ?? "" }

    /// The `kid` of a token's header.
    static func keyID(of token: String) -> String { part(0, of: token)["kid"] as? String ?? "" }

    private static func part(_ index: Int, of token: String) -> [String: Any] {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return [:] }
        var payload = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        guard let data = Data(base64Encoded: payload),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }
}
