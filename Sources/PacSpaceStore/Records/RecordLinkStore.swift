import PacSpaceCore
import SQLKit

/// Shared Record links (docs/records.md, "Shared Record links"): a handle anyone may hold,
/// an optional access code (stored as its bcrypt hash), the disclosure its owner's client
/// sealed, the link's key wrapped to named reader workspaces, and the sessions of those who
/// gave the code. The server holds no key that opens a disclosure.
public struct RecordLinkStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Why a link change was refused.
    public enum Refusal: Error, Equatable, Sendable {
        /// Past ``maxLinksPerRecord`` open links, or ``maxWrapsPerLink`` wraps.
        case limitReached(String)
    }

    /// The most open links one record may have.
    public static let maxLinksPerRecord = 64
    /// The most reader wraps one link may have.
    public static let maxWrapsPerLink = 64
    /// The most sessions one link keeps; past it the oldest is dropped.
    public static let maxSessionsPerLink = 100

    /// Makes a link of the record. Entries written before seal openings were drawn get one
    /// now, so the link's seal history covers every entry.
    public func create(
        environmentID: String,
        recordKey: Hash,
        label: String?,
        accessCodeHash: String?,
        expiresAt: Int64,
        now: Int64
    ) async throws -> RecordLink {
        let handle = Hex.encode(Identifier.randomBytes(16))
        return try await database.transaction { db in
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxLinksPerRecord),
                    counting: """
                        record_links WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                          AND revoked_at IS NULL AND expires_at > \(bind: now)
                        """,
                    owner: "records WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)",
                    database.dialect,
                    db
                )
            else { throw Refusal.limitReached("\(Self.maxLinksPerRecord) open links") }
            let unopened = try await db.raw(
                """
                SELECT entry_id FROM record_entries WHERE environment_id = \(bind: environmentID)
                  AND record_key = \(bind: recordKey.prefixedHex) AND record_opening IS NULL
                """
            ).all().map { try $0.decode(column: "entry_id", as: String.self) }
            for entryID in unopened {
                try await db.raw(
                    """
                    UPDATE record_entries SET record_opening = \(bind: Hash.sha256(Identifier.randomBytes(32)).prefixedHex)
                    WHERE entry_id = \(bind: entryID) AND record_opening IS NULL
                    """
                ).run()
            }
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO record_links (handle, environment_id, record_key, label, access_code_hash, envelope, expires_at, revoked_at,
                                              created_at)
                    VALUES (\(bind: handle), \(bind: environmentID), \(bind: recordKey.prefixedHex), \(bind: label), \(bind: accessCodeHash),
                            NULL, \(bind: expiresAt), NULL, \(bind: now))
                    RETURNING *
                    """
                ).first()
            else { throw StoreInvariant("link \(handle) was not stored") }
            return try RecordLink(row: row)
        }
    }

    /// The record's links, newest first.
    /// A page of the record's links: the open ones first (at most ``maxLinksPerRecord``, so
    /// a first page of that many holds them all), then the revoked and expired, newest first.
    public func links(environmentID: String, recordKey: Hash, now: Int64, limit: Int, offset: Int) async throws -> [RecordLink] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM record_links WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                ORDER BY CASE WHEN revoked_at IS NULL AND expires_at > \(bind: now) THEN 0 ELSE 1 END, created_at DESC, handle
                LIMIT \(bind: limit) OFFSET \(bind: offset)
                """
            ).all().map(RecordLink.init(row:))
        }
    }

    /// The link with `handle`, whatever its state; the caller decides what it serves.
    public func link(handle: String) async throws -> RecordLink? {
        try await database.read { db in
            try await db.raw("SELECT * FROM record_links WHERE handle = \(bind: handle)").first().map(RecordLink.init(row:))
        }
    }

    /// Revokes a link of the record (again: the first time stays) and ends its sessions; nil
    /// when the record has no such link.
    public func revoke(handle: String, environmentID: String, recordKey: Hash, now: Int64) async throws -> RecordLink? {
        try await database.transaction { db in
            guard
                let link = try await db.raw(
                    """
                    UPDATE record_links SET revoked_at = COALESCE(revoked_at, \(bind: now))
                    WHERE handle = \(bind: handle) AND environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                    RETURNING *
                    """
                ).first().map(RecordLink.init(row:))
            else { return nil }
            try await db.raw("DELETE FROM record_link_sessions WHERE handle = \(bind: handle)").run()
            return link
        }
    }

    /// Stores (or replaces) the sealed disclosure of an open link of the record; nil when the
    /// record has no such open link.
    public func storeDisclosure(_ envelope: String, handle: String, environmentID: String, recordKey: Hash, now: Int64) async throws -> RecordLink? {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE record_links SET envelope = \(bind: envelope)
                WHERE handle = \(bind: handle) AND environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                  AND revoked_at IS NULL AND expires_at > \(bind: now)
                RETURNING *
                """
            ).first().map(RecordLink.init(row:))
        }
    }

    // MARK: Reader wraps

    /// Stores (or replaces) the link's key wrapped to the reader environment; false when the
    /// record has no such open link.
    public func storeWrap(
        handle: String,
        environmentID: String,
        recordKey: Hash,
        readerEnvironmentID: String,
        pinnedID: String,
        wrap: JSONValue,
        now: Int64
    ) async throws -> Bool {
        try await database.transaction { db in
            guard
                try await db.raw(
                    """
                    SELECT handle FROM record_links WHERE handle = \(bind: handle) AND environment_id = \(bind: environmentID)
                      AND record_key = \(bind: recordKey.prefixedHex) AND revoked_at IS NULL AND expires_at > \(bind: now)
                    """
                ).first() != nil
            else { return false }
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxWrapsPerLink),
                    counting: "record_link_wraps WHERE handle = \(bind: handle) AND reader_environment_id <> \(bind: readerEnvironmentID)",
                    owner: "record_links WHERE handle = \(bind: handle)",
                    database.dialect,
                    db
                )
            else { throw Refusal.limitReached("\(Self.maxWrapsPerLink) reader wraps") }
            try await db.raw(
                """
                INSERT INTO record_link_wraps (handle, reader_environment_id, pinned_id, wrap, created_at)
                VALUES (\(bind: handle), \(bind: readerEnvironmentID), \(bind: pinnedID), \(bind: RecordKeyStore.text(wrap)), \(bind: now))
                ON CONFLICT (handle, reader_environment_id) DO UPDATE SET pinned_id = excluded.pinned_id, wrap = excluded.wrap,
                    created_at = excluded.created_at
                """
            ).run()
            return true
        }
    }

    /// The open link's key wrapped to the reader environment, with the owner's tenant; nil
    /// when there is none (or the link is revoked or expired).
    public func wrap(handle: String, readerEnvironmentID: String, now: Int64) async throws -> (wrap: JSONValue, ownerTenantID: String)? {
        try await database.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT w.wrap, e.tenant_id FROM record_link_wraps w JOIN record_links l ON l.handle = w.handle
                    JOIN environments e ON e.id = l.environment_id
                    WHERE w.handle = \(bind: handle) AND w.reader_environment_id = \(bind: readerEnvironmentID)
                      AND l.revoked_at IS NULL AND l.expires_at > \(bind: now)
                    """
                ).first()
            else { return nil }
            return (try RecordKeyStore.json(row, "wrap"), try row.decode(column: "tenant_id", as: String.self))
        }
    }

    // MARK: Sessions

    /// Records a session of the link (`tokenHash`, the SHA-256 of its cookie), dropping
    /// expired ones and, past ``maxSessionsPerLink``, the oldest.
    public func openSession(handle: String, tokenHash: Hash, expiresAt: Int64, now: Int64) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM record_link_sessions WHERE handle = \(bind: handle) AND expires_at <= \(bind: now)").run()
            let count = try await RecordKeyStore.count("record_link_sessions WHERE handle = \(bind: handle)", db)
            if count >= Self.maxSessionsPerLink {
                try await db.raw(
                    """
                    DELETE FROM record_link_sessions WHERE token_hash IN (
                        SELECT token_hash FROM record_link_sessions WHERE handle = \(bind: handle)
                        ORDER BY created_at LIMIT \(bind: count - Int64(Self.maxSessionsPerLink) + 1))
                    """
                ).run()
            }
            try await db.raw(
                """
                INSERT INTO record_link_sessions (token_hash, handle, expires_at, created_at)
                VALUES (\(bind: tokenHash.prefixedHex), \(bind: handle), \(bind: expiresAt), \(bind: now))
                """
            ).run()
        }
    }

    /// Whether `tokenHash` is a live session of the link.
    public func hasSession(handle: String, tokenHash: Hash, now: Int64) async throws -> Bool {
        try await database.read { db in
            try await db.raw(
                """
                SELECT 1 AS found FROM record_link_sessions WHERE token_hash = \(bind: tokenHash.prefixedHex) AND handle = \(bind: handle)
                  AND expires_at > \(bind: now)
                """
            ).first() != nil
        }
    }
}
