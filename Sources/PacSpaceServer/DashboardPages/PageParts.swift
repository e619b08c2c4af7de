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

    /// The environments to choose from, `selected` marked.
    static func environments(_ selected: EnvironmentName) -> [Choice] {
        EnvironmentName.allCases.map { Choice(value: $0.rawValue, label: label($0), selected: $0 == selected) }
    }
}
