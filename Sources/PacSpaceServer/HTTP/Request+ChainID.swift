import Foundation
import Hummingbird
import PacSpaceCore

extension Request {
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
