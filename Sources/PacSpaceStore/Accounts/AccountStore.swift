import PacSpaceCore
import SQLKit

/// A tenant: one provider company.
public struct Tenant: Sendable, Equatable {
    public let id: String
    public let name: String
    public let createdAt: Int64

    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// What a one-time email token is for.
public enum EmailTokenPurpose: String, Sendable {
    case verifyEmail = "verify"
    case resetPassword = "reset"
}

/// Tenants, users and one-time email tokens (sessions: ``SessionStore``).
public struct AccountStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Thrown when the email already belongs to an account.
    public struct EmailTaken: Error {}

    /// Creates the tenant, its owner, the owner's email verification token (its hash) and
    /// the free credit grant, if any — in one transaction: all of it or none.
    public func register(tenant: Tenant, owner: User, verificationTokenHash: String, tokenExpiresAt: Int64, freeCredits: Amount) async throws {
        do {
            try await database.transaction { db in
                if try await db.raw("SELECT id FROM users WHERE email = \(bind: owner.email)").first() != nil { throw EmailTaken() }
                try await db.raw(
                    """
                    INSERT INTO tenants (id, name, created_at) VALUES (\(bind: tenant.id), \(bind: tenant.name), \(bind: tenant.createdAt))
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO users (id, tenant_id, email, password_hash, first_name, last_name, role, email_verified_at, created_at)
                    VALUES (\(bind: owner.id), \(bind: tenant.id), \(bind: owner.email), \(bind: owner.passwordHash),
                            \(bind: owner.firstName), \(bind: owner.lastName), \(bind: owner.role.rawValue), NULL, \(bind: tenant.createdAt))
                    """
                ).run()
                try await insertEmailToken(verificationTokenHash, owner.id, .verifyEmail, tokenExpiresAt, tenant.createdAt, db)
                if freeCredits > .zero {
                    _ = try await CreditStore.grant(tenant.id, freeCredits, .grant, "Free credits at registration", tenant.createdAt, db)
                }
            }
        } catch is EmailTaken {
            throw EmailTaken()
        } catch {
            // Two racing registrations on PostgreSQL: the loser hits the unique index.
            if try await user(email: owner.email) != nil { throw EmailTaken() }
            throw error
        }
    }

    public func user(email: String) async throws -> User? {
        try await database.read { db in try await db.raw("SELECT * FROM users WHERE email = \(bind: email)").first().map(User.init(row:)) }
    }

    public func user(id: String) async throws -> User? {
        try await database.read { db in try await db.raw("SELECT * FROM users WHERE id = \(bind: id)").first().map(User.init(row:)) }
    }

    /// The tenant's users whose role receives the operational mail (``Role/receivesOperationalMail``).
    public func administrators(tenantID: String) async throws -> [User] {
        let roles = Role.allCases.filter(\.receivesOperationalMail).map(\.rawValue)
        return try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM users WHERE tenant_id = \(bind: tenantID) AND role IN (\(binds: roles)) ORDER BY created_at
                """
            ).all().map(User.init(row:))
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await database.read { db in
            try await db.raw("SELECT * FROM tenants WHERE id = \(bind: id)").first().map {
                Tenant(
                    id: try $0.decode(column: "id", as: String.self),
                    name: try $0.decode(column: "name", as: String.self),
                    createdAt: try $0.decode(column: "created_at", as: Int64.self)
                )
            }
        }
    }

    /// Stores the hash of a new one-time token.
    public func addEmailToken(hash: String, userID: String, purpose: EmailTokenPurpose, expiresAt: Int64, now: Int64) async throws {
        try await database.transaction { db in try await insertEmailToken(hash, userID, purpose, expiresAt, now, db) }
    }

    private func insertEmailToken(
        _ hash: String,
        _ userID: String,
        _ purpose: EmailTokenPurpose,
        _ expiresAt: Int64,
        _ now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        try await db.raw(
            """
            INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at, used_at, created_at)
            VALUES (\(bind: hash), \(bind: userID), \(bind: purpose.rawValue), \(bind: expiresAt), NULL, \(bind: now))
            """
        ).run()
    }

    /// Spends a verification token and marks the user's email verified; false if the
    /// token is unknown, used or expired.
    public func verifyEmail(tokenHash: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            guard let userID = try await spend(tokenHash, .verifyEmail, now, db) else { return false }
            try await db.raw("UPDATE users SET email_verified_at = \(bind: now) WHERE id = \(bind: userID) AND email_verified_at IS NULL").run()
            return true
        }
    }

    /// Whether a token is live (known, unused, unexpired): checked before the work its
    /// request costs (a new password's bcrypt), which the spend then repeats atomically.
    public func emailTokenIsLive(hash: String, purpose: EmailTokenPurpose, now: Int64) async throws -> Bool {
        try await database.read { db in
            try await db.raw(
                """
                SELECT 1 AS live FROM email_tokens
                WHERE token_hash = \(bind: hash) AND purpose = \(bind: purpose.rawValue) AND used_at IS NULL AND expires_at > \(bind: now)
                """
            ).first() != nil
        }
    }

    /// Spends a reset token and sets the new password hash; every other reset token of the
    /// user is spent with it and every session revoked. False if the token is unknown,
    /// used or expired.
    public func resetPassword(tokenHash: String, passwordHash: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            guard let userID = try await spend(tokenHash, .resetPassword, now, db) else { return false }
            try await setPassword(userID, passwordHash, keeping: nil, now, db)
            return true
        }
    }

    /// Sets a signed-in user's new password hash: every reset token of theirs is spent and
    /// every session but `keeping` (the one that asked) revoked.
    public func changePassword(userID: String, passwordHash: String, keeping session: String, now: Int64) async throws {
        try await database.transaction { db in try await setPassword(userID, passwordHash, keeping: session, now, db) }
    }

    private func setPassword(
        _ userID: String,
        _ passwordHash: String,
        keeping session: String?,
        _ now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        try await db.raw("UPDATE users SET password_hash = \(bind: passwordHash) WHERE id = \(bind: userID)").run()
        try await db.raw(
            """
            UPDATE email_tokens SET used_at = \(bind: now)
            WHERE user_id = \(bind: userID) AND purpose = \(bind: EmailTokenPurpose.resetPassword.rawValue) AND used_at IS NULL
            """
        ).run()
        _ = try await SessionStore.revokeAll(userID, except: session, now, db)
    }

    private func spend(_ hash: String, _ purpose: EmailTokenPurpose, _ now: Int64, _ db: any SQLDatabase) async throws -> String? {
        try await db.raw(
            """
            UPDATE email_tokens SET used_at = \(bind: now)
            WHERE token_hash = \(bind: hash) AND purpose = \(bind: purpose.rawValue) AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING user_id
            """
        ).first()?.decode(column: "user_id", as: String.self)
    }
}

extension User {
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            email: try row.decode(column: "email", as: String.self),
            passwordHash: try row.decode(column: "password_hash", as: String.self),
            firstName: try row.decode(column: "first_name", as: String.self),
            lastName: try row.decode(column: "last_name", as: String.self),
            role: try row.decode(column: "role", as: Role.self),
            emailVerifiedAt: try row.decode(column: "email_verified_at", as: Int64?.self)
        )
    }
}
