import PacSpaceCore
import SQLKit

/// API keys of tenants. Revoked keys stay (as revoked) so their ids never come back.
public struct APIKeyStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// The most keys one tenant may hold unrevoked. A per-key rate limit caps nothing while a
    /// tenant can mint keys without end (issue 25); 100 leaves room for a key per service and
    /// region, and a revoked key frees its place.
    public static let maxPerTenant = 100

    /// Why a key was not stored.
    public enum Refusal: Error, Equatable, Sendable {
        /// The tenant holds ``maxPerTenant`` unrevoked keys.
        case limitReached
    }

    public func insert(_ key: APIKeyRecord) async throws {
        try await database.transaction { db in
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxPerTenant),
                    counting: "api_keys WHERE tenant_id = \(bind: key.tenantID) AND revoked_at IS NULL",
                    owner: "tenants WHERE id = \(bind: key.tenantID)",
                    database.dialect,
                    db
                )
            else { throw Refusal.limitReached }
            try await db.raw(
                """
                INSERT INTO api_keys (id, tenant_id, environment, name, public_id, secret_hash, previous_secret_hash,
                                      previous_expires_at, active, revoked_at, created_at, last_used_at)
                VALUES (\(bind: key.id), \(bind: key.tenantID), \(bind: key.kind.rawValue), \(bind: key.name), \(bind: key.publicID),
                        \(bind: key.secretHash), NULL, NULL, 1, NULL, \(bind: key.createdAt), NULL)
                """
            ).run()
        }
    }

    /// The tenant's keys that are not revoked, newest first, one page.
    public func list(tenantID: String, limit: Int, offset: Int) async throws -> (items: [APIKeyRecord], total: Int) {
        try await database.read { db in
            let total =
                try await db.raw("SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = \(bind: tenantID) AND revoked_at IS NULL")
                .first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                """
                SELECT * FROM api_keys WHERE tenant_id = \(bind: tenantID) AND revoked_at IS NULL
                ORDER BY created_at DESC, id LIMIT \(bind: limit) OFFSET \(bind: offset)
                """
            ).all()
            return (try rows.map(APIKeyRecord.init(row:)), Int(total))
        }
    }

    /// One key of the tenant (nil for another tenant's id or a revoked key).
    public func key(id: String, tenantID: String) async throws -> APIKeyRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND revoked_at IS NULL")
                .first().map(APIKeyRecord.init(row:))
        }
    }

    /// The keys with these public ids, whatever their state (authentication decides); one
    /// query per 1,000 ids.
    public func keys(publicIDs: [String]) async throws -> [APIKeyRecord] {
        try await database.read { db in
            try await RowBatch.select("t.*", from: "api_keys", key: [("public_id", .text)], in: publicIDs, db) { id, row in row.text(id) }
                .map(APIKeyRecord.init(row:))
        }
    }

    /// Renames and/or enables/disables; returns the updated key, nil if not the tenant's.
    public func update(id: String, tenantID: String, name: String?, active: Bool?) async throws -> APIKeyRecord? {
        try await database.transaction { db in
            guard
                try await db.raw("SELECT id FROM api_keys WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND revoked_at IS NULL")
                    .first() != nil
            else { return nil }
            if let name { try await db.raw("UPDATE api_keys SET name = \(bind: name) WHERE id = \(bind: id)").run() }
            if let active { try await db.raw("UPDATE api_keys SET active = \(bind: active ? 1 : 0) WHERE id = \(bind: id)").run() }
            return try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id)").first().map(APIKeyRecord.init(row:))
        }
    }

    /// Sets a new secret; the old one stays valid until `previousExpiresAt` (if later than now).
    public func rotate(id: String, tenantID: String, secretHash: String, previousExpiresAt: Int64) async throws -> APIKeyRecord? {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE api_keys SET previous_secret_hash = secret_hash, previous_expires_at = \(bind: previousExpiresAt),
                    secret_hash = \(bind: secretHash)
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND revoked_at IS NULL RETURNING *
                """
            ).first().map(APIKeyRecord.init(row:))
        }
    }

    /// Revokes for good; false if not the tenant's (or already revoked).
    public func revoke(id: String, tenantID: String, now: Int64) async throws -> APIKeyRecord? {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE api_keys SET revoked_at = \(bind: now), active = 0
                WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND revoked_at IS NULL RETURNING *
                """
            ).first().map(APIKeyRecord.init(row:))
        }
    }

    /// Records when keys were last used (key id → epoch milliseconds), all in one transaction;
    /// callers throttle (docs/api.md §4: at most once a minute per key) and gather. Rows are
    /// updated in id order, so that two servers sharing a PostgreSQL database cannot deadlock.
    public func touch(_ uses: [String: Int64]) async throws {
        guard !uses.isEmpty else { return }
        try await database.transaction { db in
            for (id, at) in uses.sorted(by: { $0.key < $1.key }) {
                try await db.raw("UPDATE api_keys SET last_used_at = \(bind: at) WHERE id = \(bind: id)").run()
            }
        }
    }
}

extension APIKeyRecord {
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            kind: try row.decode(column: "environment", as: APIKey.Kind.self),
            name: try row.decode(column: "name", as: String.self),
            publicID: try row.decode(column: "public_id", as: String.self),
            secretHash: try row.decode(column: "secret_hash", as: String.self),
            previousSecretHash: try row.decode(column: "previous_secret_hash", as: String?.self),
            previousExpiresAt: try row.decode(column: "previous_expires_at", as: Int64?.self),
            active: try row.decode(column: "active", as: Int64.self) != 0,
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self)
        )
    }
}
