import Crypto

/// The `X-PacSpace-Signature` of a webhook delivery (docs/api.md §7).
///
/// One signature is `v1=` and the lowercase hex HMAC-SHA256 of `"<timestamp>.<raw body>"`,
/// keyed with the secret string as UTF-8 (`whsec_` prefix included). During a rotation
/// overlap the header carries two, comma separated, newest first; a receiver accepts the
/// delivery when any one matches its secret.
public enum WebhookSignature {
    /// The prefix of every signing secret.
    public static let secretPrefix = "whsec_"

    /// A new signing secret: `whsec_` and 32 random bytes as hex (256 bits).
    public static func makeSecret() -> String {
        secretPrefix + Hex.encode(Identifier.randomBytes(32))
    }

    /// `v1=<hex>` for one secret.
    public static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "v1=" + Hex.encode(Array(mac))
    }

    /// The header value for `secrets`, newest first.
    public static func header(secrets: [String], timestamp: Int64, body: [UInt8]) -> String {
        secrets.map { sign(secret: $0, timestamp: timestamp, body: body) }.joined(separator: ",")
    }

    /// True when one of the header's `v1=` values is the signature under `secret`
    /// (each comparison constant-time). What a receiver does; used by our own tests.
    public static func verify(header: String, secret: String, timestamp: Int64, body: [UInt8]) -> Bool {
        let expected = Array(sign(secret: secret, timestamp: timestamp, body: body).utf8)
        return header.split(separator: ",").contains { candidate in
            ConstantTime.equals(Array(candidate.drop(while: { $0 == " " }).utf8), expected)
        }
    }
}
