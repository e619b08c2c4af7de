/// A dashboard user's role in their tenant.
public enum Role: String, CaseIterable, Sendable, Codable {
    case owner
    case admin
    case developer
    case viewer

    /// Viewers read; every other role may also change things.
    public var canWrite: Bool { self != .viewer }

    /// Owners and admins get the operational mail (a webhook endpoint disabled, …).
    public var receivesOperationalMail: Bool { self == .owner || self == .admin }
}
