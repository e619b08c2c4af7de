/// The two environments of a tenant: sandbox and production. Everything that varies with
/// the environment is here (its chain id, its name in the hosted dashboard's
/// `X-Environment` header) but its API-key kind, which is `APIKey.Kind.environment`.
public enum EnvironmentName: String, CaseIterable, Sendable, Codable {
    /// Sandbox: `pk_test_…` keys, free.
    case testnet
    /// Production: `pk_live_…` keys, paid in credits.
    case mainnet

    /// The chain id the official SDK sends as `X-Chain-Id` (and the contracts list shows).
    public var chainID: Int {
        switch self {
        case .testnet: 296
        case .mainnet: 295
        }
    }

    /// Whether writes here are paid for in credits.
    public var isPaid: Bool { self == .mainnet }
}
