import PacSpaceCore
import PacSpaceStore

/// `app-account.mustache`: the tenant's credits and their ledger, the user's sessions.
struct AccountPage: Sendable {
    struct Credits: Sendable {
        let availableBalance: String
        let creditBalance: String
        let reserved: String
    }

    struct Entry: Sendable {
        let createdAt: String
        let type: String
        let amount: String
        let balanceAfter: String
        let description: String
    }

    struct SignedIn: Sendable {
        let id: String
        /// The session of this browser.
        let current: Bool
        let createdAt: String
        let lastUsedAt: String
        let ipAddress: String
        let userAgent: String
    }

    let credits: Credits
    let entries: [Entry]
    let hasEntries: Bool
    let sessions: [SignedIn]

    init(balance: CreditBalance, entries: [CreditEntry], sessions: [Session], current: String) {
        credits = Credits(
            availableBalance: balance.available.description,
            creditBalance: balance.balance.description,
            reserved: balance.reserved.description
        )
        self.entries = entries.map { entry in
            Entry(
                createdAt: Timestamp.iso8601(millis: entry.createdAt),
                type: entry.type.rawValue,
                amount: entry.amount.description,
                balanceAfter: entry.balanceAfter.description,
                description: entry.description
            )
        }
        hasEntries = !entries.isEmpty
        self.sessions = sessions.map { session in
            SignedIn(
                id: session.id,
                current: session.id == current,
                createdAt: Timestamp.iso8601(millis: session.createdAt),
                lastUsedAt: Timestamp.iso8601(millis: session.lastUsedAt),
                ipAddress: session.clientAddress ?? "",
                userAgent: session.userAgent ?? ""
            )
        }
    }
}
