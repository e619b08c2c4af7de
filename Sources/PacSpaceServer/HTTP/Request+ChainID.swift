import Foundation
import Hummingbird
import PacSpaceCore

extension Request {
    /// The environment `X-Environment` names (`sandbox`/`testnet`, `production`/`mainnet`;
    /// docs/api.md §10), nil without the header, 400 for anything else.
    func namedEnvironment() throws -> EnvironmentName? {
        guard let header = headers[.environment] else { return nil }
        switch header.trimmingCharacters(in: .whitespaces).lowercased() {
        case "sandbox", "testnet": return .testnet
        case "production", "mainnet": return .mainnet
        default: throw APIError.invalid("X-Environment", "enum", "X-Environment must be sandbox or production.")
        }
    }

    /// Refuses an `X-Chain-Id` that is not `environment`'s chain id (400). The official SDK
    /// may send one on any request; none sent is fine.
    func checkChainID(of environment: EnvironmentName) throws {
        guard let chain = headers[.chainID], chain.trimmingCharacters(in: .whitespaces) != String(environment.chainID) else { return }
        throw APIError.invalid(
            "X-Chain-Id",
            "mismatch",
            "X-Chain-Id \(chain) does not match the environment \(environment.rawValue) (chain id \(environment.chainID))."
        )
    }
}
