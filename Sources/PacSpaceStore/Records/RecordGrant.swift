import PacSpaceCore
import SQLKit

/// A grant to read one record (docs/records.md, "Grants").
public struct RecordGrant: Sendable {
    /// Who the grant is for.
    public enum Kind: String, Sendable, CaseIterable {
        /// Whoever holds its token (shown once, when it is made).
        case link = "LINK"
        /// One other tenant, reading with its own API key.
        case tenantBound = "TENANT_BOUND"
    }

    /// Whether a read would be admitted now.
    public enum Status: String, Sendable {
        case active = "ACTIVE"
        case revoked = "REVOKED"
        case expired = "EXPIRED"
        case exhausted = "EXHAUSTED"
    }

    public let grantID: String
    public let environmentID: String
    public let recordKey: Hash
    public let kind: Kind
    public let counterpartyTenantID: String?
    public let recipientEmail: String?
    public let label: String?
    /// The reads it allows: `receipt`, `history`, `bundle`.
    public let authorizes: [String]
    public let maxUses: Int64?
    public let uses: Int64
    public let expiresAt: Int64?
    public let revokedAt: Int64?
    public let createdAt: Int64
    /// The record's key wrapped to the counterparty, as its owner sent it:
    /// `{pinnedId, rkid, wrap}` (a TENANT_BOUND grant on an encrypted record only).
    public let readerWrap: JSONValue?

    public func status(at now: Int64) -> Status {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        if let maxUses, uses >= maxUses { return .exhausted }
        return .active
    }

    init(row: any SQLRow) throws {
        let key = try row.decode(column: "record_key", as: Hash.self)
        grantID = try row.decode(column: "grant_id", as: String.self)
        environmentID = try row.decode(column: "environment_id", as: String.self)
        recordKey = key
        kind = try row.decode(column: "kind", as: Kind.self)
        counterpartyTenantID = try row.decode(column: "counterparty_tenant_id", as: String?.self)
        recipientEmail = try row.decode(column: "recipient_email", as: String?.self)
        label = try row.decode(column: "label", as: String?.self)
        let authorized = try JSONParser.parse(Array(try row.decode(column: "authorizes", as: String.self).utf8))
        if case .array(let items) = authorized {
            authorizes = items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        } else {
            authorizes = []
        }
        maxUses = try row.decode(column: "max_uses", as: Int64?.self)
        uses = try row.decode(column: "uses", as: Int64.self)
        expiresAt = try row.decode(column: "expires_at", as: Int64?.self)
        revokedAt = try row.decode(column: "revoked_at", as: Int64?.self)
        createdAt = try row.decode(column: "created_at", as: Int64.self)
        readerWrap = try row.decode(column: "reader_wrap", as: String?.self).map { try JSONParser.parse(Array($0.utf8)) }
    }
}
