/// An API key as it travels: `pk_<env>_<publicId>.sk_<env>_<secret>` (docs/api.md §4).
///
/// The public part names the key and may be logged; the secret is shown once at
/// creation and only its SHA-256 is stored (it carries 256 random bits, so a slow hash
/// adds nothing).
public struct APIKey: Sendable, Equatable {
    /// The two kinds of key, one per environment.
    public enum Kind: String, CaseIterable, Sendable, Codable {
        /// Sandbox keys, `pk_test_…`, writing to testnet.
        case test
        /// Production keys, `pk_live_…`, writing to mainnet.
        case live

        /// The environment keys of this kind write to.
        public var environment: EnvironmentName {
            switch self {
            case .test: .testnet
            case .live: .mainnet
            }
        }
    }

    public let kind: Kind
    public let publicID: String
    public let secret: String

    public init(kind: Kind, publicID: String, secret: String) {
        self.kind = kind
        self.publicID = publicID
        self.secret = secret
    }

    /// A fresh key of `kind`.
    public static func generate(kind: Kind) -> APIKey {
        APIKey(
            kind: kind,
            publicID: String(Identifier.make("k").dropFirst(2)),
            secret: Hex.encode(Identifier.randomBytes(32))
        )
    }

    /// `pk_<env>_<publicId>`.
    public var publicKey: String { Self.publicKey(kind: kind, publicID: publicID) }

    /// The public part of any key of `kind` named `publicID` (a stored key's, without its secret).
    public static func publicKey(kind: Kind, publicID: String) -> String { "pk_\(kind.rawValue)_\(publicID)" }
    /// `sk_<env>_<secret>`.
    public var secretKey: String { "sk_\(kind.rawValue)_\(secret)" }
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
        guard let kind = Kind(rawValue: String(decoding: pk[1], as: UTF8.self)) else { return nil }
        self.init(kind: kind, publicID: String(decoding: pk[2], as: UTF8.self), secret: String(decoding: sk[2], as: UTF8.self))
    }
}
