import PacSpaceCore
import PacSpaceStore

/// The values the verify page template reads (Resources/pages/verify.mustache). Every
/// value the in-browser check uses is a displayed field (`data-field`), so what the
/// browser verifies is what the reader sees.
struct VerifyPageView {
    let id: String
    let entry: VerifiableEntry
    let proof: PublicVerification.Proof
    /// Whether the link shows what was recorded (``VerifyLinks``).
    let disclosed: Bool
    /// The period's records when disclosed and listable; nil otherwise.
    let records: [DeltaRecord]?
    /// Whether `records` rebuild the checkpoint's proofRoot (checked by the server too).
    let recordsReproduceRoot: Bool
    /// What a disclosed period too large to list holds (its records and their metadata's
    /// bytes), to say why it is not listed.
    let unlisted: (count: Int64, metadataBytes: Int64)?
    /// Download links (relative), `k` included when disclosed.
    let downloads: [(label: String, href: String)]

    /// `verified`, `not-verified` or `pending` (the page's `data-verdict`).
    var verdict: String {
        if entry.status == "QUEUED" { return "pending" }
        return entry.verified && proof.holds ? "verified" : "not-verified"
    }

    var verdictText: String {
        switch verdict {
        case "verified":
            "Recorded in the log: the receipt leads to a checkpoint signed with the environment's key."
        case "pending":
            "Accepted and waiting for the log: the receipt exists once the sequencer has added it (usually within seconds)."
        default:
            entry.status == "FAILED" ? "This entry failed and is not in the log." : "The stored receipt does not check out."
        }
    }

    var values: [String: Any] {
        get throws {
            var values: [String: Any] = [
                "id": id, "verdict": verdict, "verdictText": verdictText, "status": entry.status, "disclosed": disclosed,
                "logOrigin": proof.environment.logOrigin ?? "", "verifierKey": proof.environment.publicKey ?? "",
                "environment": proof.environment.environment.rawValue,
                "downloads": downloads.map { ["label": $0.label, "href": $0.href] },
            ]
            if let receipt = proof.receipt {
                values["receipt"] = [
                    "text": receipt.tlogProof.text, "logIndex": String(receipt.logIndex), "treeSize": String(receipt.treeSize),
                    "leafHash": Merkle.leafHash(receipt.leafData).prefixedHex,
                ]
                if let witnessed = receipt.witnessed { values["witnessing"] = try witnessing(witnessed) }
            }
            switch entry.subject {
            case .delta(let record):
                values["title"] = "Delta \(record.receiptID)"
                values["delta"] = Self.fields(of: record, disclosed: disclosed)
            case .checkpoint(let checkpoint):
                values["title"] = "Period \(checkpoint.checkpointID)"
                values["checkpoint"] = try checkpointValues(checkpoint)
            case .recordEntry(let recordEntry, let record):
                values["title"] = "Record entry \(recordEntry.entryID)"
                values["recordEntry"] = Self.fields(of: recordEntry, record: record, disclosed: disclosed)
            }
            return values
        }
    }

    private func checkpointValues(_ checkpoint: CheckpointRecord) throws -> [String: Any] {
        let time = { (millis: Int64?) in millis.map { Timestamp.iso8601(millis: $0) } ?? "—" }
        var values: [String: Any] = [
            "checkpointId": checkpoint.checkpointID, "proofRoot": checkpoint.proofRoot.prefixedHex, "deltaCount": String(checkpoint.deltaCount),
            "netChange": checkpoint.netChange.description, "startingBalance": checkpoint.startingBalance.description,
            "endingBalance": checkpoint.endingBalance.description, "firstRecordAt": time(checkpoint.firstRecordAt),
            "lastRecordAt": time(checkpoint.lastRecordAt), "sealedAt": time(checkpoint.createdAt),
            "rootVersion": String(try LogEntry.periodRootVersion(ofCheckpointLeaf: checkpoint.leafData).rawValue),
        ]
        if disclosed {
            values["scope"] = checkpoint.scope.text
            values["window"] = Self.window(checkpoint.scope.value)
            values["customerId"] = checkpoint.customerID ?? "the whole environment"
        }
        if let records {
            values["records"] = records.map { Self.fields(of: $0, disclosed: true) }
            values["hasRecords"] = !records.isEmpty
            values["recordsReproduceRoot"] = recordsReproduceRoot
        } else if disclosed {
            values["recordsNotListed"] =
                checkpoint.customerID == nil
                ? "A period of the whole environment is not listed here; its records are the provider's to share."
                : Self.notListed(unlisted)
        }
        return values
    }

    /// Why a customer's period is not listed: a page lists at most
    /// ``VerifyPageController/maxListed`` records with ``VerifyPageController/maxListedMetadataBytes``
    /// of metadata together.
    static func notListed(_ unlisted: (count: Int64, metadataBytes: Int64)?) -> String {
        let limit =
            "a page lists at most \(VerifyPageController.maxListed) records with "
            + "\(VerifyPageController.maxListedMetadataBytes / 1_048_576) MiB of metadata together"
        let held = unlisted.map { "This period's \($0.count) records carry up to \(Self.mebibytes($0.metadataBytes)) of metadata; " }
        return (held ?? "This period holds more than a page lists; ") + limit
            + ". Check it with pacspace verify-receipt and the files below."
    }

