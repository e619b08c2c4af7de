/// A tenant's receipts against the logs it follows: each entry it was given a receipt for is
/// in its environment's log, at the index the receipt names, in a tree the log still extends;
/// a record's entries in the order of their `seq`; and a receipt that says it is witnessed
/// names a server-log checkpoint the followed server log extends, cosigned by the quorum.
extension LogMonitor {
    /// A receipt as a client keeps it: a delta's status answer (GET /api/v1/balance/delta/…)
    /// or a record entry's receipt (GET /api/v1/records/…/receipts/…), whole or its `data`.
    public struct ReceiptFile: Sendable {
        public let name: String
        public let json: JSONValue

        public init(name: String, json: JSONValue) {
            self.name = name
            self.json = json
        }
    }

    /// What one receipt proved.
    private struct Placed {
        let origin: String
        let index: UInt64
        /// A record entry's record key and seq.
        let record: (key: Hash, seq: Int64)?
    }

    /// Checks every receipt; returns how many were checked.
    func check(_ receipts: [ReceiptFile], state: MonitorState) async throws -> Int {
        var placed: [Placed] = []
        for receipt in receipts { placed.append(try await check(receipt, state: state)) }
        // A record's entries, in seq order, sit at increasing indexes of one log.
        var byRecord: [Hash: [Placed]] = [:]
        for entry in placed { if let record = entry.record { byRecord[record.key, default: []].append(entry) } }
        for (key, entries) in byRecord {
            let ordered = entries.sorted { ($0.record?.seq ?? 0) < ($1.record?.seq ?? 0) }
            for (before, after) in zip(ordered, ordered.dropFirst()) where before.origin != after.origin || before.index >= after.index {
                throw Finding(
                    kind: .receipt,
                    origin: after.origin,
                    detail:
                        "record \(key.prefixedHex): entry seq \(after.record?.seq ?? 0) is at index \(after.index), "
                        + "not after seq \(before.record?.seq ?? 0) at \(before.index)",
                    evidence: []
                )
            }
        }
        return placed.count
    }

    private func check(_ file: ReceiptFile, state: MonitorState) async throws -> Placed {
        func refuse(_ origin: String, _ detail: String) -> Finding {
            Finding(kind: .receipt, origin: origin, detail: "\(file.name): \(detail)", evidence: [])
        }
        let data = file.json["success"] != nil ? (file.json["data"] ?? .null) : file.json
        let record = data["receipt"] ?? (data["logCheckpoint"] != nil ? data : nil)
        let tlog: String
        let witnessed: JSONValue?
        if let record {
            guard case .string(let text)? = record["logCheckpoint"]?["receipt"] else { throw refuse("?", "the entry has no logCheckpoint.receipt") }
            (tlog, witnessed) = (text, record["logCheckpoint"]?["witnessed"])
        } else {
            guard case .string(let text)? = data["proof"]?["receipt"] else {
                throw refuse("?", "neither a delta's status answer with proof.receipt nor a record entry's receipt")
            }
            (tlog, witnessed) = (text, data["proof"]?["witnessed"])
        }
        let proof: TlogProof
        do { proof = try TlogProof(parsing: tlog) } catch { throw refuse("?", "the receipt is not a tlog-proof: \(error)") }
        let origin = proof.checkpoint.prefix { $0 != "\n" }
        guard let log = environments.first(where: { $0.origin == origin }), let view = state.logs[log.origin] else {
            throw Unchecked("\(file.name): its log \(origin) is not one this monitor follows (add its tiles prefix with --environment)")
        }
        let index: UInt64
        let checkpoint: Checkpoint
        var placement: (Hash, Int64)?
        do {
            if let record {
                let report = try OfflineVerification.verify(recordEntry: record, tlogProof: tlog, verifierKey: log.verifier.verifierKey)
                (index, checkpoint, placement) = (report.logIndex, report.checkpoint, (report.recordKey, report.seq))
            } else {
                let report = try OfflineVerification.verify(delta: data, receipt: tlog, verifierKey: log.verifier.verifierKey)
                (index, checkpoint) = (report.logIndex, report.checkpoint)
            }
        } catch { throw refuse(log.origin, "\(error)") }
        guard checkpoint.size <= view.size else {
            throw Finding(
                kind: .rollback,
                origin: log.origin,
                detail: "\(file.name) is proved in a tree of \(checkpoint.size) entries; the log now serves \(view.size)",
                evidence: [proof.checkpoint, view.note]
            )
        }
        let current = Checkpoint(origin: log.origin, size: view.size, root: view.root)
        try await requireConsistency(log, from: (checkpoint.size, checkpoint.root), to: current, evidence: [proof.checkpoint, view.note])
        if case .string(let chain)? = witnessed?["serverLogReceipt"] {
            try await checkChain(chain, of: proof.checkpoint, file: file.name, state: state)
        }
        return Placed(origin: log.origin, index: index, record: placement)
    }

    /// A witnessed receipt's second link: its environment checkpoint is a leaf of a
    /// server-log checkpoint the quorum cosigned, and the followed server log extends it.
    private func checkChain(_ chain: String, of environmentCheckpoint: String, file: String, state: MonitorState) async throws {
        let report: OfflineVerification.WitnessReport
        do {
            report = try OfflineVerification.verifyWitnesses(
                environmentCheckpoint: environmentCheckpoint,
                serverLogReceipt: chain,
                policy: policy.accepting(log: serverLog.verifier)
            )
        } catch { throw Finding(kind: .receipt, origin: serverLog.origin, detail: "\(file): its witness chain: \(error)", evidence: []) }
        guard report.quorumMet else {
            throw Finding(
                kind: .receipt,
                origin: serverLog.origin,
                detail: "\(file): its witness chain does not carry the policy's quorum",
                evidence: []
            )
        }
        guard let view = state.logs[serverLog.origin], report.serverLogCheckpoint.size <= view.size else {
            throw Finding(
                kind: .rollback,
                origin: serverLog.origin,
                detail: "\(file) is witnessed in a server-log tree of \(report.serverLogCheckpoint.size) entries, past the one the log serves",
                evidence: []
            )
        }
        let current = Checkpoint(origin: serverLog.origin, size: view.size, root: view.root)
        try await requireConsistency(
            serverLog,
            from: (report.serverLogCheckpoint.size, report.serverLogCheckpoint.root),
            to: current,
            evidence: [view.note]
        )
    }
}
