import SQLKit

/// How every tenant quota is admitted (issue 25: "every object a tenant can create has a
/// quota, enforced atomically on both engines"): inside the creating transaction, the row
/// that owns the objects (a tenant, an environment, a record, a holder, a link) is locked,
/// then its objects are counted. Two creators on PostgreSQL therefore count one after the
/// other instead of both passing a count of limit − 1; SQLite has one writer.
enum Quota {
    /// Whether one more object fits: `rows` (the FROM … WHERE of the objects) counted under
    /// a lock on `owner` (the FROM … WHERE of the owning row).
    static func hasRoom(
        _ limit: Int64,
        counting rows: SQLQueryString,
        owner: SQLQueryString,
        _ dialect: Database.Dialect,
        _ db: any SQLDatabase
    ) async throws -> Bool {
        if dialect == .postgres { try await db.raw("SELECT 1 AS locked FROM " + owner + " FOR NO KEY UPDATE").run() }
        return try await count(rows, db) < limit
    }

    /// The number of `rows` (the FROM … WHERE of a count).
    static func count(_ rows: SQLQueryString, _ db: any SQLDatabase) async throws -> Int64 {
        try await db.raw("SELECT COUNT(*) AS n FROM " + rows).first()?.decode(column: "n", as: Int64.self) ?? 0
    }
}
