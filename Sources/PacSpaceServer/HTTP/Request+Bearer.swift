import Foundation
import Hummingbird

extension Request {
    /// The token of an `Authorization: Bearer <token>` header (the scheme is
    /// case-insensitive, RFC 9110 §11.1); nil when the header is absent, of another scheme
    /// or empty.
    var bearerToken: String? {
        guard let header = headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
