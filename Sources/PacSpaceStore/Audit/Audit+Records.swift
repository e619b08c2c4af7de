import PacSpaceCore
import SQLKit

extension Audit {
    /// Every VERIFIED record entry of the environment: its record hash recomputed from the
    /// stored content and salt key, its leaf from that, and the leaf at its log index.
    /// Returns how many there are (they are leaves of the log).
    func auditRecordEntries(_ environment: EnvironmentRecord, _ finding: (String, String) -> Void) async throws -> Int64 {
        var count: Int64 = 0
        var after: Int64 = -1
        while true {
            let cursor = after
            let rows = try await database.read(timeout: nil) { db in
                try await db.raw(
                    """
                    SELECT r.*, c.record_type, e.leaf_data AS logged FROM record_entries r
                    JOIN records c ON c.environment_id = r.environment_id AND c.record_key = r.record_key
                    LEFT JOIN log_entries e ON e.environment_id = r.environment_id AND e.entry_index = r.log_index
                    WHERE r.environment_id = \(bind: environment.id) AND r.status = 'VERIFIED' AND r.queue_position > \(bind: cursor)
                    ORDER BY r.queue_position LIMIT 1000
                    """
                ).all()
            }
            guard let last = rows.last else { return count }
            after = try last.decode(column: "queue_position", as: Int64.self)
            for row in rows {
                count += 1
                let entry = try RecordEntry(row: row)
                let subject = "record entry \(entry.entryID)"
                // An encrypted entry's record hash is the writer's: its content is sealed.
                let recomputed = entry.saltKey.map { try? RecordHash.commit(entry.content, saltKey: $0).recordHash }
                if let recomputed, recomputed != entry.recordHash {
                    finding(subject, "its content does not give its record hash (edited after it was written?)")
                }
                let leaf = String(decoding: entry.committed(recordType: try row.decode(column: "record_type", as: String.self)).leaf, as: UTF8.self)
                if try row.decode(column: "leaf_data", as: String.self) != leaf {
                    finding(subject, "its stored leaf is not the leaf of its fields")
                }
                if try !LeafCommitment.isLeaf(Array((row.decode(column: "logged", as: String?.self) ?? "").utf8), of: Array(leaf.utf8)) {
                    finding(subject, "VERIFIED at log index \(entry.logIndex.map(String.init) ?? "none"), but that leaf is not this entry's")
                }
            }
        }
    }
}
