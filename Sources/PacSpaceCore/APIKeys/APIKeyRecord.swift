/// A stored API key: never its secret, only hashes.
public struct APIKeyRecord: Sendable, Equatable {
    public let id: String
    public let tenantID: String
    public let kind: APIKey.Kind
    public let name: String
    public let publicID: String
    public let secretHash: String
    /// The secret replaced by the last rotation, valid until ``previousExpiresAt``.
    public let previousSecretHash: String?
    public let previousExpiresAt: Int64?
    public let active: Bool
    public let revokedAt: Int64?
    public let createdAt: Int64
    public let lastUsedAt: Int64?

    public init(
        id: String,
        tenantID: String,
        kind: APIKey.Kind,
        name: String,
        publicID: String,
        secretHash: String,
        previousSecretHash: String? = nil,
        previousExpiresAt: Int64? = nil,
        active: Bool = true,
        revokedAt: Int64? = nil,
        createdAt: Int64,
        lastUsedAt: Int64? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.kind = kind
        self.name = name
        self.publicID = publicID
        self.secretHash = secretHash
        self.previousSecretHash = previousSecretHash
        self.previousExpiresAt = previousExpiresAt
        self.active = active
        self.revokedAt = revokedAt
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}
