import HTTPTypes
import Logging
import PacSpaceCore
import PacSpaceStore
import Synchronization

/// Who a Balance API request acts for.
public struct APIKeyIdentity: Sendable, Equatable {
    public let keyID: String
    public let tenantID: String
    /// The environment the key writes to (`APIKey.Kind.environment` of its kind).
    public let environment: EnvironmentName
    /// The `ctr_…` id of the environment's log.
    public let environmentID: String
    /// The log's origin (fixed at provisioning): what v2 period roots are bound to.
    public let logOrigin: String
}

/// Checks `X-Api-Key` values. Keys and their environments are cached for a few seconds,
/// so a request normally authenticates without a database read; changes made through
/// this server drop the cache entry at once (other servers sharing a PostgreSQL
/// database see them within ``cacheMillis``).
///
/// The cache sits behind a lock held only to read or write an entry, not an actor: every
/// Balance API request passes here, and as an actor each one queued behind the others and
/// paid a task switch (issue 28). The secret is hashed outside the lock.
final class APIKeyAuthenticator: Sendable {
    static let cacheMillis: Int64 = 5_000
    static let touchIntervalMillis: Int64 = 60_000

    private struct Entry: Sendable {
        let key: APIKeyRecord
        let environment: EnvironmentRecord?
        let fetchedAt: Int64
    }

    private let keys: APIKeyStore
    private let environments: EnvironmentStore
    private let logger: Logger
    private let cache = Mutex<[String: Entry]>([:])
    private let touched = Mutex<[String: Int64]>([:])
    /// Uses not yet written; not empty exactly while a ``writeUses()`` is on its way.
    private let pendingUses = Mutex<[String: Int64]>([:])

    init(keys: APIKeyStore, environments: EnvironmentStore, logger: Logger) {
        self.keys = keys
        self.environments = environments
        self.logger = logger
    }

    /// Drops a key from the cache (after rename, disable, rotation, revocation).
    func forget(publicID: String) {
        _ = cache.withLock { $0.removeValue(forKey: publicID) }
    }

    /// The identity of a valid key for an active environment; 401 or 412 otherwise.
    func authenticate(_ header: String?, now: Int64) async throws -> APIKeyIdentity {
        guard let header, !header.isEmpty else {
            throw APIError(.unauthorized, .invalidApiKey, "Send your key as X-Api-Key: pk_<env>_….sk_<env>_… (from POST /dashboard/api-keys).")
        }
        let invalid = APIError(.unauthorized, .invalidApiKey, "The API key is invalid, disabled or revoked.")
        guard let presented = APIKey(parsing: header) else { throw invalid }
        let entry = try await lookup(presented.publicID, now: now)
        guard let key = entry?.key, key.kind == presented.kind, key.revokedAt == nil, key.active else { throw invalid }
        let hash = Array(APIKey.hash(secret: presented.secret).utf8)
        let current = ConstantTime.equals(hash, Array(key.secretHash.utf8))
        let previous = key.previousSecretHash.map { ConstantTime.equals(hash, Array($0.utf8)) } ?? false
        guard current || (previous && (key.previousExpiresAt ?? 0) > now) else { throw invalid }
        guard let environment = entry?.environment, environment.status == .active, let logOrigin = environment.logOrigin else {
            throw APIError(.preconditionFailed, .contractNotDeployed, "The key's environment is not active; provision it first.")
        }
        touch(key, now: now)
        return APIKeyIdentity(
            keyID: key.id,
            tenantID: key.tenantID,
            environment: environment.environment,
            environmentID: environment.id,
            logOrigin: logOrigin
        )
    }

    private func lookup(_ publicID: String, now: Int64) async throws -> Entry? {
        if let entry = cache.withLock({ $0[publicID] }), now - entry.fetchedAt < Self.cacheMillis { return entry }
        guard let key = try await keys.key(publicID: publicID) else { return nil }
        let environment = try await environments.environments(tenantID: key.tenantID).first { $0.environment == key.kind.environment }
        let entry = Entry(key: key, environment: environment, fetchedAt: now)
        cache.withLock {
            if $0.count > 50_000 { $0.removeAll() }
            $0[publicID] = entry
        }
        return entry
    }

    /// Records use at most once a minute per key, off the request path.
    private func touch(_ key: APIKeyRecord, now: Int64) {
        let due = touched.withLock { touched in
            guard now - (touched[key.id] ?? key.lastUsedAt ?? 0) >= Self.touchIntervalMillis else { return false }
            if touched.count > 50_000 { touched.removeAll() }
            touched[key.id] = now
            return true
        }
        guard due else { return }
        let first = pendingUses.withLock { pending in
            defer { pending[key.id] = now }
            return pending.isEmpty
        }
        if first { Task { await self.writeUses() } }
    }

    /// How long uses gather before they are written together.
    static let useGathering = Duration.milliseconds(500)

    /// Writes the uses gathered over ``useGathering`` in one transaction. One transaction a
    /// key was, with 10,000 keys in rotation, 10,000 fsynced commits in the first minute
    /// competing with ingest for the one writer (issue 28).
    private func writeUses() async {
        try? await Task.sleep(for: Self.useGathering)
        let uses = pendingUses.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        do { try await keys.touch(uses) } catch {
            logger.warning("cannot record API key use", metadata: ["keys": .stringConvertible(uses.count), "error": .string("\(error)")])
        }
    }
}
