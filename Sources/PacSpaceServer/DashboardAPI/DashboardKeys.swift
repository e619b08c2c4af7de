import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// The dashboard's API keys as typed queries (docs/api.md §4): each read or action one
/// function, with the tenant's scoping and the role check inside it. The JSON routes
/// (``APIKeysController``) parse, call and present; the keys page (``KeyPagesController``)
/// calls the same functions.
struct DashboardKeys: Sendable {
    let keys: APIKeyStore
    let environments: EnvironmentStore
    let authenticator: APIKeyAuthenticator
    let now: @Sendable () -> Int64

    /// The longest rotation overlap: 7 days.
    static let maxOverlapSeconds = 7 * 24 * 3600

    /// A key with its secret, shown this once: after creation or rotation.
    struct Issued: Sendable {
        let record: APIKeyRecord
        let key: APIKey
        /// Whether it replaced a secret (a rotation), and until when that one still works
        /// (nil: it stopped at once).
        let rotated: Bool
        let previousValidUntil: Int64?
    }

    /// A page of the tenant's keys, revoked ones left out, newest first.
    func list(user: User, page: Int, limit: Int) async throws -> (keys: [APIKeyRecord], total: Int) {
        let (items, total) = try await keys.list(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return (items, total)
    }

    /// One key of the tenant (404 otherwise).
    func key(user: User, id: String) async throws -> APIKeyRecord {
        guard let record = try await keys.key(id: id, tenantID: user.tenantID) else { throw APIError.notFound("No such API key.") }
        return record
    }

    /// A new key of `kind` (owners, admins, developers), its environment active; 409 past
    /// the quota.
    func create(user: User, name: String, kind: APIKey.Kind) async throws -> Issued {
        try user.requireManager(of: "API keys")
        let deployed = try await environments.environments(tenantID: user.tenantID)
            .contains { $0.environment == kind.environment && $0.status == .active }
        guard deployed else {
            throw APIError(
                .preconditionFailed,
                .contractNotDeployed,
                "The \(kind.environment.rawValue) environment is not active; provision it first (POST /dashboard/contracts/provision)."
            )
        }
        let key = APIKey.generate(kind: kind)
        let record = APIKeyRecord(
            id: Identifier.make("key"),
            tenantID: user.tenantID,
            kind: kind,
            name: name,
            publicID: key.publicID,
            secretHash: key.secretHash,
            createdAt: now()
        )
        do { try await keys.insert(record) } catch APIKeyStore.Refusal.limitReached {
            throw APIError(
                .conflict,
                .apiKeyLimitReached,
                "This workspace holds \(APIKeyStore.maxPerTenant) API keys, as many as it may; revoke one first."
            )
        }
        return Issued(record: record, key: key, rotated: false, previousValidUntil: nil)
    }

    /// Renames, disables or enables a key; at least one of `name` and `active`.
    func update(user: User, id: String, name: String?, active: Bool?) async throws -> APIKeyRecord {
        try user.requireManager(of: "API keys")
        guard name != nil || active != nil else {
            throw APIError(.badRequest, .validationError, "Send name and/or active to change.")
        }
        guard let record = try await keys.update(id: id, tenantID: user.tenantID, name: name, active: active) else {
            throw APIError.notFound("No such API key.")
        }
        authenticator.forget(publicID: record.publicID)
        return record
    }

    /// A new secret for the key; the old one keeps working for `overlapSeconds`
    /// (0…``maxOverlapSeconds``).
    func rotate(user: User, id: String, overlapSeconds: Int) async throws -> Issued {
        try user.requireManager(of: "API keys")
        let current = try await key(user: user, id: id)
        let key = APIKey(kind: current.kind, publicID: current.publicID, secret: APIKey.generate(kind: current.kind).secret)
        guard
            let record = try await keys.rotate(
                id: current.id,
                tenantID: user.tenantID,
                secretHash: key.secretHash,
                previousExpiresAt: now() + Int64(overlapSeconds) * 1000
            )
        else {
            throw APIError.notFound("No such API key.")
        }
        authenticator.forget(publicID: record.publicID)
        return Issued(record: record, key: key, rotated: true, previousValidUntil: overlapSeconds > 0 ? record.previousExpiresAt : nil)
    }

    /// Revokes the key for good.
    func revoke(user: User, id: String) async throws -> APIKeyRecord {
        try user.requireManager(of: "API keys")
        guard let record = try await keys.revoke(id: id, tenantID: user.tenantID, now: now()) else {
            throw APIError.notFound("No such API key.")
        }
        authenticator.forget(publicID: record.publicID)
        return record
    }
}
