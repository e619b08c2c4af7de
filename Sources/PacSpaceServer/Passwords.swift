import HummingbirdBcrypt
import NIOPosix

/// bcrypt password hashing on the thread pool (it is slow on purpose and must not block
/// an event loop). bcrypt reads at most 72 bytes, so longer passwords are refused at the
/// API rather than silently truncated.
struct Passwords: Sendable {
    static let maxBytes = 72
    static let minLength = 10

    let cost: Int
    /// A hash of a random password, verified against when the email is unknown so that
    /// both failures take the same time.
    let decoy: String

    init(cost: Int) async throws {
        self.cost = cost
        self.decoy = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash("decoy-\(UInt64.random(in: 0 ... .max))", cost: UInt8(cost)) }
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: UInt8(cost)) }
    }

    /// Constant-time check inside bcrypt; `hash` nil checks against the decoy.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        let target = hash ?? decoy
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return matches && hash != nil
    }
}
