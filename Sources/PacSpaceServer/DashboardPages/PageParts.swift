import PacSpaceCore

/// Parts several dashboard page models share.
enum PageParts {
    /// An option of a `<select>`.
    struct Choice: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    /// Previous and next links of a paged list; nil when everything fits on one page.
    struct Pager: Sendable {
        let page: Int
        let pages: Int
        let previous: String?
        let next: String?

        init?(page: Int, pages: Int, link: (Int) -> String) {
            guard pages > 1 else { return nil }
            self.page = page
            self.pages = pages
            previous = page > 1 ? link(page - 1) : nil
            next = page < pages ? link(page + 1) : nil
        }
    }

    /// An environment for people: "Sandbox (testnet)", "Production (mainnet)".
    static func label(_ environment: EnvironmentName) -> String {
        switch environment {
        case .testnet: "Sandbox (testnet)"
        case .mainnet: "Production (mainnet)"
        }
    }

    /// The environment a page's `environment` field or query names: `mainnet`, or testnet.
    static func environment(_ value: String?) -> EnvironmentName { value == "mainnet" ? .mainnet : .testnet }

    /// The environment of a page's `environment` query (at most 16 bytes).
    static func environment(_ query: QueryParameters) throws -> EnvironmentName { environment(try query.string("environment", maxLength: 16)) }

    /// The environments to choose from, `selected` marked.
    static func environments(_ selected: EnvironmentName) -> [Choice] {
        EnvironmentName.allCases.map { Choice(value: $0.rawValue, label: label($0), selected: $0 == selected) }
    }

    /// A wire status for people: `not_provisioned` → "not provisioned".
    static func words(_ status: String) -> String { status.split(separator: "_").joined(separator: " ") }

    /// How long before `now` a time was, for people: "4 s ago", "3 min ago", "2 h ago",
    /// "5 days ago"; nil for no time.
    static func age(_ millis: Int64?, now: Int64) -> String? {
        guard let millis else { return nil }
        let seconds = max(0, (now - millis) / 1000)
        switch seconds {
        case ..<120: return "\(seconds) s ago"
        case ..<7200: return "\(seconds / 60) min ago"
        case ..<172_800: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) days ago"
        }
    }

    /// An optional time as ISO 8601, `absent` when there is none.
    static func time(_ millis: Int64?, absent: String = "") -> String {
        millis.map { Timestamp.iso8601(millis: $0) } ?? absent
    }
}
