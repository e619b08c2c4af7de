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
        /// The envelope's kid names no key version the workspace registered.
        case unknownVersion
    }

    /// The most envelopes one entry keeps: those of its newest key versions. A re-key to an
    /// existing version replaces that version's envelope; one to a fifth drops the oldest
    /// version's (every holder, grant and reader is given the new version's key by the
    /// rotation and re-key that made it, and a version rotated away from after a compromise
    /// should stop opening the record). So the list, rewritten on a re-key, stays under
    /// 4 × 47 KiB: before, any kid was accepted and 300 re-keys of one entry made an 18 MiB
    /// list rewritten inside the writer's transaction on every call (issue 25).
    public static let maxEnvelopesPerEntry = 4

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
            // A re-key is to a version the workspace registered (the SDK registers each one it
            // rotates to), and a write under it: it waits for the same holders.
            var versions: [String: Int64] = [:]
            for row in try await db.raw("SELECT kid, version FROM record_key_versions WHERE environment_id = \(bind: environmentID)").all() {
                versions[try row.decode(column: "kid", as: String.self)] = try row.decode(column: "version", as: Int64.self)
            }
            guard versions[envelope.kid] != nil else { throw EnvelopeRefusal.unknownVersion }
            let awaiting = try await RecordKeyStore.awaiting(kid: envelope.kid, environmentID: environmentID, db)
            guard awaiting.isEmpty else { throw EnvelopeRefusal.holdersUnconfirmed(holders: awaiting) }
            let kept = Self.kept(envelopes.filter { $0["kid"] != .string(envelope.kid) } + [envelope.json], versions: versions)
            let before = JSONWriter.serialize(.array(envelopes)).count
            let after = JSONWriter.serialize(.array(kept))
            try await db.raw(
                """
                UPDATE record_entries SET envelopes = \(bind: String(decoding: after, as: UTF8.self)),
                  footprint = footprint + \(bind: Int64(after.count - before))
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

    /// The envelopes of the newest ``maxEnvelopesPerEntry`` key versions, in their order; an
    /// envelope under a kid the workspace never registered counts as the oldest.
    static func kept(_ envelopes: [JSONValue], versions: [String: Int64]) -> [JSONValue] {
        guard envelopes.count > maxEnvelopesPerEntry else { return envelopes }
        func version(_ envelope: JSONValue) -> Int64 {
            if case .string(let kid)? = envelope["kid"] { versions[kid] ?? 0 } else { 0 }
        }
        let newest = envelopes.indices.sorted { version(envelopes[$0]) > version(envelopes[$1]) }.prefix(maxEnvelopesPerEntry)
        return Set(newest).sorted().map { envelopes[$0] }
    }
}
