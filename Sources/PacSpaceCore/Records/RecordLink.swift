/// A Shared Record link of a record (docs/records.md, "Shared Record links"): a handle
/// anyone may hold, an optional access code (kept as its bcrypt hash), and the disclosure
/// its owner's client sealed.
public struct RecordLink: Sendable {
    /// Whether a link opens: until it expires or is revoked.
    public enum Status: String, Sendable {
        case active = "ACTIVE"
        case expired = "EXPIRED"
        case revoked = "REVOKED"
    }

    public let handle: String
    public let environmentID: String
    public let recordKey: Hash
    public let label: String?
    /// The access code's bcrypt hash; nil when the link alone opens it.
    public let accessCodeHash: String?
    /// The sealed disclosure (unpadded base64url), once the owner stored it.
    public let envelope: String?
    public let expiresAt: Int64
    public let revokedAt: Int64?
    public let createdAt: Int64

    public init(
        handle: String,
        environmentID: String,
        recordKey: Hash,
        label: String?,
        accessCodeHash: String?,
        envelope: String?,
        expiresAt: Int64,
        revokedAt: Int64?,
        createdAt: Int64
    ) {
        self.handle = handle
        self.environmentID = environmentID
        self.recordKey = recordKey
        self.label = label
        self.accessCodeHash = accessCodeHash
        self.envelope = envelope
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    public func status(at now: Int64) -> Status { revokedAt != nil ? .revoked : expiresAt <= now ? .expired : .active }

    /// Whether the link is still served: not revoked, not expired.
    public func isOpen(at now: Int64) -> Bool { status(at: now) == .active }
}
