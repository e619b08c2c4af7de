import PacSpaceCore
import SQLKit

/// The checks an entry passes before it is written (docs/records.md, "Admission"), each
/// inside the append's transaction, each refusing with a ``RecordStore/RecordRefusal``.
extension RecordStore {
    /// The entry's lifecycle word, the word it attempted (when the layout does not allow it
    /// after the record's state) and its sealed content, or why it is refused.
    func plannedState(_ submission: RecordSubmission, record: RecordSummary) throws -> (String, String?, JSONValue) {
        guard record.entryCount < submission.layout.maxEntries else { throw RecordRefusal.recordFull }
        guard !submission.layout.allows(submission.lifecycle, after: record.lifecycle) else {
            return (submission.lifecycle, nil, submission.content)
        }
        guard let current = record.lifecycle else { throw RecordRefusal.notAGenesisWord(allowed: submission.layout.genesis) }
        // Recorded, not refused: the entry says what was attempted and the state stays. (An
        // encrypted entry's content is sealed: only its `attempted` column says so.)
        guard submission.sealed == nil, case .object(let members) = submission.content else {
            return (current, submission.lifecycle, submission.content)
        }
        let content = JSONValue.object(
            members + [("attemptedTarget", .string(submission.lifecycle)), ("ruleId", .string(Self.transitionRule))]
        )
        return (current, submission.lifecycle, content)
    }

    /// A record stays plaintext or encrypted, under one key version at a time (a re-key
    /// moves it to the next).
    static func checkEncryption(_ submission: RecordSubmission, record: RecordSummary) throws {
        guard record.entryCount > 0 else { return }
        switch (record.encryptionKid, submission.sealed) {
        case (nil, nil): return
        case (let kid?, let sealed?): if kid != sealed.envelope.kid { throw RecordRefusal.encryptionVersionMismatch(recordKid: kid) }
        case (let kid, _): throw RecordRefusal.encryptionMismatch(recordEncrypted: kid != nil)
        }
    }

    /// An encrypted entry's record hash is of its record's version: a record does not mix
    /// versions (a reader opens a history under one). Plaintext entries are this server's,
    /// version 2.
    static func checkHashVersion(_ submission: RecordSubmission, record: RecordSummary) throws {
        guard let sealed = submission.sealed, sealed.recordHashVersion != record.recordHashVersion else { return }
        throw RecordRefusal.recordHashVersion(expected: record.recordHashVersion)
    }

    /// Writes under a key version wait for its required holders (docs/records.md, "Required
    /// holders"). A new record's first write is pointed to the newest version that waits for
    /// nobody — the SDK reseals under the `recordKid` it is told — and any other is refused.
    static func checkVersionConfirmed(
        _ submission: RecordSubmission,
        record: RecordSummary,
        environmentID: String,
        _ db: any SQLDatabase
    ) async throws {
        guard let kid = submission.sealed?.envelope.kid else { return }
        let awaiting = try await RecordKeyStore.awaiting(kid: kid, environmentID: environmentID, db)
        guard !awaiting.isEmpty else { return }
        if record.entryCount == 0, let writable = try await RecordKeyStore.newestWritableKid(environmentID: environmentID, db) {
            throw RecordRefusal.encryptionVersionMismatch(recordKid: writable)
        }
        throw RecordRefusal.holdersUnconfirmed(kid: kid, holders: awaiting)
    }

    /// `amends` names an earlier entry of this record, or an entry of a closed record in the
    /// same environment that the entry also names in `references` (the layout's rule).
    /// Another record is read as `group` left it, when the group changed it.
    func checkAmends(
        _ content: JSONValue,
        record: RecordSummary,
        environmentID: String,
        _ group: RecordAppends,
        _ db: any SQLDatabase
    ) async throws {
        guard let amends = content["amends"] else { return }
        guard case .string(let keyText)? = amends["recordKey"], let key = Hash(prefixedHex: keyText.lowercased()),
            case .number(let seqText)? = amends["seq"], let seq = Int64(seqText)
        else { throw RecordRefusal.amendsInvalid("amends must be { recordKey, seq } with a whole seq") }
        if key == record.recordKey {
            guard seq < record.entryCount else {
                throw RecordRefusal.amendsInvalid("amends names entry seq \(seq), which this record does not have yet")
            }
            return
        }
        let referenced: Bool = {
            guard case .array(let references)? = content["references"] else { return false }
            return references.contains { reference in
                guard case .string(let text)? = reference["recordKey"], case .number(let number)? = reference["seq"] else { return false }
                return Hash(prefixedHex: text.lowercased()) == key && Int64(number) == seq
            }
        }()
        guard referenced else { throw RecordRefusal.amendsInvalid("amends names another record's entry; name it in references too") }
        let other: (lifecycle: String?, entryCount: Int64)?
        if let changed = group.changedRecord(environmentID: environmentID, recordKey: key) {
            other = (changed.lifecycle, changed.entryCount)
        } else {
            other = try await db.raw(
                """
                SELECT r.lifecycle, r.entry_count FROM records r
                WHERE r.environment_id = \(bind: environmentID) AND r.record_key = \(bind: key.prefixedHex)
                """
            ).first().map { (try $0.decode(column: "lifecycle", as: String?.self), try $0.decode(column: "entry_count", as: Int64.self)) }
        }
        guard let other, other.lifecycle == "closed", seq < other.entryCount else {
            throw RecordRefusal.amendsInvalid("amends names an entry of another record, which must be closed and have that entry")
        }
    }
}

extension RecordLayout {
    /// How many entries a record of this layout may have: its seq field's range (24 bits
    /// for most layouts, 32 for balance accounts). Default 2^24.
    var maxEntries: Int64 { recordType == "balance-account" ? 1 << 32 : 1 << 24 }
}
