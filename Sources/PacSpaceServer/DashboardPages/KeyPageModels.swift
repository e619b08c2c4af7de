import PacSpaceCore

/// `app-keys.mustache`: the tenant's keys, and one just issued with its secret.
struct KeysPage: Sendable {
    struct Row: Sendable {
        let id: String
        let name: String
        let publicKey: String
        let environment: String
        let active: Bool
        let status: String
        let createdAt: String
        let lastUsedAt: String
    }

    /// A key issued by this request: its secret, shown this once.
    struct Issued: Sendable {
        let fullKey: String
        let environment: String
    }

    let keys: [Row]
    let hasKeys: Bool
    let created: Issued?

    init(_ keys: [APIKeyRecord], issued: DashboardKeys.Issued?) {
        self.keys = keys.map { key in
            Row(
                id: key.id,
                name: key.name,
                publicKey: APIKey.publicKey(kind: key.kind, publicID: key.publicID),
                environment: Self.environment(key.kind),
                active: key.active,
                status: key.active ? "active" : "disabled",
                createdAt: Timestamp.iso8601(millis: key.createdAt),
                lastUsedAt: PageParts.time(key.lastUsedAt, absent: "never")
            )
        }
        hasKeys = !keys.isEmpty
        created = issued.map { Issued(fullKey: $0.key.fullKey, environment: Self.environment($0.record.kind)) }
    }

    /// A key's kind for people.
    static func environment(_ kind: APIKey.Kind) -> String {
        switch kind {
        case .test: "sandbox"
        case .live: "production"
        }
    }
}
