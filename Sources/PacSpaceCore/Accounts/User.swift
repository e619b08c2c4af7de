/// A dashboard user.
public struct User: Sendable, Equatable {
    public let id: String
    public let tenantID: String
    public let email: String
    public let passwordHash: String
    public let firstName: String
    public let lastName: String
    public let role: Role
    public let emailVerifiedAt: Int64?

    public var emailVerified: Bool { emailVerifiedAt != nil }

    public init(
        id: String,
        tenantID: String,
        email: String,
        passwordHash: String,
        firstName: String,
        lastName: String,
        role: Role,
        emailVerifiedAt: Int64?
    ) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.passwordHash = passwordHash
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
        self.emailVerifiedAt = emailVerifiedAt
    }
}
