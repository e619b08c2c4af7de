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
                SELECT * FROM record_entries WHERE environment_id = \(bind: environmentID) AND record_key = \(bind: recordKey.prefixedHex)
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

extension RecordEntry {
    /// What an entry's seal and log leaf commit to, and where the leaf is: an entry without
    /// its content or envelopes (a seal history reads thousands of these).
    public struct Outline: Sendable {
        public let entryID: String
        public let recordKey: Hash
        public let seq: Int64
        public let lifecycle: String
        public let attempted: String?
        public let recordHash: Hash
        public let recordHashVersion: RecordHashVersion
        public let recordOpening: Hash?
        public let status: Status
        public let logIndex: Int64?

        /// What the entry's log leaf commits to.
        public func committed(recordType: String) -> RecordEntryHash {
            RecordEntryHash(
                recordType: recordType,
                recordKey: recordKey,
                seq: seq,
                lifecycle: lifecycle,
                recordHash: recordHash,
                recordHashVersion: recordHashVersion
            )
        }

        init(row: any SQLRow, recordKey: Hash) throws {
            self.recordKey = recordKey
            recordHash = try row.decode(column: "record_hash", as: Hash.self)
            entryID = try row.decode(column: "entry_id", as: String.self)
            seq = try row.decode(column: "seq", as: Int64.self)
            lifecycle = try row.decode(column: "lifecycle", as: String.self)
            attempted = try row.decode(column: "attempted", as: String?.self)
            recordHashVersion = try RecordEntry.hashVersion(row)
            recordOpening = try row.decode(column: "record_opening", as: Hash?.self)
            status = try row.decode(column: "status", as: Status.self)
            logIndex = try row.decode(column: "log_index", as: Int64?.self)
        }

        init(_ entry: RecordEntry) {
            entryID = entry.entryID
            recordKey = entry.recordKey
            recordHash = entry.recordHash
            seq = entry.seq
            lifecycle = entry.lifecycle
            attempted = entry.attempted
            recordHashVersion = entry.recordHashVersion
            recordOpening = entry.recordOpening
            status = entry.status
            logIndex = entry.logIndex
        }
    }

    /// The entry's outline.
    public var outline: Outline { Outline(self) }
}
