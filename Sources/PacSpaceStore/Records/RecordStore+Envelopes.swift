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
    /// should stop opening the record). Each envelope is a row of `record_envelopes`, so a
    /// re-key writes one row and deletes at most one, and an entry's receipt carries under
    /// 4 × 47 KiB of them: before, any kid was accepted and 300 re-keys of one entry made an
    /// 18 MiB list rewritten inside the writer's transaction on every call (issue 25).
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
            guard entry.contentTag != nil else { throw EnvelopeRefusal.notEncrypted }
            // A re-key is to a version the workspace registered (the SDK registers each one it
            // rotates to), and a write under it: it waits for the same holders.
            var versions: [String: Int64] = [:]
            for row in try await db.raw("SELECT kid, version FROM record_key_versions WHERE environment_id = \(bind: environmentID)").all() {
                versions[try row.decode(column: "kid", as: String.self)] = try row.decode(column: "version", as: Int64.self)
            }
            guard versions[envelope.kid] != nil else { throw EnvelopeRefusal.unknownVersion }
            let awaiting = try await RecordKeyStore.awaiting(kid: envelope.kid, environmentID: environmentID, db)
            guard awaiting.isEmpty else { throw EnvelopeRefusal.holdersUnconfirmed(holders: awaiting) }
            // The entry's envelopes by kid, position and size: at most four short rows.
            let held = try await db.raw(
                """
                SELECT kid, position, length(envelope) AS bytes FROM record_envelopes WHERE entry_id = \(bind: entry.entryID)
                """
            ).all().map {
                (
                    kid: try $0.decode(column: "kid", as: String.self), position: try $0.decode(column: "position", as: Int64.self),
                    bytes: try $0.decode(column: "bytes", as: Int64.self)
                )
            }
            let text = String(decoding: JSONWriter.serialize(envelope.json), as: UTF8.self)
            let others = held.filter { $0.kid != envelope.kid }
            let dropped =
                others.count < Self.maxEnvelopesPerEntry
                ? [] : Self.oldest(others.map(\.kid), versions: versions, keeping: Self.maxEnvelopesPerEntry - 1)
            let freed = held.filter { $0.kid == envelope.kid || dropped.contains($0.kid) }.reduce(0) { $0 + $1.bytes }
            let position = (held.map(\.position).max() ?? -1) + 1
            try await db.raw(
                """
                INSERT INTO record_envelopes (entry_id, kid, position, envelope)
                VALUES (\(bind: entry.entryID), \(bind: envelope.kid), \(bind: position), \(bind: text))
                ON CONFLICT (entry_id, kid) DO UPDATE SET position = excluded.position, envelope = excluded.envelope
                """
            ).run()
            for kid in dropped {
                try await db.raw("DELETE FROM record_envelopes WHERE entry_id = \(bind: entry.entryID) AND kid = \(bind: kid)").run()
            }
            // The footprint counts a JSON list's bytes: each envelope and a comma.
            let change = Int64(text.utf8.count + 1) - freed - Int64(held.count - others.count + dropped.count)
            try await db.raw(
                "UPDATE record_entries SET footprint = footprint + \(bind: change) WHERE entry_id = \(bind: entry.entryID)"
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

    /// The kids among `kids` past the newest `keeping` key versions; a kid the workspace
    /// never registered counts as the oldest.
    static func oldest(_ kids: [String], versions: [String: Int64], keeping: Int) -> [String] {
        Array(kids.sorted { versions[$0] ?? 0 > versions[$1] ?? 0 }.dropFirst(keeping))
    }

    /// `entries` with their envelopes, read in one query inside the caller's read.
    static func withEnvelopes(_ entries: [RecordEntry], _ db: any SQLDatabase) async throws -> [RecordEntry] {
        let sealed = entries.filter { $0.envelopes != nil }.map(\.entryID)
        guard !sealed.isEmpty else { return entries }
        var envelopes: [String: [JSONValue]] = [:]
        for row in try await db.raw(
            "SELECT entry_id, envelope FROM record_envelopes WHERE entry_id IN (\(binds: sealed)) ORDER BY entry_id, position"
        ).all() {
            let text = try row.decode(column: "envelope", as: String.self)
            envelopes[try row.decode(column: "entry_id", as: String.self), default: []].append(try JSONParser.parse(Array(text.utf8)))
        }
        return entries.map { $0.withEnvelopes(envelopes[$0.entryID] ?? []) }
    }
}
