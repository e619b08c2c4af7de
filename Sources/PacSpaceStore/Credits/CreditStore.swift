import PacSpaceCore
import SQLKit

/// The credit ledger. Every change writes the account and its entry in one transaction,
/// so the balance is always the sum of the balance-changing entries.
public struct CreditStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Adds credits (an operator top-up or a registration grant).
    public func grant(
        tenantID: String,
        amount: Amount,
        type: CreditEntry.Kind = .grant,
        description: String,
        now: Int64
    ) async throws -> CreditBalance {
        try await database.transaction { db in try await Self.grant(tenantID, amount, type, description, now, db) }
    }

    /// Adds credits inside a caller's transaction.
    static func grant(
        _ tenantID: String,
        _ amount: Amount,
        _ type: CreditEntry.Kind,
        _ description: String,
        _ now: Int64,
        _ db: any SQLDatabase
    ) async throws -> CreditBalance {
        try await ensureAccount(tenantID, db)
        // Checked here, not in SQL: SQLite's `+` turns an overflow into a REAL.
        guard let current = try await db.raw("SELECT balance, reserved FROM credit_accounts WHERE tenant_id = \(bind: tenantID)").first() else {
            throw StoreInvariant("no credit account for tenant \(tenantID)")
        }
        guard Amount(exactly: Int128(try current.decode(column: "balance", as: Int64.self)) + Int128(amount.micros)) != nil else {
            throw AmountOutOfRange("the tenant's credit balance after this grant")
        }
        guard
            let row = try await db.raw(
                """
                UPDATE credit_accounts SET balance = balance + \(bind: amount.micros) WHERE tenant_id = \(bind: tenantID) RETURNING balance, reserved
                """
            ).first()
        else { throw StoreInvariant("no credit account for tenant \(tenantID)") }
        let balance = try CreditBalance(row: row)
        try await entry(tenantID, type, amount, description, balance, now, db)
        return balance
    }

    public func balance(tenantID: String) async throws -> CreditBalance {
        try await database.read { db in
            try await db.raw("SELECT balance, reserved FROM credit_accounts WHERE tenant_id = \(bind: tenantID)").first()
                .map(CreditBalance.init(row:)) ?? CreditBalance(balance: .zero, reserved: .zero)
        }
    }

    public func entries(tenantID: String, limit: Int, offset: Int) async throws -> (items: [CreditEntry], total: Int) {
        try await database.read { db in
            let total =
                try await db.raw("SELECT COUNT(*) AS n FROM credit_entries WHERE tenant_id = \(bind: tenantID)").first()?
                .decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                """
                SELECT * FROM credit_entries WHERE tenant_id = \(bind: tenantID) ORDER BY created_at DESC, id DESC
                LIMIT \(bind: limit) OFFSET \(bind: offset)
                """
            ).all()
            return (
                try rows.map {
                    CreditEntry(
                        id: try $0.decode(column: "id", as: String.self),
                        type: try $0.decode(column: "type", as: CreditEntry.Kind.self),
                        amount: Amount(micros: try $0.decode(column: "amount", as: Int64.self)),
                        description: try $0.decode(column: "description", as: String.self),
                        balanceAfter: Amount(micros: try $0.decode(column: "balance_after", as: Int64.self)),
                        createdAt: try $0.decode(column: "created_at", as: Int64.self)
                    )
                }, Int(total)
            )
        }
    }

    /// Reserves `amount` inside a caller's transaction; false (and nothing written) when
    /// the available credits cannot cover it. Announces `credits.low` when this reservation
    /// takes the available credits below the threshold.
    static func reserve(
        _ credits: CreditCharge,
        _ amount: Int64,
        _ description: String,
        _ now: Int64,
        _ db: any SQLDatabase
    ) async throws -> Bool {
        guard amount > 0 else { return true }
        guard
            let row = try await db.raw(
                """
                UPDATE credit_accounts SET reserved = reserved + \(bind: amount)
                WHERE tenant_id = \(bind: credits.tenantID) AND balance - reserved >= \(bind: amount) RETURNING balance, reserved
                """
            ).first()
        else { return false }
        let after = try CreditBalance(row: row)
        try await entry(credits.tenantID, .reservation, Amount(micros: amount), description, after, now, db)
        if after.available.micros < credits.lowThreshold, after.available.micros + amount >= credits.lowThreshold {
            try await WebhookOutbox.announce(
                [
                    WebhookNotice(WebhookEventType.creditsLow.rawValue, after.lowEvent(threshold: Amount(micros: credits.lowThreshold)))
                ],
                tenantID: credits.tenantID,
                environment: .mainnet,
                now: now,
                db
            )
        }
        return true
    }

    /// Settles reserved credits inside a caller's transaction (the deltas were verified).
    static func settle(_ tenantID: String, _ amount: Int64, _ description: String, _ now: Int64, _ db: any SQLDatabase) async throws {
        guard amount > 0 else { return }
        guard
            let row = try await db.raw(
                """
                UPDATE credit_accounts SET balance = balance - \(bind: amount), reserved = reserved - \(bind: amount)
                WHERE tenant_id = \(bind: tenantID) RETURNING balance, reserved
                """
            ).first()
        else { throw StoreInvariant("no credit account for tenant \(tenantID)") }
        try await entry(tenantID, .settlement, Amount(micros: -amount), description, try CreditBalance(row: row), now, db)
    }

    static func ensureAccount(_ tenantID: String, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO credit_accounts (tenant_id, balance, reserved) VALUES (\(bind: tenantID), 0, 0) ON CONFLICT (tenant_id) DO NOTHING
            """
        ).run()
    }

    private static func entry(
        _ tenantID: String,
        _ type: CreditEntry.Kind,
        _ amount: Amount,
        _ description: String,
        _ after: CreditBalance,
        _ now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        try await db.raw(
            """
            INSERT INTO credit_entries (id, tenant_id, type, amount, description, balance_after, reserved_after, created_at)
            VALUES (\(bind: Identifier.make("entry")), \(bind: tenantID), \(bind: type.rawValue), \(bind: amount.micros), \(bind: description),
                    \(bind: after.balance.micros), \(bind: after.reserved.micros), \(bind: now))
            """
        ).run()
    }
}

extension CreditBalance {
    init(row: any SQLRow) throws {
        self.init(
            balance: Amount(micros: try row.decode(column: "balance", as: Int64.self)),
            reserved: Amount(micros: try row.decode(column: "reserved", as: Int64.self))
        )
    }
}
