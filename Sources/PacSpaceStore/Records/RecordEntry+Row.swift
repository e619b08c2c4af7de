import PacSpaceCore
import SQLKit

extension RecordEntry {
    init(row: any SQLRow) throws {
        let contentTag = try row.decode(column: "content_tag", as: String?.self)
        let salt = try row.decode(column: "salt_key", as: String.self)
        self.init(
            entryID: try row.decode(column: "entry_id", as: String.self),
            environmentID: try row.decode(column: "environment_id", as: String.self),
            recordKey: try row.decode(column: "record_key", as: Hash.self),
            seq: try row.decode(column: "seq", as: Int64.self),
            lifecycle: try row.decode(column: "lifecycle", as: String.self),
            attempted: try row.decode(column: "attempted", as: String?.self),
            referenceID: try row.decode(column: "reference_id", as: String.self),
            recordHash: try row.decode(column: "record_hash", as: Hash.self),
            recordHashVersion: try Self.hashVersion(row),
            saltKey: salt.isEmpty ? nil : try row.decode(column: "salt_key", as: Hash.self),
            content: try JSONParser.parse(Array(try row.decode(column: "content", as: String.self).utf8)),
            contentTag: contentTag,
            // An encrypted entry's envelopes are rows of their own (``RecordStore/withEnvelopes(_:_:)``).
            envelopes: contentTag == nil ? nil : [],
            status: try row.decode(column: "status", as: Status.self),
            logIndex: try row.decode(column: "log_index", as: Int64?.self),
            recordOpening: try row.decode(column: "record_opening", as: Hash?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            verifiedAt: try row.decode(column: "verified_at", as: Int64?.self),
            witnessedAt: row.contains(column: "witnessed_at") ? try row.decode(column: "witnessed_at", as: Int64?.self) : nil
        )
    }

    /// What an answer reads an entry of `table` (record_entries or its alias) with: its row
    /// and when it was witnessed. A row read without it (one just written) is not witnessed yet.
    static func answerColumns(_ table: String = "record_entries") -> String { "\(table).*, " + ServerLogStore.witnessedAt(of: table) }

    /// The row's `record_hash_version`, a version this build knows.
    static func hashVersion(_ row: any SQLRow) throws -> RecordHashVersion {
        let number = try row.decode(column: "record_hash_version", as: Int.self)
        guard let version = RecordHashVersion(rawValue: number) else { throw StoreInvariant("record hash version \(number) is unknown") }
        return version
    }
}

extension RecordEntry.Outline {
    init(row: any SQLRow, recordKey: Hash) throws {
        self.init(
            entryID: try row.decode(column: "entry_id", as: String.self),
            recordKey: recordKey,
            seq: try row.decode(column: "seq", as: Int64.self),
            lifecycle: try row.decode(column: "lifecycle", as: String.self),
            attempted: try row.decode(column: "attempted", as: String?.self),
            recordHash: try row.decode(column: "record_hash", as: Hash.self),
            recordHashVersion: try RecordEntry.hashVersion(row),
            recordOpening: try row.decode(column: "record_opening", as: Hash?.self),
            status: try row.decode(column: "status", as: RecordEntry.Status.self),
            logIndex: try row.decode(column: "log_index", as: Int64?.self)
        )
    }
}

extension RecordSummary {
    init(row: any SQLRow, lifecycleColumn: String = "lifecycle", createdColumn: String = "created_at") throws {
        self.init(
            recordType: try row.decode(column: "record_type", as: String.self),
            entityID: try row.decode(column: "entity_id", as: String.self),
            recordKey: try row.decode(column: "record_key", as: Hash.self),
            entryCount: try row.decode(column: "entry_count", as: Int64.self),
            lifecycle: try row.decode(column: lifecycleColumn, as: String?.self),
            encryptionKid: try row.decode(column: "encryption_kid", as: String?.self),
            recordHashVersion: try RecordEntry.hashVersion(row),
            createdAt: try row.decode(column: createdColumn, as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self)
        )
    }
}
