import PacSpaceCore
import SQLKit

extension RecordStore {
    /// Entries `from`…`through` (seq, inclusive) of the record with `recordKey`: at most
    /// `limit`, and no more than the stored footprints of `maxBytes` allow (docs/api.md,
    /// "Budgets") — always the first, which no single entry's footprint can exceed. The
    /// footprints are summed before any content is loaded, in the same read snapshot.
    public func page(
        environmentID: String,
        recordKey: Hash,
        from: Int64,
        through: Int64,
        limit: Int,
        maxBytes: Int64
    ) async throws -> [RecordEntry] {
        try await database.read { db in
            guard let last = try await Self.pageEnd(environmentID, recordKey, from: from, through: through, limit: limit, maxBytes: maxBytes, db)
            else { return [] }
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: RecordEntry.answerColumns()) FROM record_entries
                WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                  AND seq >= \(bind: from) AND seq <= \(bind: last) ORDER BY seq
                """
            ).all()
            return try await Self.withEnvelopes(try rows.map(RecordEntry.init(row:)), db)
        }
    }

    /// The last seq of the page ``page(environmentID:recordKey:from:through:limit:maxBytes:)``
    /// would load, from the stored footprints alone; nil when the range holds no entry. A
    /// streamed page is sized by it, then loaded a part at a time.
    public func pageEnd(environmentID: String, recordKey: Hash, from: Int64, through: Int64, limit: Int, maxBytes: Int64) async throws -> Int64? {
        try await database.read { db in
            try await Self.pageEnd(environmentID, recordKey, from: from, through: through, limit: limit, maxBytes: maxBytes, db)
        }
    }

    private static func pageEnd(
        _ environmentID: String,
        _ recordKey: Hash,
        from: Int64,
        through: Int64,
        limit: Int,
        maxBytes: Int64,
        _ db: any SQLDatabase
    ) async throws -> Int64? {
        let sizes = try await db.raw(
            """
            SELECT seq, footprint FROM record_entries WHERE environment_id = \(bind: environmentID)
              AND record_key = \(bind: recordKey.prefixedHex) AND seq >= \(bind: from) AND seq <= \(bind: through)
            ORDER BY seq LIMIT \(bind: limit)
            """
        ).all()
        var last: Int64?
        var total: Int64 = 0
        for row in sizes {
            total += try row.decode(column: "footprint", as: Int64.self)
            if last != nil, total > maxBytes { break }
            last = try row.decode(column: "seq", as: Int64.self)
        }
        return last
    }

    /// Entry `seq` of the record with `recordKey`, with its envelopes.
    public func entry(environmentID: String, recordKey: Hash, seq: Int64) async throws -> RecordEntry? {
        try await page(environmentID: environmentID, recordKey: recordKey, from: seq, through: seq, limit: 1, maxBytes: 0).first
    }

    /// The outlines of entries from `from` of the record with `recordKey`, at most `limit`,
    /// in seq order: what a seal history shows of each, without its content or envelopes.
    public func outlines(environmentID: String, recordKey: Hash, from: Int64, limit: Int) async throws -> [RecordEntry.Outline] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT entry_id, seq, lifecycle, attempted, record_hash, record_hash_version, record_opening, status, log_index
                FROM record_entries WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
                  AND seq >= \(bind: from) ORDER BY seq LIMIT \(bind: limit)
                """
            ).all().map { try RecordEntry.Outline(row: $0, recordKey: recordKey) }
        }
    }
}
