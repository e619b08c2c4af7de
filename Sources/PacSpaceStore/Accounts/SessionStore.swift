import PacSpaceCore
import SQLKit

/// A signed-in device of a dashboard user: one refresh-token family. Access tokens name
/// their session (`sid`), so revoking it ends them at once.
public struct Session: Sendable, Equatable {
    public let id: String
    public let userID: String
    public let createdAt: Int64
    /// When it last refreshed (or started).
    public let lastUsedAt: Int64
    /// The client's address and `User-Agent` when it started, as the server saw them.
    public let clientAddress: String?
    public let userAgent: String?
}

/// The outcome of presenting a refresh token.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was live; it is now spent and its successor stored.
    case rotated(User, sessionID: String)
    /// Unknown, expired, or its session is over.
    case invalid
    /// Already spent: a copy is in other hands, so its whole session is now revoked.
    case reused
}

/// Sessions and their refresh tokens (only SHA-256 digests of the tokens are kept).
public struct SessionStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Starts a session for `userID` with its first refresh token.
    public func start(
        sessionID: String,
        userID: String,
        refreshHash: String,
        expiresAt: Int64,
        clientAddress: String?,
        userAgent: String?,
        now: Int64
    ) async throws {
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO sessions (id, user_id, created_at, last_used_at, revoked_at, client_address, user_agent)
                VALUES (\(bind: sessionID), \(bind: userID), \(bind: now), \(bind: now), NULL, \(bind: clientAddress), \(bind: userAgent))
                """
            ).run()
            try await insertRefresh(refreshHash, userID, sessionID, expiresAt, now, db)
        }
    }

    /// Spends the presented token and stores its successor in its session, or revokes the
    /// session when a spent token comes back (reuse means theft).
    ///
    /// Spending is one conditional statement, so that of two concurrent refreshes with
    /// one token exactly one wins, on both engines: PostgreSQL's second `UPDATE` waits
    /// for the first's row lock, then finds `spent_at` set, matches nothing and counts as
    /// reuse. (A `SELECT` first and an unconditional `UPDATE` let both succeed there.)
    public func rotate(hash: String, successorHash: String, expiresAt: Int64, now: Int64) async throws -> RefreshOutcome {
        try await database.transaction { db in
            let spent = try await db.raw(
                """
                UPDATE refresh_tokens SET spent_at = \(bind: now)
                WHERE token_hash = \(bind: hash) AND spent_at IS NULL AND expires_at > \(bind: now)
                  AND family_id IN (SELECT id FROM sessions WHERE revoked_at IS NULL)
                RETURNING user_id, family_id
                """
            ).first()
            guard let spent else {
                guard let row = try await db.raw("SELECT family_id, spent_at FROM refresh_tokens WHERE token_hash = \(bind: hash)").first(),
                    try row.decode(column: "spent_at", as: Int64?.self) != nil
                else { return .invalid }
                try await revoke(sessionID: try row.decode(column: "family_id", as: String.self), now, db)
                return .reused
            }
            let userID = try spent.decode(column: "user_id", as: String.self)
            let sessionID = try spent.decode(column: "family_id", as: String.self)
            guard let user = try await db.raw("SELECT * FROM users WHERE id = \(bind: userID)").first().map(User.init(row:)) else {
                return .invalid
            }
            try await insertRefresh(successorHash, userID, sessionID, expiresAt, now, db)
            try await db.raw("UPDATE sessions SET last_used_at = \(bind: now) WHERE id = \(bind: sessionID)").run()
            return .rotated(user, sessionID: sessionID)
        }
    }

    /// Ends the session of the presented refresh token (logout); false if the token is unknown.
    public func end(refreshHash: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            guard
                let session = try await db.raw("SELECT family_id FROM refresh_tokens WHERE token_hash = \(bind: refreshHash)").first()?
                    .decode(column: "family_id", as: String.self)
            else { return false }
            try await revoke(sessionID: session, now, db)
            return true
        }
    }

    /// The user and session of a live, unspent refresh token (the dashboard pages' cookie):
    /// nil when the token is unknown, spent, expired, or its session is revoked.
    public func live(refreshHash: String, now: Int64) async throws -> (user: User, sessionID: String)? {
        try await database.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT u.*, t.family_id AS session_id FROM refresh_tokens t
                    JOIN sessions s ON s.id = t.family_id JOIN users u ON u.id = t.user_id
                    WHERE t.token_hash = \(bind: refreshHash) AND t.spent_at IS NULL AND t.expires_at > \(bind: now)
                      AND s.revoked_at IS NULL
                    """
                ).first()
            else { return nil }
            return (try User(row: row), try row.decode(column: "session_id", as: String.self))
        }
    }

    /// The user of a live session: nil when the session is revoked, unknown or not the user's.
    public func user(sessionID: String, userID: String) async throws -> User? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.id = \(bind: sessionID) AND s.user_id = \(bind: userID) AND s.revoked_at IS NULL
                """
            ).first().map(User.init(row:))
        }
    }

    /// The user's live sessions used since `activeSince`, newest first.
    public func sessions(userID: String, activeSince: Int64) async throws -> [Session] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM sessions WHERE user_id = \(bind: userID) AND revoked_at IS NULL AND last_used_at >= \(bind: activeSince)
                ORDER BY last_used_at DESC LIMIT 200
                """
            ).all().map {
                Session(
                    id: try $0.decode(column: "id", as: String.self),
                    userID: try $0.decode(column: "user_id", as: String.self),
                    createdAt: try $0.decode(column: "created_at", as: Int64.self),
                    lastUsedAt: try $0.decode(column: "last_used_at", as: Int64.self),
                    clientAddress: try $0.decode(column: "client_address", as: String?.self),
                    userAgent: try $0.decode(column: "user_agent", as: String?.self)
                )
            }
        }
    }

    /// Revokes one of the user's sessions; false when it is not a live session of theirs.
    public func revoke(sessionID: String, userID: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: now)
                WHERE id = \(bind: sessionID) AND user_id = \(bind: userID) AND revoked_at IS NULL RETURNING id
                """
            ).first() != nil
        }
    }

    /// Revokes every live session of the user but `except`; returns how many.
    @discardableResult
    public func revokeAll(userID: String, except: String?, now: Int64) async throws -> Int {
        try await database.transaction { db in try await Self.revokeAll(userID, except: except, now, db) }
    }

    static func revokeAll(_ userID: String, except: String?, _ now: Int64, _ db: any SQLDatabase) async throws -> Int {
        try await db.raw(
            """
            UPDATE sessions SET revoked_at = \(bind: now)
            WHERE user_id = \(bind: userID) AND revoked_at IS NULL AND id <> \(bind: except ?? "") RETURNING id
            """
        ).all().count
    }

    private func revoke(sessionID: String, _ now: Int64, _ db: any SQLDatabase) async throws {
        try await db.raw("UPDATE sessions SET revoked_at = \(bind: now) WHERE id = \(bind: sessionID) AND revoked_at IS NULL").run()
    }

    private func insertRefresh(
        _ hash: String,
        _ userID: String,
        _ sessionID: String,
        _ expiresAt: Int64,
        _ now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        try await db.raw(
            """
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, spent_at, revoked_at, created_at)
            VALUES (\(bind: hash), \(bind: userID), \(bind: sessionID), \(bind: expiresAt), NULL, NULL, \(bind: now))
            """
        ).run()
    }
}
