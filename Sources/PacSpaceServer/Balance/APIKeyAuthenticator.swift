import HTTPTypes
import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle
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
///
/// Entries in use are read again together, every ``refreshInterval`` (``run()``), before
/// they expire: read one by one as each expired, 10,000 keys in rotation cost about 2,000
/// reads of two queries a second, and single emits over them ran at 0.87× those over 100
/// keys of the same environments (1.08× with entries that never expired; issue 28).
final class APIKeyAuthenticator: Service, Sendable {
    static let cacheMillis: Int64 = 5_000
    /// Under half of ``cacheMillis``: an entry used in one interval is read again in the
    /// next, before it expires.
    static let refreshInterval: Duration = .seconds(2)
    static let touchIntervalMillis: Int64 = 60_000

    private struct Entry: Sendable {
        let key: APIKeyRecord
        let environment: EnvironmentRecord?
        let fetchedAt: Int64
        /// Used since the last refresh.
        var used = false
    }

    private let keys: APIKeyStore
    private let environments: EnvironmentStore
    private let logger: Logger
    private let cache = Mutex<[String: Entry]>([:])
    private let touched = Mutex<[String: Int64]>([:])
    /// Uses not yet written; not empty exactly while a ``writeUses()`` is on its way.
    private let pendingUses = Mutex<[String: Int64]>([:])

    /// Keys forgotten while a refresh reads: it must not put back what it read before.
    private let forgotten = Mutex<Set<String>>([])
    private let now: @Sendable () -> Int64

    init(keys: APIKeyStore, environments: EnvironmentStore, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.keys = keys
        self.environments = environments
        self.logger = logger
        self.now = now
    }

    /// Drops a key from the cache (after rename, disable, rotation, revocation).
    func forget(publicID: String) {
        forgotten.withLock { _ = $0.insert(publicID) }
        _ = cache.withLock { $0.removeValue(forKey: publicID) }
    }

    /// Reads the keys in use again every ``refreshInterval``, until graceful shutdown.
    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.refreshInterval) }
            await refresh()
        }
    }

    /// Reads again, in one query per 1,000, the keys used since the last refresh and their
    /// environments; drops the entries nobody used that have expired.
    func refresh() async {
        let started = now()
        forgotten.withLock { $0.removeAll() }
        let due = cache.withLock { cache in
            cache = cache.filter { $0.value.used || started - $0.value.fetchedAt < Self.cacheMillis }
            return cache.filter(\.value.used).map(\.key)
        }
        guard !due.isEmpty else { return }
        do {
            let fresh = try await read(due, at: started)
            let skipped = forgotten.withLock { $0 }
            cache.withLock { cache in
                for id in due where !skipped.contains(id) { cache[id] = fresh[id] }
            }
        } catch {
            // The entries expire as they would have: each is then read on its own at its next use.
            logger.warning("cannot read the API keys in use again", metadata: ["keys": .stringConvertible(due.count), "error": .string("\(error)")])
        }
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
        let cached = cache.withLock { cache -> Entry? in
            guard let entry = cache[publicID], now - entry.fetchedAt < Self.cacheMillis else { return nil }
            if !entry.used { cache[publicID]?.used = true }
            return entry
        }
        if let cached { return cached }
        guard var entry = try await read([publicID], at: now)[publicID] else { return nil }
        entry.used = true
        cache.withLock {
            if $0.count > 50_000 { $0.removeAll() }
            $0[publicID] = entry
        }
        return entry
    }

    /// The cache entries of the keys `publicIDs` that exist, read at `fetchedAt`: the keys in
    /// one query per 1,000, their tenants' environments likewise.
    private func read(_ publicIDs: [String], at fetchedAt: Int64) async throws -> [String: Entry] {
        let found = try await keys.keys(publicIDs: publicIDs)
        guard !found.isEmpty else { return [:] }  // an unknown key costs one query, not two
        let owned = Dictionary(grouping: try await environments.environments(tenantIDs: Array(Set(found.map(\.tenantID)))), by: \.tenantID)
        var entries: [String: Entry] = [:]
        for key in found {
            let environment = owned[key.tenantID]?.first { $0.environment == key.kind.environment }
            entries[key.publicID] = Entry(key: key, environment: environment, fetchedAt: fetchedAt)
        }
        return entries
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
