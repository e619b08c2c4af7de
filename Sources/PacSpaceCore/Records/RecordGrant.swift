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

    public init(
        grantID: String,
        environmentID: String,
        recordKey: Hash,
        kind: Kind,
        counterpartyTenantID: String?,
        recipientEmail: String?,
        label: String?,
        authorizes: [String],
        maxUses: Int64?,
        uses: Int64,
        expiresAt: Int64?,
        revokedAt: Int64?,
        createdAt: Int64,
        readerWrap: JSONValue?
    ) {
        self.grantID = grantID
        self.environmentID = environmentID
        self.recordKey = recordKey
        self.kind = kind
        self.counterpartyTenantID = counterpartyTenantID
        self.recipientEmail = recipientEmail
        self.label = label
        self.authorizes = authorizes
        self.maxUses = maxUses
        self.uses = uses
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
        self.readerWrap = readerWrap
    }

    public func status(at now: Int64) -> Status {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        if let maxUses, uses >= maxUses { return .exhausted }
        return .active
    }
}
