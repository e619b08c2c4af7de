import PacSpaceCore
import SQLKit

extension Audit {
    /// A customer's figures replayed from its deltas.
    private struct Replay {
        var count: Int64 = 0
        var lastSequence: Int64 = 0
        var verified: Int64 = 0
        /// Sums of micro-units, wide: a replay must not trap on what it checks.
        var balance: Int128 = 0
        var accepted: Int128 = 0
        var lastVerifiedIndex: Int64?
    }

    /// Every delta of the environment: content hash, leaf, and the customers' replay.
    func auditDeltas(_ environment: EnvironmentRecord, _ report: inout AuditReport) async throws {
        let subject = environment.id
        func finding(_ about: String, _ problem: String) { report.findings.append(AuditFinding(subject: "\(subject) \(about)", problem: problem)) }
        var customers: [String: Replay] = [:]
        var verified: Int64 = 0
        var after: Int64 = -1
        while true {
            let cursor = after
            let rows = try await database.read(timeout: nil) { db in
                try await db.raw(
                    """
                    SELECT d.*, e.leaf_data FROM deltas d
                    LEFT JOIN log_entries e ON e.environment_id = d.environment_id AND e.entry_index = d.log_index
                    WHERE d.environment_id = \(bind: environment.id) AND d.queue_position > \(bind: cursor)
                    ORDER BY d.queue_position LIMIT 5000
                    """
                ).all()
            }
            guard let last = rows.last else { break }
            after = try last.decode(column: "queue_position", as: Int64.self)
            for row in rows {
                report.deltas += 1
                // A row the server could not have written (a content hash that is no hash) is
                // a finding here; everywhere else it stops the read.
                let record: DeltaRecord
                do { record = try DeltaRecord(row: row) } catch let invariant as StoreInvariant {
                    finding("delta \(try row.decode(column: "record_id", as: String.self))", invariant.description)
                    continue
                }
                let content = DeltaContent(
                    recordID: record.recordID,
                    customerID: record.customerID,
                    sequenceNumber: record.sequenceNumber,
                    delta: record.amount,
                    reason: record.reason,
                    referenceID: record.referenceID,
                    metadata: record.metadata,
                    adjusts: record.adjusts,
                    createdAt: record.createdAt
                )
                let hash = content.contentHash()
                if hash != record.contentHash {
                    finding(
                        "delta \(record.recordID)",
                        "stored content hash \(record.contentHash.prefixedHex), the content gives \(hash.prefixedHex)"
                    )
                }
                var replay = customers[record.customerID] ?? Replay()
                replay.count += 1
                replay.lastSequence = max(replay.lastSequence, record.sequenceNumber)
                if record.status != .failed { replay.accepted += Int128(record.amount.micros) }
                if record.status == .verified {
                    verified += 1
                    replay.verified += 1
                    replay.balance += Int128(record.amount.micros)
                    replay.lastVerifiedIndex = max(replay.lastVerifiedIndex ?? -1, record.logIndex ?? -1)
                    let opening = LogEntry.delta(receiptID: record.receiptID, contentHash: hash).leafData
                    let logged = try row.decode(column: "leaf_data", as: String?.self)
                    if !LeafCommitment.isLeaf(Array((logged ?? "").utf8), of: opening) {
                        finding(
                            "delta \(record.recordID)",
                            "VERIFIED at log index \(record.logIndex.map(String.init) ?? "none"), but that leaf is not this delta's"
                        )
                    }
                } else if let index = record.logIndex {
                    finding("delta \(record.recordID)", "\(record.status) but has log index \(index)")
                }
                customers[record.customerID] = replay
            }
            if report.deltas % 100_000 < 5000 { progress("\(environment.id): \(report.deltas) deltas") }
        }
        try await compareCustomers(environment, customers, &report)
        let (checkpoints, usage) = try await database.read(timeout: nil) { db in
            let checkpoints = try await db.raw(
                """
                SELECT c.checkpoint_id, c.leaf_data AS own, e.leaf_data FROM checkpoints c
                LEFT JOIN log_entries e ON e.environment_id = c.environment_id AND e.entry_index = c.log_index
                WHERE c.environment_id = \(bind: environment.id) AND c.status = 'VERIFIED'
                """
            ).all()
            let usage =
                try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(verified_deltas), 0) AS BIGINT) AS n FROM usage_months WHERE environment_id = \(bind: environment.id)
                    """
                ).first()?.decode(column: "n", as: Int64.self) ?? 0
            return (checkpoints, usage)
        }
        for row in checkpoints
        where try !LeafCommitment.isLeaf(
            Array((row.decode(column: "leaf_data", as: String?.self) ?? "").utf8),
            of: Array(row.decode(column: "own", as: String.self).utf8)
        ) {
            finding("checkpoint \(try row.decode(column: "checkpoint_id", as: String.self))", "its log leaf is not its entry")
        }
        let recordEntries = try await auditRecordEntries(environment, finding)
        if verified + Int64(checkpoints.count) + recordEntries != environment.treeSize {
            finding(
                "log",
                "\(verified) VERIFIED deltas, \(checkpoints.count) checkpoints and \(recordEntries) record entries, "
                    + "but the log has \(environment.treeSize) leaves"
            )
        }
        if usage != verified { finding("usage", "the monthly counters say \(usage) verified deltas, the deltas \(verified)") }
    }

    private func compareCustomers(_ environment: EnvironmentRecord, _ replayed: [String: Replay], _ report: inout AuditReport) async throws {
        let rows = try await database.read(timeout: nil) { db in
            try await db.raw("SELECT * FROM customers WHERE environment_id = \(bind: environment.id)").all()
        }
        var stored: Set<String> = []
        for row in rows {
            let customer = try row.decode(column: "customer_id", as: String.self)
            stored.insert(customer)
            report.customers += 1
            let replay = replayed[customer] ?? Replay()
            let totalDeltas = try row.decode(column: "total_deltas", as: Int64.self)
            let lastSequence = try row.decode(column: "last_sequence", as: Int64.self)
            let verifiedDeltas = try row.decode(column: "verified_deltas", as: Int64.self)
            let verifiedBalance = try row.decode(column: "verified_balance", as: Int64.self)
            let acceptedBalance = try row.decode(column: "accepted_balance", as: Int64.self)
            let lastVerifiedIndex = try row.decode(column: "last_verified_index", as: Int64?.self)
            var figures: [(String, Int128?, Int128?)] = []
            figures.append(("totalDeltas", Int128(totalDeltas), Int128(replay.count)))
            figures.append(("lastSequence", Int128(lastSequence), Int128(replay.lastSequence)))
            figures.append(("verifiedDeltas", Int128(verifiedDeltas), Int128(replay.verified)))
            figures.append(("verifiedBalance (micros)", Int128(verifiedBalance), replay.balance))
            figures.append(("acceptedBalance (micros)", Int128(acceptedBalance), replay.accepted))
            figures.append(("lastVerifiedIndex", lastVerifiedIndex.map { Int128($0) }, replay.lastVerifiedIndex.map { Int128($0) }))
            for (name, kept, computed) in figures where kept != computed {
                report.findings.append(
                    AuditFinding(
                        subject: "\(environment.id) customer \(customer)",
                        problem: "\(name) is \(kept.map(String.init) ?? "null"), the deltas give \(computed.map(String.init) ?? "null")"
                    )
                )
            }
            if replay.count != replay.lastSequence {
                report.findings.append(
                    AuditFinding(
                        subject: "\(environment.id) customer \(customer)",
                        problem: "\(replay.count) deltas but sequence numbers up to \(replay.lastSequence)"
                    )
                )
            }
        }
        for customer in replayed.keys where !stored.contains(customer) {
            report.findings.append(AuditFinding(subject: "\(environment.id) customer \(customer)", problem: "has deltas but no totals row"))
        }
        let accepted = replayed.values.reduce(Int128(0)) { $0 + $1.accepted }
        let kept = try await database.read(timeout: nil) { db in
            try await db.raw("SELECT accepted_balance FROM environments WHERE id = \(bind: environment.id)").first()?
                .decode(column: "accepted_balance", as: Int64.self)
        }
        if let kept, Int128(kept) != accepted {
            report.findings.append(
                AuditFinding(
                    subject: "\(environment.id) environment",
                    problem: "acceptedBalance (micros) is \(kept), the deltas give \(accepted)"
                )
            )
        }
    }

    /// Each tenant's credits against its ledger and its queued production deltas and record entries.
    func auditCredits(_ report: inout AuditReport) async throws {
        let (accounts, sums, queued) = try await database.read(timeout: nil) { db in
            let accounts = try await db.raw("SELECT tenant_id, balance, reserved FROM credit_accounts").all()
            let sums = try await db.raw(
                """
                SELECT tenant_id, type, CAST(SUM(amount) AS BIGINT) AS total FROM credit_entries GROUP BY tenant_id, type
                """
            ).all()
            let queued = try await db.raw(
                """
                SELECT e.tenant_id, CAST(SUM(d.credit_cost) AS BIGINT) AS total FROM deltas d JOIN environments e ON e.id = d.environment_id
                WHERE d.queue_position > e.tree_size AND d.status = 'QUEUED' GROUP BY e.tenant_id
                UNION ALL
                SELECT e.tenant_id, CAST(SUM(r.credit_cost) AS BIGINT) AS total FROM record_entries r
                JOIN environments e ON e.id = r.environment_id
                WHERE r.status = 'QUEUED' GROUP BY e.tenant_id
                """
            ).all()
            return (accounts, sums, queued)
        }
        var ledger: [String: [String: Int64]] = [:]
        for row in sums {
            ledger[try row.decode(column: "tenant_id", as: String.self), default: [:]][try row.decode(column: "type", as: String.self)] =
                try row.decode(column: "total", as: Int64.self)
        }
        var queuedCost: [String: Int128] = [:]
        for row in queued {
            queuedCost[try row.decode(column: "tenant_id", as: String.self), default: 0] += Int128(try row.decode(column: "total", as: Int64.self))
        }
        for row in accounts {
            report.tenants += 1
            let tenant = try row.decode(column: "tenant_id", as: String.self)
            let balance = try row.decode(column: "balance", as: Int64.self)
            let reserved = try row.decode(column: "reserved", as: Int64.self)
            let entries = ledger[tenant] ?? [:]
            // Sums of stored sums: in Int128, so a ledger edited past the range is a finding, not a trap.
            let total = { (type: CreditEntry.Kind) in Int128(entries[type.rawValue] ?? 0) }
            let ledgerBalance = total(.grant) + total(.topup) + total(.settlement)
            let ledgerReserved = total(.reservation) + total(.settlement) - total(.release)
            func finding(_ problem: String) { report.findings.append(AuditFinding(subject: "\(tenant) credits", problem: problem)) }
            func shown(_ sum: Int128) -> String { Amount(exactly: sum).map { "\($0)" } ?? "\(sum) micro-credits (past the amount range)" }
            if Int128(balance) != ledgerBalance { finding("balance \(Amount(micros: balance)), the ledger sums to \(shown(ledgerBalance))") }
            if Int128(reserved) != ledgerReserved { finding("reserved \(Amount(micros: reserved)), the ledger sums to \(shown(ledgerReserved))") }
            if Int128(reserved) != queuedCost[tenant] ?? 0 {
                finding(
                    "reserved \(Amount(micros: reserved)), the queued production deltas and record entries cost \(shown(queuedCost[tenant] ?? 0))"
                )
            }
            if balance < 0 || reserved < 0 || balance < reserved { finding("negative: balance \(balance), reserved \(reserved) micro-credits") }
        }
    }
}
