import HTTPTypes
import HummingbirdBcrypt
import NIOCore
import NIOPosix
import PacSpaceCore
import Synchronization

/// bcrypt password hashing, slow on purpose, on threads of its own and behind a bounded
/// queue. bcrypt reads at most 72 bytes, so longer passwords are refused at the API rather
/// than silently truncated.
///
/// On the shared thread pool (which SQLite's readers use too) a flood of hashes delayed
/// everything else: 16 loops of bogus resets took a real login from 0.24 s to 9.2 s. Here
/// hashing has half the cores at most, and past ``maxWaiting`` waiting hashes a request is
/// refused at once (503 with Retry-After) instead of queueing without end.
///
/// The queue is shared fairly: each hash names whom it is for (a client address, a
/// workspace), and one owner holds at most ``maxPerOwner`` places in it. Before, one
/// address filled the whole queue and another user's login took 13.6 s (issue 25).
final class Passwords: Sendable {
    static let maxBytes = 72
    static let minLength = 10
    /// Hashes waiting for a thread, beyond those running, before new ones are refused.
    static let maxWaiting = 64
    /// Hashes one owner may have running or waiting at once.
    static let maxPerOwner = 4

    /// Process-wide: every server of the process (tests run several) shares the cores.
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
        pool.start()
        return pool
    }()

    let cost: Int
    /// Where the hashes run.
    let threads: NIOThreadPool
    /// A hash of a random password, verified against when the email is unknown so that
    /// both failures take the same time.
    let decoy: String
    /// Hashes running or waiting, in all and by owner.
    private let pending = Mutex<(total: Int, byOwner: [String: Int])>((0, [:]))

    init(cost: Int, threads: NIOThreadPool = Passwords.threads) async throws {
        self.cost = cost
        self.threads = threads
        self.decoy = try await threads.runIfActive { Bcrypt.hash("decoy-\(UInt64.random(in: 0 ... .max))", cost: UInt8(cost)) }
    }

    /// The hash of `password`, for `owner` (whom the queue's fairness counts it against).
    func hash(_ password: String, for owner: String) async throws -> String {
        let cost = self.cost
        return try await bounded(owner) { Bcrypt.hash(password, cost: UInt8(cost)) }
    }

    /// Constant-time check inside bcrypt; `hash` nil checks against the decoy.
    func verify(_ password: String, hash: String?, for owner: String) async throws -> Bool {
        let target = hash ?? decoy
        let matches = try await bounded(owner) { Bcrypt.verify(password, hash: target) }
        return matches && hash != nil
    }

    private func bounded<T: Sendable>(_ owner: String, _ work: @escaping @Sendable () -> T) async throws -> T {
        let admitted = pending.withLock { pending in
            let mine = pending.byOwner[owner] ?? 0
            guard pending.total < Self.maxWaiting + threads.numberOfThreads, mine < Self.maxPerOwner else { return false }
            pending.total += 1
            pending.byOwner[owner] = mine + 1
            return true
        }
        guard admitted else {
            throw APIError.retryLater(.serviceUnavailable, .serviceUnavailable, "The server is busy checking passwords; retry shortly.", after: 1)
        }
        defer {
            pending.withLock { pending in
                pending.total -= 1
                let left = (pending.byOwner[owner] ?? 1) - 1
                pending.byOwner[owner] = left > 0 ? left : nil
            }
        }
        return try await threads.runIfActive(work)
    }
}
