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
        APIKey(environment: environment, publicID: String(Identifier.make("k").dropFirst(2)),
               secret: Hex.encode(Identifier.randomBytes(32)))
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
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let pk = parts[0].split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        let sk = parts[1].split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard pk.count == 3, sk.count == 3, pk[0] == "pk", sk[0] == "sk", pk[1] == sk[1],
              Self.logEnvironments[String(pk[1])] != nil,
              (1...64).contains(pk[2].count), pk[2].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              (1...128).contains(sk[2].count), sk[2].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        self.init(environment: String(pk[1]), publicID: String(pk[2]), secret: String(sk[2]))
    }
}
