/// A tenant's environment (a "contract" in the public API): its provisioning state and,
/// once active, its verification log identity.
public struct EnvironmentRecord: Sendable, Equatable {
    public let id: String
    public let tenantID: String
    public let environment: EnvironmentName
    public let status: EnvironmentStatus
    public let error: String?
    public let attempts: Int64
    public let logOrigin: String?
    public let publicKey: String?
    public let sealedSigningKey: String?
    public let treeSize: Int64
    public let requestedAt: Int64
    public let provisionedAt: Int64?

    public init(
        id: String,
        tenantID: String,
        environment: EnvironmentName,
        status: EnvironmentStatus,
        error: String?,
        attempts: Int64,
        logOrigin: String?,
        publicKey: String?,
        sealedSigningKey: String?,
        treeSize: Int64,
        requestedAt: Int64,
        provisionedAt: Int64?
    ) {
        self.id = id
        self.tenantID = tenantID
        self.environment = environment
        self.status = status
        self.error = error
        self.attempts = attempts
        self.logOrigin = logOrigin
        self.publicKey = publicKey
        self.sealedSigningKey = sealedSigningKey
        self.treeSize = treeSize
        self.requestedAt = requestedAt
        self.provisionedAt = provisionedAt
    }
}
