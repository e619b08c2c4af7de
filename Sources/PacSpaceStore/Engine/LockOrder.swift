import SQLKit

/// The order write transactions take their row locks in on PostgreSQL, the sequencer's:
/// credit accounts, then customers or records, then environments — each kind by key, in
/// byte order. Two transactions taking shared rows in different orders deadlock (40P01),
/// and a deadlock fails a whole group commit with 503. A group commit of deltas or record
/// entries from many tenants meets another server's group, or the other writer of the same
/// server, on the same rows in whatever order its items came: so a group takes every lock
/// it will need up front, sorted, before it decides anything. SQLite has one writer and
/// needs none of it.
enum LockOrder {
    /// Locks the credit accounts of `tenantIDs` (those that exist).
    static func creditAccounts(_ tenantIDs: Set<String>, _ dialect: Database.Dialect, _ db: any SQLDatabase) async throws {
        guard dialect == .postgres, !tenantIDs.isEmpty else { return }
        try await db.raw(
            "SELECT tenant_id FROM credit_accounts WHERE tenant_id IN " + list(tenantIDs.sorted())
                + #" ORDER BY tenant_id COLLATE "C" FOR NO KEY UPDATE"#
        ).run()
    }

    /// Locks the existing records among `keys` (environment id, record type, entity id).
    static func records(_ keys: [(String, String, String)], _ dialect: Database.Dialect, _ db: any SQLDatabase) async throws {
        guard dialect == .postgres, !keys.isEmpty else { return }
        var tuples: SQLQueryString = "("
        for (offset, key) in keys.enumerated() {
            tuples += offset == 0 ? "(" : ", ("
            tuples += "\(bind: key.0), \(bind: key.1), \(bind: key.2))"
        }
        tuples += ")"
        try await db.raw(
            "SELECT record_key FROM records WHERE (environment_id, record_type, entity_id) IN " + tuples
                + #" ORDER BY environment_id COLLATE "C", record_type COLLATE "C", entity_id COLLATE "C" FOR NO KEY UPDATE"#
        ).run()
    }

    /// Locks the environments `ids`.
    static func environments(_ ids: Set<String>, _ dialect: Database.Dialect, _ db: any SQLDatabase) async throws {
        guard dialect == .postgres, !ids.isEmpty else { return }
        try await db.raw(
            "SELECT id FROM environments WHERE id IN " + list(ids.sorted()) + #" ORDER BY id COLLATE "C" FOR NO KEY UPDATE"#
        ).run()
    }

    private static func list(_ values: [String]) -> SQLQueryString {
        var query: SQLQueryString = "("
        for (offset, value) in values.enumerated() { query += offset == 0 ? "\(bind: value)" : ", \(bind: value)" }
        return query + ")"
    }
}