    /// `bytes` for people, in the bound's unit: "6.1 MiB".
    static func mebibytes(_ bytes: Int64) -> String {
        let tenths = (bytes * 10 + 524_288) / 1_048_576
        return "\(tenths / 10).\(tenths % 10) MiB"
    }

    /// The scope for people: "2026-11-01 00:00 → 2026-12-01 00:00 UTC", or what it starts after.
    static func window(_ scope: JSONValue) -> String {
        // Midnight is the rule (months, days): the date alone says it.
        let day = { (text: String) in
            let time = text.dropFirst(11).prefix(5)
            return time == "00:00" ? String(text.prefix(10)) : "\(text.prefix(10)) \(time)"
        }
        if case .string(let start)? = scope["startDate"], case .string(let end)? = scope["endDate"] {
            return "\(day(start)) → \(day(end)) UTC"
        }
        if case .string(let starting)? = scope["startingCheckpoint"] { return "after \(starting)" }
        return "all time"
    }

    /// The witnesses section: the server-log receipt, and each witness of the server's policy
    /// with the time its cosignature states, as the server checked it. The page's script
    /// checks the same chain and cosignatures itself (`data-key`, `data-quorum`).
    private func witnessing(_ witnessed: WitnessedProof) throws -> [String: Any] {
        var values: [String: Any] = [
            "serverLogReceipt": witnessed.serverLogReceipt.text, "witnessedAt": Timestamp.iso8601(millis: witnessed.witnessedAt),
        ]
        guard let report = proof.witnesses, let quorum = proof.quorum else {
            values["failure"] = proof.witnessFailure ?? "This server has no witness policy to check the cosignatures against."
            return values
        }
        values["serverLogKey"] = report.serverLogVerifierKey
        values["quorum"] = String(decoding: try JSONWriter.canonical(quorum), as: UTF8.self)
        values["quorumMet"] = report.quorumMet
        values["checked"] = true
        values["witnesses"] = report.witnesses.map { witness -> [String: Any] in
            [
                "name": witness.name, "key": witness.verifierKey, "cosigned": witness.cosignedAt != nil,
                "cosignedAt": witness.cosignedAt.map(Timestamp.iso8601(posixSeconds:)) ?? "no cosignature",
            ]
        }
        return values
    }

    /// A delta's displayed fields: the public ones always, the content when disclosed.
    static func fields(of record: DeltaRecord, disclosed: Bool) -> [String: Any] {
        var fields: [String: Any] = [
            "receiptId": record.receiptID, "contentHash": record.contentHash.prefixedHex, "amount": record.amount.description,
            "recordedAt": Timestamp.iso8601(millis: record.createdAt), "status": record.status.rawValue,
            "witnessedAt": PageParts.time(record.witnessedAt, absent: "—"),
        ]
        guard disclosed else { return fields }
        fields["content"] = [
            "recordId": record.recordID, "customerId": record.customerID, "sequenceNumber": String(record.sequenceNumber),
            "delta": record.amount.description, "reason": record.reason, "createdAt": Timestamp.iso8601(millis: record.createdAt),
            "referenceId": record.referenceID ?? "", "hasReferenceId": record.referenceID != nil,
            "metadata": record.metadata?.text ?? "", "hasMetadata": record.metadata != nil,
            "adjusts": record.adjusts ?? "", "hasAdjusts": record.adjusts != nil,
        ]
        return fields
    }

    /// A record entry's displayed fields: what its log leaf names always; its record, its
    /// lifecycle word and every sealed field with its salt when disclosed.
    static func fields(of entry: RecordEntry, record: RecordSummary, disclosed: Bool) -> [String: Any] {
        let committed = entry.committed(recordType: record.recordType)
        var fields: [String: Any] = [
            "receiptId": entry.entryID, "recordKey": entry.recordKey.prefixedHex, "seq": String(entry.seq), "entry": String(entry.seq + 1),
            "entryHash": committed.hash.prefixedHex, "recordedAt": Timestamp.iso8601(millis: entry.createdAt), "status": entry.status.rawValue,
            "witnessedAt": PageParts.time(entry.witnessedAt, absent: "—"),
        ]
        guard disclosed else { return fields }
        // An encrypted entry discloses nothing: the server cannot read it.
        let leaves = entry.saltKey.flatMap { try? RecordHash.leaves(of: entry.content, saltKey: $0) } ?? []
        fields["content"] = [
            "recordType": record.recordType, "entityId": record.entityID, "lifecycle": entry.lifecycle,
            "recordHash": entry.recordHash.prefixedHex, "attempted": entry.attempted ?? "", "hasAttempted": entry.attempted != nil,
            "leaves": leaves.map { leaf in
                [
                    "pointer": leaf.pointer, "salt": leaf.salt.prefixedHex,
                    "value": String(decoding: JSONWriter.serialize(leaf.value), as: UTF8.self),
                ]
            },
        ]
        return fields
    }
}
