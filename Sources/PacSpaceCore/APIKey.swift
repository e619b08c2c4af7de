/// An API key as it travels: `pk_<env>_<publicId>.sk_<env>_<secret>` (api.md §4).
///
/// The public part names the key and may be logged; the secret is shown once at
/// creation and only its SHA-256 is stored (it carries 256 random bits, so a slow hash
/// adds nothing).
public struct APIKey: Sendable, Equatable {
    /// `test` (sandbox, testnet) or `live` (production, mainnet).
    public let environment: String
    public let publicID: String
    public let secret: String

    /// The environments keys exist for, and the log environment each one writes to.
    public static let logEnvironments = ["test": "testnet", "live": "mainnet"]

    public init(environment: String, publicID: String, secret: String) {
        self.environment = environment
        self.publicID = publicID
        self.secret = secret
    }

    /// A fresh key for `environment` (`test` or `live`).
    public static func generate(environment: String) -> APIKey {
        APIKey(
            environment: environment,
            publicID: String(Identifier.make("k").dropFirst(2)),
            secret: Hex.encode(Identifier.randomBytes(32))
        )
    }

    /// `pk_<env>_<publicId>`.
    public var publicKey: String { "pk_\(environment)_\(publicID)" }
    /// `sk_<env>_<secret>`.
    public var secretKey: String { "sk_\(environment)_\(secret)" }
    /// What clients send as `X-Api-Key`.
    public var fullKey: String { publicKey + "." + secretKey }

    /// Hex SHA-256 of the secret, as stored.
    public var secretHash: String { Self.hash(secret: secret) }

    public static func hash(secret: String) -> String { Hex.encode(Hash.sha256(Array(secret.utf8)).bytes) }

    /// Parses `pk_<env>_<publicId>.sk_<env>_<secret>`; nil for anything else, including
    /// a public and a secret part of different environments.
    ///
    /// Read as UTF-8 bytes: every API request parses its key.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let pk = parts[0].split(separator: UInt8(ascii: "_"), maxSplits: 2, omittingEmptySubsequences: false)
        let sk = parts[1].split(separator: UInt8(ascii: "_"), maxSplits: 2, omittingEmptySubsequences: false)
        func alphanumeric(_ part: ArraySlice<UInt8>, upTo limit: Int) -> Bool {
            (1...limit).contains(part.count)
                && part.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) }
        }
        guard pk.count == 3, sk.count == 3, pk[0].elementsEqual("pk".utf8), sk[0].elementsEqual("sk".utf8), pk[1] == sk[1],
            alphanumeric(pk[2], upTo: 64), alphanumeric(sk[2], upTo: 128)
        else { return nil }
        let environment = String(decoding: pk[1], as: UTF8.self)
        guard Self.logEnvironments[environment] != nil else { return nil }
        self.init(environment: environment, publicID: String(decoding: pk[2], as: UTF8.self), secret: String(decoding: sk[2], as: UTF8.self))
    }
}
