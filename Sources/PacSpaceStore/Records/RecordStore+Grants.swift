import PacSpaceCore
import SQLKit

/// Grants on records (docs/records.md, "Grants").
extension RecordStore {
    /// What a grant is made of, checked by the caller.
    public struct GrantRequest: Sendable {
        public let kind: RecordGrant.Kind
        public let counterpartyTenantID: String?
        public let recipientEmail: String?
        public let label: String?
        public let authorizes: [String]
        public let maxUses: Int64?
        public let expiresAt: Int64?
        /// `{pinnedId, rkid, wrap}`, checked by the caller against the counterparty's identity.
        public let readerWrap: JSONValue?

        public init(
            kind: RecordGrant.Kind,
            counterpartyTenantID: String?,
            recipientEmail: String?,
            label: String?,
            authorizes: [String],
            maxUses: Int64?,
            expiresAt: Int64?,
            readerWrap: JSONValue?
        ) {
            self.kind = kind
            self.counterpartyTenantID = counterpartyTenantID
            self.recipientEmail = recipientEmail
            self.label = label
            self.authorizes = authorizes
            self.maxUses = maxUses
            self.expiresAt = expiresAt
            self.readerWrap = readerWrap
        }
    }

    /// The most grants one record may have in force (not revoked, expired or used up).
    public static let maxActiveGrantsPerRecord = 64

    /// Why a grant was not stored.
    public enum GrantRefusal: Error, Equatable, Sendable {
        /// The record has ``maxActiveGrantsPerRecord`` grants in force.
        case limitReached
    }

    /// Stores a grant on the record with `recordKey`; `tokenHash` is the SHA-256 of a LINK
    /// grant's token (the token itself is never stored).
    public func grant(
        _ request: GrantRequest,
        environmentID: String,
        recordKey: Hash,
        tokenHash: Hash?,
        now: Int64
    ) async throws -> RecordGrant {
        let grantID = Identifier.make("grt")
        let authorizes = RecordKeyStore.text(.array(request.authorizes.map(JSONValue.string)))
        let readerWrap = request.readerWrap.map(RecordKeyStore.text)
        return try await database.transaction { db in
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxActiveGrantsPerRecord),
                    counting: "record_grants WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)"
                        + " AND " + Self.inForce(now),
                    owner: "records WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)",
                    database.dialect,
                    db
                )
            else { throw GrantRefusal.limitReached }
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO record_grants (grant_id, environment_id, record_key, kind, counterparty_tenant_id, recipient_email, label,
                        authorizes, token_hash, max_uses, uses, expires_at, revoked_at, created_at, reader_wrap)
                    VALUES (\(bind: grantID), \(bind: environmentID), \(bind: recordKey.prefixedHex), \(bind: request.kind.rawValue),
                            \(bind: request.counterpartyTenantID), \(bind: request.recipientEmail), \(bind: request.label), \(bind: authorizes),
                            \(bind: tokenHash?.prefixedHex), \(bind: request.maxUses), 0, \(bind: request.expiresAt), NULL, \(bind: now),
                            \(bind: readerWrap))
                    RETURNING *
                    """
                ).first()
            else { throw StoreInvariant("grant \(grantID) was not stored") }
            return try RecordGrant(row: row)
        }
    }

    /// A page of the record's grants: those in force first (at most
    /// ``maxActiveGrantsPerRecord``, so a first page of that many holds them all), then the
    /// revoked, expired and used up, newest first.
    public func grants(environmentID: String, recordKey: Hash, now: Int64, limit: Int, offset: Int) async throws -> [RecordGrant] {
        try await database.read { db in
            let ofRecord: SQLQueryString =
                "SELECT * FROM record_grants WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)"
            return try await db.raw(
                ofRecord + " ORDER BY CASE WHEN " + Self.inForce(now)
                    + " THEN 0 ELSE 1 END, created_at DESC, grant_id LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all().map { try RecordGrant(row: $0) }
        }
    }

    /// The conditions of a grant in force at `now`.
    static func inForce(_ now: Int64) -> SQLQueryString {
        "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(bind: now)) AND (max_uses IS NULL OR uses < max_uses)"
    }

    /// Revokes a grant of the record; nil when the record has no such grant. Revoking twice
    /// keeps the first time.
    public func revoke(grantID: String, environmentID: String, recordKey: Hash, now: Int64) async throws -> RecordGrant? {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE record_grants SET revoked_at = COALESCE(revoked_at, \(bind: now))
                WHERE grant_id = \(bind: grantID) AND environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                RETURNING *
                """
            ).first().map { try RecordGrant(row: $0) }
        }
    }

    /// Replaces the reader wrap of a TENANT_BOUND grant that is not revoked (a re-key wraps
    /// the record's new key to it); nil when the record has no such grant.
    public func storeReaderWrap(
        _ readerWrap: JSONValue,
        grantID: String,
        environmentID: String,
        recordKey: Hash
    ) async throws -> RecordGrant? {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE record_grants SET reader_wrap = \(bind: RecordKeyStore.text(readerWrap))
                WHERE grant_id = \(bind: grantID) AND environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                  AND kind = 'TENANT_BOUND' AND revoked_at IS NULL
                RETURNING *
                """
            ).first().map { try RecordGrant(row: $0) }
        }
    }

    /// A grant as a reader presents it: by its token's hash (LINK) or by its id (TENANT_BOUND).
    public func grant(presented: Hash?, grantID: String?) async throws -> RecordGrant? {
        try await database.read { db in
            if let presented {
                return try await db.raw("SELECT * FROM record_grants WHERE token_hash = \(bind: presented.prefixedHex) AND kind = 'LINK'")
                    .first().map { try RecordGrant(row: $0) }
            }
            guard let grantID else { return nil }
            return try await db.raw("SELECT * FROM record_grants WHERE grant_id = \(bind: grantID) AND kind = 'TENANT_BOUND'")
                .first().map { try RecordGrant(row: $0) }
        }
    }

    /// Counts one read under the grant, in the statement that checks it is still active:
    /// two readers racing for a grant's last use cannot both have it. Nil: not active.
    public func use(_ grant: RecordGrant, now: Int64) async throws -> RecordGrant? {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE record_grants SET uses = uses + 1
                WHERE grant_id = \(bind: grant.grantID) AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > \(bind: now)) AND (max_uses IS NULL OR uses < max_uses)
                RETURNING *
                """
            ).first().map { try RecordGrant(row: $0) }
        }
    }

    /// The record with `recordKey` in the environment.
    public func record(environmentID: String, recordKey: Hash) async throws -> RecordSummary? {
        try await database.read { db in
            try await db.raw(
                "SELECT * FROM records WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)"
            ).first().map { try RecordSummary(row: $0) }
        }
    }
}
