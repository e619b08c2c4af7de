import PacSpaceCore
import SQLKit

/// Records and their entries (docs/records.md). An entry joins its environment's log queue
/// beside deltas and checkpoints; the sequencer marks it VERIFIED once a signed checkpoint
/// covers it.
public struct RecordStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// The server's rule id on an attempt entry (docs/records.md, "Attempts").
    public static let transitionRule = "lifecycle-transition/v1"

    /// Appends one entry, durably; returns it and whether it is new (false: the same
    /// reference was answered before). A production entry is paid for by `charge`.
    public func append(
        _ submission: RecordSubmission,
        environmentID: String,
        charge: CreditCharge? = nil,
        now: Int64
    ) async throws -> (RecordEntry, created: Bool) {
        guard let result = try await append([(submission, environmentID, charge)], now: now).first else {
            throw StoreInvariant("no answer for an append")
        }
        return try result.get()
    }

    /// Appends several entries in one transaction (one fsync: the group commit of
    /// ``RecordWriter``), each answered on its own: a refused entry writes nothing and
    /// refuses nothing else. A failing database fails them all.
    public func append(
        _ submissions: [(RecordSubmission, environmentID: String, charge: CreditCharge?)],
        now: Int64
    ) async throws -> [Result<(RecordEntry, created: Bool), RecordRefusal>] {
        let prepared = try submissions.map { submission, environmentID, charge in
            Prepared(
                submission: submission,
                environmentID: environmentID,
                charge: charge,
                requestHash: try Self.requestHash(submission),
                saltKey: Hash.sha256(Identifier.randomBytes(32)),
                newKey: Hash.sha256(Identifier.randomBytes(32)),
                opening: Hash.sha256(Identifier.randomBytes(32)),
                // Ordered: the entry id's index (and a reference-less entry's reference, the same
                // id) grows at its end instead of taking inserts all over (issue 28).
                entryID: Identifier.makeOrdered("ent", millis: now)
            )
        }
        return try await database.transaction { db in
            // Every lock the group needs, up front and in LockOrder's order. A record made
            // below is inserted under its environment's lock, which any other writer of it
            // takes first too.
            try await LockOrder.creditAccounts(Set(prepared.compactMap { $0.charge?.tenantID }), database.dialect, db)
            try await LockOrder.records(
                prepared.map { ($0.environmentID, $0.submission.recordType, $0.submission.entityID) },
                database.dialect,
                db
            )
            try await LockOrder.environments(Set(prepared.map(\.environmentID)), database.dialect, db)
            var group = try await RecordAppends.load(prepared, db)
            var results: [Result<(RecordEntry, created: Bool), RecordRefusal>] = []
            for item in prepared {
                do { results.append(.success(try await admit(item, into: &group, now: now, db))) } catch let refusal as RecordRefusal {
                    results.append(.failure(refusal))
                }
            }
            try await group.write(now: now, db)
            return results
        }
    }

    /// One submission with what it needs drawn at random beforehand.
    struct Prepared: Sendable {
        let submission: RecordSubmission
        let environmentID: String
        let charge: CreditCharge?
        let requestHash: Hash
        let saltKey: Hash
        let newKey: Hash
        /// The entry's seal opening (docs/records.md, "Shared Record links").
        let opening: Hash
        let entryID: String
    }

    /// One entry, admitted into `group` against the state the entries before it left. Every
    /// refusal is decided before this entry changes anything — the credit reservation, a
    /// write, comes last — so a refused entry leaves no trace in a shared transaction, not
    /// even a new record's row.
    private func admit(
        _ item: Prepared,
        into group: inout RecordAppends,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws -> (RecordEntry, created: Bool) {
        let submission = item.submission
        let environmentID = item.environmentID
        let existing = group.record(item.name)
        let record =
            existing
            ?? RecordSummary(
                recordType: submission.recordType,
                entityID: submission.entityID,
                recordKey: item.newKey,
                entryCount: 0,
                lifecycle: nil,
                encryptionKid: submission.sealed?.envelope.kid,
                recordHashVersion: submission.sealed == nil ? .v2 : RecordHashVersion.newSealedRecords,
                createdAt: now,
                updatedAt: now
            )
        let reference = submission.referenceID ?? item.entryID
        if existing != nil,
            let earlier = group.earlier(.init(environmentID: environmentID, recordKey: record.recordKey, reference: reference))
        {
            guard earlier.requestHash == item.requestHash else {
                let claimKid = earlier.entry.envelopes?.last.flatMap { envelope -> String? in
                    if case .string(let kid)? = envelope["kid"] { kid } else { nil }
                }
                throw RecordRefusal.referenceReused(seq: earlier.entry.seq, claimKid: claimKid)
            }
            return (earlier.entry, false)
        }
        try Self.checkEncryption(submission, record: record)
        try Self.checkHashVersion(submission, record: record)
        let (lifecycle, attempted, content) = try plannedState(submission, record: record)
        try await checkAmends(content, record: record, environmentID: environmentID, group, db)
        try await Self.checkVersionConfirmed(submission, record: record, environmentID: environmentID, db)
        let cost = item.charge?.costPerEntry ?? 0
        if let charge = item.charge, try await !CreditStore.reserve(charge, cost, "1 production record entry", now, db) {
            throw RecordRefusal.insufficientCredits
        }
        let contentText = String(decoding: JSONWriter.serialize(content), as: UTF8.self)
        let envelope = submission.sealed.map { sealed in
            (kid: sealed.envelope.kid, text: String(decoding: JSONWriter.serialize(sealed.envelope.json), as: UTF8.self))
        }
        let committed: Hash
        let footprint: Int64
        if let sealed = submission.sealed {
            committed = sealed.recordHash
            footprint = RecordFootprint.sealed(contentBytes: contentText.utf8.count, envelopeBytes: (envelope?.text.utf8.count ?? 0) + 2)
        } else {
            let commitment = try Self.commit(content, saltKey: item.saltKey)
            committed = commitment.recordHash
            footprint = RecordFootprint.plaintext(contentBytes: contentText.utf8.count, leaves: commitment.leaves)
        }
        // A plaintext entry's salt key is stored (its receipt reveals leaves); a sealed one has none.
        let saltKey = submission.sealed == nil ? item.saltKey : nil
        let entry = RecordEntryHash(
            recordType: submission.recordType,
            recordKey: record.recordKey,
            seq: record.entryCount,
            lifecycle: lifecycle,
            recordHash: committed,
            recordHashVersion: record.recordHashVersion
        )
        // The entry as it will be stored, from the values its row is written with: reading the row back (`RETURNING *`)
        // parsed its 4 KiB of content again on the writer's thread (with `RecordHash`'s keyed
        // salts: record appends 314 → 284 µs of CPU each, issue 28). `content` is what `contentText`
        // serializes, which keeps every number's and member's text; a replay, read from the
        // row, answers the same entry (RecordsTests).
        var written = RecordEntry(
            entryID: item.entryID,
            environmentID: environmentID,
            recordKey: record.recordKey,
            seq: record.entryCount,
            lifecycle: lifecycle,
            attempted: attempted,
            referenceID: reference,
            recordHash: committed,
            recordHashVersion: record.recordHashVersion,
            saltKey: saltKey,
            content: content,
            contentTag: submission.sealed?.contentTag,
            envelopes: submission.sealed?.contentTag == nil ? nil : [],
            status: .queued,
            logIndex: nil,
            recordOpening: item.opening,
            createdAt: now,
            verifiedAt: nil,
            witnessedAt: nil
        )
        if let sealed = submission.sealed { written = written.withEnvelopes([sealed.envelope.json]) }
        group.take(
            RecordAppends.Admitted(
                entry: written,
                requestHash: item.requestHash,
                leaf: String(decoding: entry.leaf, as: UTF8.self),
                contentText: contentText,
                cost: cost,
                footprint: footprint,
                envelope: envelope
            ),
            record: record,
            name: item.name,
            now: now
        )
        return (written, true)
    }

    /// The record `entityID` of `recordType`, if it has an entry.
    public func record(environmentID: String, recordType: String, entityID: String) async throws -> RecordSummary? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM records WHERE environment_id = \(bind: environmentID) AND record_type = \(bind: recordType)
                  AND entity_id = \(bind: entityID)
                """
            ).first().map { try RecordSummary(row: $0) }
        }
    }

    /// The entry `entryID` (its receipt id) with its record, in any environment: public
    /// verification looks entries up by id alone.
    public func entry(id entryID: String) async throws -> (RecordEntry, RecordSummary)? {
        try await database.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT \(unsafeRaw: RecordEntry.answerColumns("e")), r.record_type, r.entity_id, r.entry_count, r.lifecycle AS record_lifecycle,
                           r.created_at AS record_created_at, r.updated_at, r.encryption_kid
                    FROM record_entries e
                    JOIN records r ON r.environment_id = e.environment_id AND r.record_key = e.record_key
                    WHERE e.entry_id = \(bind: entryID)
                    """
                ).first()
            else { return nil }
            guard let entry = try await Self.withEnvelopes([try RecordEntry(row: row)], db).first else { return nil }
            return (entry, try RecordSummary(row: row, lifecycleColumn: "record_lifecycle", createdColumn: "record_created_at"))
        }
    }

    /// Records of the environment, most recently written first (the dashboard's list).
    public func list(environmentID: String, recordType: String?, limit: Int, offset: Int) async throws -> [RecordSummary] {
        try await database.read { db in
            let filter: SQLQueryString = recordType.map { " AND record_type = \(bind: $0)" } ?? ""
            return try await db.raw(
                "SELECT * FROM records WHERE environment_id = \(bind: environmentID)" + filter
                    + " ORDER BY updated_at DESC, entity_id LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all().map { try RecordSummary(row: $0) }
        }
    }

    /// The hash an idempotent retry is compared by: the entry as the client sent it.
    /// What makes two writes with one reference the same entry: the lifecycle and content,
    /// or for an encrypted entry its content tag and key version with the outside copies
    /// (its envelope differs on every try: a fresh IV).
    static func requestHash(_ submission: RecordSubmission) throws -> Hash {
        var members: [(String, JSONValue)] = [("lifecycle", .string(submission.lifecycle)), ("content", submission.content)]
        if let sealed = submission.sealed {
            members += [("contentTag", .string(sealed.contentTag)), ("kid", .string(sealed.envelope.kid))]
        }
        return Hash.sha256(try JSONWriter.canonical(.object(members)))
    }

    static func commit(_ content: JSONValue, saltKey: Hash) throws -> (recordHash: Hash, leaves: [RecordHash.Leaf]) {
        do { return try RecordHash.commit(content, saltKey: saltKey) } catch {
            throw StoreInvariant("admitted content has no record hash: \(error)")
        }
    }

}
