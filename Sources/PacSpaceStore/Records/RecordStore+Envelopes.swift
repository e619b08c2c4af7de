import PacSpaceCore
import SQLKit

extension RecordStore {
    /// Why an envelope was not added to an entry.
    public enum EnvelopeRefusal: Error, Equatable, Sendable {
        case entryNotFound
        /// The record (or the entry) is plaintext.
        case notEncrypted
        /// The envelope's key version waits for required holders to confirm it (by id).
        case holdersUnconfirmed(holders: [String])
    }

    /// Adds an envelope the writer re-sealed under another key version to an encrypted entry
    /// (a re-key: the same plaintext and salt key, so the record hash and the log leaf do not
    /// change). Once its record's latest entry has one under that version, the record's new
    /// entries are sealed under it. The same kid again replaces that version's envelope.
    public func addEnvelope(
        environmentID: String,
        recordType: String,
        entityID: String,
        seq: Int64,
        envelope: RecordEnvelope,
        now: Int64
    )
        async throws
    {
        try await database.transaction { db in
            let lock: SQLQueryString = database.dialect == .postgres ? " FOR NO KEY UPDATE" : ""
            guard
                let record = try await db.raw(
                    """
                    SELECT * FROM records WHERE environment_id = \(bind: environmentID) AND record_type = \(bind: recordType)
                      AND entity_id = \(bind: entityID)
                    """ + lock
                ).first().map({ try RecordSummary(row: $0) })
            else { throw EnvelopeRefusal.entryNotFound }
            guard record.encryptionKid != nil else { throw EnvelopeRefusal.notEncrypted }
            // A re-key is a write under the new version: it waits for the same holders.
            let awaiting = try await RecordKeyStore.awaiting(kid: envelope.kid, environmentID: environmentID, db)
            guard awaiting.isEmpty else { throw EnvelopeRefusal.holdersUnconfirmed(holders: awaiting) }
            guard
                let row = try await db.raw(
                    """
                    SELECT * FROM record_entries WHERE environment_id = \(bind: environmentID)
                      AND record_key = \(bind: record.recordKey.prefixedHex) AND seq = \(bind: seq)
                    """
                ).first()
            else { throw EnvelopeRefusal.entryNotFound }
            let entry = try RecordEntry(row: row)
            guard let envelopes = entry.envelopes else { throw EnvelopeRefusal.notEncrypted }
            let others = envelopes.filter { $0["kid"] != .string(envelope.kid) }
            try await db.raw(
                """
                UPDATE record_entries SET envelopes = \(bind: String(decoding: JSONWriter.serialize(.array(others + [envelope.json])), as: UTF8.self))
                WHERE entry_id = \(bind: entry.entryID)
                """
            ).run()
            if seq == record.entryCount - 1 {
                try await db.raw(
                    """
                    UPDATE records SET encryption_kid = \(bind: envelope.kid), updated_at = \(bind: now)
                    WHERE environment_id = \(bind: environmentID) AND record_type = \(bind: recordType) AND entity_id = \(bind: entityID)
                    """
                ).run()
            }
        }
    }
}
