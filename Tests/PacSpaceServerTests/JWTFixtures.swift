import Foundation
import JWTKit
@testable import PacSpaceServer

/// Access tokens made outside the server: forged, expired, or with altered claims.
enum JWTFixtures {
    static func token(for account: Account, secret: [UInt8], expiresIn: TimeInterval = 600, tenantID: String? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(AccessClaims(sub: .init(value: account.userID), tid: tenantID ?? account.tenantID, role: "owner",
                                                exp: .init(value: Date().addingTimeInterval(expiresIn)), iat: .init(value: Date()),
                                                jti: .init(value: UUID().uuidString)))
    }
}
