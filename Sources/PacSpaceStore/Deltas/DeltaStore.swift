import Foundation
import PacSpaceCore
import SQLKit

/// Deltas, customers' sequence counters and running totals, idempotency records. This file is
/// the write path (group-commit ingest); reads are in `DeltaQueries.swift`.
public struct DeltaStore: Sendable {
    let database: Database
    /// How long an Idempotency-Key's answer is kept (docs/api.md: at least 30 days). Past it the
    /// key is free again; ``purgeIdempotencyKeys(before:limit:)`` deletes the rows.
    public let idempotencyLifetimeMillis: Int64

    public static let defaultIdempotencyLifetimeMillis: Int64 = 30 * 86_400_000

    public init(database: Database, idempotencyLifetimeMillis: Int64 = DeltaStore.defaultIdempotencyLifetimeMillis) {
        self.database = database
        self.idempotencyLifetimeMillis = idempotencyLifetimeMillis
    }

    /// Stores a group of prepared requests in one transaction (group commit): one fsync
    /// for all. Outcomes come back per request, per submission, in order. `now` stamps
    /// the customers' activity, reservations and idempotency records.
    ///
    /// The work is set-based, not per delta: one lookup of the referenceIds named, one
    /// multi-row upsert of the customers' sequence counters, one reservation of queue
    /// positions per environment, multi-row inserts of the deltas.
    public func ingest(_ prepared: [PreparedIngest], now: Int64) async throws -> [IngestResult] {
        let requests = prepared.map(\.request)
        let (outcomes, kept) = try await database.transaction { db in
            // Locks in LockOrder's order: the paying tenants' credit accounts first; the
            // customers (by key) and environments follow in `insert`.
            try await LockOrder.creditAccounts(Set(requests.compactMap { $0.credits?.tenantID }), database.dialect, db)
            var known = try await existing(references: requests, db)
            var totals = try await acceptedTotals(requests, db)
            var outcomes: [[IngestOutcome?]] = []
            var fresh: [(request: Int, item: Int, environment: String, submission: DeltaSubmission, prepared: PreparedDelta)] = []
            // Decide in order. A referenceId first seen in this group is reserved (nil record)
            // and resolved once its record exists, so a repeat inside the group is a duplicate.
            // Production requests reserve their new deltas' cost, all or nothing per request;
            // a refused request withdraws its referenceId reservations before the next is decided.
            for (r, request) in requests.enumerated() {
                var row: [IngestOutcome?] = []
                var mine: [(item: Int, submission: DeltaSubmission)] = []
                var reserved: [ReferenceKey] = []
                let totalsBefore = totals
                for (i, submission) in request.submissions.enumerated() {
                    let key = { (reference: String) in ReferenceKey(request.environmentID, submission.customerID, reference) }
                    if let reference = submission.referenceID, let existing = known[key(reference)] {
                        if let existing {
                            row.append(submission.sameContent(as: existing) ? .duplicate(existing) : .referenceConflict(reference))
                        } else {
                            row.append(nil)  // repeats one of this group: decided below
                        }
                        continue
                    }
                    if let adjusts = submission.adjusts, known[key(adjusts)] == nil {
                        row.append(.unknownAdjusts(adjusts))
                        continue
                    }
                    if let refused = totals.add(submission.amount, customer: submission.customerID, environment: request.environmentID) {
                        row.append(.totalOutOfRange(refused))
                        continue
                    }
                    if let reference = submission.referenceID {
                        known[key(reference)] = .some(nil)
                        reserved.append(key(reference))
                    }
                    mine.append((i, submission))
                    row.append(nil)
                }
                if let credits = request.credits, !mine.isEmpty,
                    try await !CreditStore.reserve(credits, Int64(mine.count) * credits.costPerEntry, "\(mine.count) production deltas", now, db)
                {
                    for key in reserved { known[key] = nil }
                    totals = totalsBefore
                    outcomes.append(row.map { _ in .insufficientCredits })
                    continue
                }
                fresh += mine.map { (r, $0.item, request.environmentID, $0.submission, prepared[r].deltas[$0.item]) }
                outcomes.append(row)
            }
            let records = try await insert(
                fresh.map { ($0.environment, $0.submission, $0.prepared, requests[$0.request].credits?.costPerEntry ?? 0) },
                now: now,
                db
            )
            for (slot, record) in zip(fresh, records) {
                outcomes[slot.request][slot.item] = .queued(record)
                if let reference = slot.submission.referenceID {
                    known[ReferenceKey(slot.environment, slot.submission.customerID, reference)] = .some(record)
                }
            }
            for (r, request) in requests.enumerated() {
                for (i, submission) in request.submissions.enumerated() where outcomes[r][i] == nil {
                    guard let reference = submission.referenceID,
                        case .some(.some(let original)) = known[ReferenceKey(request.environmentID, submission.customerID, reference)]
                    else {
                        continue
                    }
                    outcomes[r][i] = submission.sameContent(as: original) ? .duplicate(original) : .referenceConflict(reference)
                }
            }
            // Every slot was decided above: the first pass, the inserted records, or their repeats.
            let results = try outcomes.map { row in
                try row.map { outcome in
                    guard let outcome else { throw StoreInvariant("an ingest outcome was left undecided") }
                    return outcome
                }
            }
            // The answers of requests that carried an Idempotency-Key, kept with the write.
            var kept: [Int: IngestAnswer] = [:]
            var answered: [(String, IngestRequest.Idempotency, IngestAnswer)] = []
            for (index, (request, result)) in zip(requests, results).enumerated() {
                guard let idempotency = request.idempotency else { continue }
                let answer = IngestAnswer.render(request.shape, result)
                kept[index] = answer
                answered.append((request.environmentID, idempotency, answer))
            }
            // An expired answer not yet purged gives its key up to this request.
            try await RowBatch.delete(
                from: "idempotency_keys",
                key: [("environment_id", .text), ("idempotency_key", .text)],
                filter: "created_at <= \(now - idempotencyLifetimeMillis)",
                in: answered,
                db
            ) { item, row in
                row.text(item.0)
                row.text(item.1.key)
            }
            try await RowBatch.insert(
                into: "idempotency_keys",
                columns: [
                    ("environment_id", .text), ("idempotency_key", .text), ("request_hash", .text), ("status_code", .integer),
                    ("response", .text), ("created_at", .integer),
                ],
                answered,
                db
            ) { item, row in
                let (environment, idempotency, answer) = item
                row.text(environment)
                row.text(idempotency.key)
                row.text(idempotency.requestHash)
                row.integer(Int64(answer.status))
                row.text(String(decoding: answer.body, as: UTF8.self))
                row.integer(now)
            }
            return (results, kept)
        }
        return zip(requests, outcomes).enumerated().map { index, pair in
            IngestResult(outcomes: pair.1, shape: pair.0.shape, kept: kept[index])
        }
    }

    struct ReferenceKey: Hashable {
        let environment: String
        let customer: String
        let reference: String
        init(_ environment: String, _ customer: String, _ reference: String) {
            self.environment = environment
            self.customer = customer
            self.reference = reference
        }
    }

    /// Running totals of every accepted delta, as a group's decisions change them: each
    /// new delta must keep its customer's and its environment's total inside
    /// ±``Amount/maxTotal`` (so that every sum a read takes fits, see ``Amount/maxTotal``).
    struct AcceptedTotals {
        var customers: [CustomerKey: Int64]
        var environments: [String: Int64]

        /// Adds `amount` when both totals stay in bound; otherwise changes nothing and
        /// names the total that would leave it. Totals already outside (written before
        /// the bound) accept only deltas that bring them closer to zero.
        mutating func add(_ amount: Amount, customer: String, environment: String) -> IngestOutcome.TotalScope? {
            let key = CustomerKey(environment: environment, customer: customer)
            func fits(_ old: Int64) -> Int64? {
                let (new, overflow) = old.addingReportingOverflow(amount.micros)
                guard !overflow, Amount(micros: new).isWithinTotalBound || new.magnitude < old.magnitude else { return nil }
                return new
            }
            guard let customerTotal = fits(customers[key] ?? 0) else { return .customer }
            guard let environmentTotal = fits(environments[environment] ?? 0) else { return .environment }
            customers[key] = customerTotal
            environments[environment] = environmentTotal
            return nil
        }
    }

    /// The accepted totals of the customers and environments a group names, read without
    /// locking: one writer per server decides groups one after the other. (Servers sharing
    /// a PostgreSQL database may each admit one group past the bound; locking the rows
    /// here would take environments before customers, the reverse of the sequencer's order,
    /// and deadlock. The sums below stay exact and the reads checked either way.)
    private func acceptedTotals(_ requests: [IngestRequest], _ db: any SQLDatabase) async throws -> AcceptedTotals {
        var totals = AcceptedTotals(customers: [:], environments: [:])
        let environments = Set(requests.map(\.environmentID)).sorted()
        for chunk in environments.chunked(500) {
            var list: SQLQueryString = ""
            for (offset, id) in chunk.enumerated() { list += offset == 0 ? "\(bind: id)" : ", \(bind: id)" }
            for row in try await db.raw("SELECT id, accepted_balance FROM environments WHERE id IN (" + list + ")").all() {
                totals.environments[try row.decode(column: "id", as: String.self)] = try row.decode(column: "accepted_balance", as: Int64.self)
            }
        }
        var wanted: Set<CustomerKey> = []
        for request in requests {
            for submission in request.submissions { wanted.insert(CustomerKey(environment: request.environmentID, customer: submission.customerID)) }
        }
        let rows = try await RowBatch.select(
            "t.environment_id, t.customer_id, t.accepted_balance",
            from: "customers",
            key: [("environment_id", .text), ("customer_id", .text)],
            in: wanted,
            db
        ) { key, row in
            row.text(key.environment)
            row.text(key.customer)
        }
        for row in rows {
            let key = CustomerKey(
                environment: try row.decode(column: "environment_id", as: String.self),
                customer: try row.decode(column: "customer_id", as: String.self)
            )
            totals.customers[key] = try row.decode(column: "accepted_balance", as: Int64.self)
        }
        return totals
    }

    /// The stored deltas whose referenceId a submission names (as its own or in `adjusts`):
    /// one index lookup per (customer, referenceId). (An IN list of referenceIds alone
    /// cannot use the (environment, customer, reference) index and reads every referenced
    /// delta of the environment.)
    private func existing(references requests: [IngestRequest], _ db: any SQLDatabase) async throws -> [ReferenceKey: DeltaRecord?] {
        var wanted: Set<ReferenceKey> = []
        for request in requests {
            for submission in request.submissions {
                for reference in [submission.referenceID, submission.adjusts].compactMap({ $0 }) {
                    wanted.insert(ReferenceKey(request.environmentID, submission.customerID, reference))
                }
            }
        }
        guard !wanted.isEmpty else { return [:] }
        let rows = try await RowBatch.select(
            "t.*",
            from: "deltas",
            key: [("environment_id", .text), ("customer_id", .text), ("reference_id", .text)],
            filter: "t.reference_id IS NOT NULL",
            in: wanted,
            db
        ) { key, row in
            row.text(key.environment)
            row.text(key.customer)
            row.text(key.reference)
        }
        var found: [ReferenceKey: DeltaRecord?] = [:]
        for row in rows {
            let record = try DeltaRecord(row: row)
            found[ReferenceKey(record.environmentID, record.customerID, record.referenceID ?? "")] = .some(record)
        }
        return found
    }

    struct CustomerKey: Hashable {
        let environment: String
        let customer: String
    }

    /// Inserts new deltas: sequence numbers from one multi-row upsert of the customers'
    /// counters, queue positions from one reservation per environment, rows in chunks.
    private func insert(
        _ items: [(environment: String, submission: DeltaSubmission, prepared: PreparedDelta, cost: Int64)],
        now: Int64,
        _ db: any SQLDatabase
    ) async throws -> [DeltaRecord] {
        guard !items.isEmpty else { return [] }
        var customers: [CustomerKey: Tally] = [:]
        var environments: [String: Tally] = [:]
        var order: [CustomerKey] = []
        for item in items {
            let key = CustomerKey(environment: item.environment, customer: item.submission.customerID)
            if customers[key] == nil { order.append(key) }
            customers[key, default: Tally()].add(item.submission.amount)
            environments[item.environment, default: Tally()].add(item.submission.amount)
        }
        var nextSequence: [CustomerKey: Int64] = [:]
        // Rows are locked in key order, as the sequencer's running totals lock them: two
        // transactions taking the same customers in different orders deadlock on PostgreSQL
        // (found by bench-scale: 40P01 between an ingest group and a sequencer batch).
        order.sort { ($0.environment, $0.customer) < ($1.environment, $1.customer) }
        for chunk in order.chunked(500) {
            var query: SQLQueryString = """
                INSERT INTO customers (environment_id, customer_id, last_sequence, total_deltas,
                accepted_balance, created_at, last_activity_at) VALUES
                """
            for (offset, key) in chunk.enumerated() {
                let tally = customers[key] ?? Tally()
                query += offset == 0 ? " " : ", "
                query +=
                    "(\(bind: key.environment), \(bind: key.customer), \(bind: tally.count), \(bind: tally.count), "
                    + "\(bind: try tally.narrowSum()), \(bind: now), \(bind: now))"
            }
            query += """
                 ON CONFLICT (environment_id, customer_id) DO UPDATE SET last_sequence = customers.last_sequence + excluded.last_sequence,
                    total_deltas = customers.total_deltas + excluded.total_deltas, last_activity_at = excluded.last_activity_at,
                    accepted_balance = customers.accepted_balance + excluded.accepted_balance
                 RETURNING environment_id, customer_id, last_sequence
                """
            for row in try await db.raw(query).all() {
                let key = CustomerKey(
                    environment: try row.decode(column: "environment_id", as: String.self),
                    customer: try row.decode(column: "customer_id", as: String.self)
                )
                nextSequence[key] = try row.decode(column: "last_sequence", as: Int64.self) - (customers[key]?.count ?? 0) + 1
            }
        }
        // Queue positions and accepted totals of every environment of the group in one
        // statement: one UPDATE an environment was one statement (and on PostgreSQL one round
        // trip) per environment a group names, a dozen or more with many tenants (issue 28).
        try await LockOrder.environments(Set(environments.keys), database.dialect, db)
        var positions = try await QueuePositions(
            counts: environments.mapValues(\.count),
            accepted: try environments.mapValues { try $0.narrowSum() },
            db
        )
        var rows: [(DeltaRecord, Int64, Int64)] = []
        for item in items {
            let key = CustomerKey(environment: item.environment, customer: item.submission.customerID)
            guard let sequence = nextSequence[key] else { throw StoreInvariant("no sequence number for a delta of \(item.environment)") }
            nextSequence[key] = sequence + 1
            let position = try positions.take(item.environment)
            rows.append((record(item.submission, item.prepared, environment: item.environment, sequence: sequence), position, item.cost))
        }
        try await RowBatch.insert(into: "deltas", columns: Self.columns, rows, db) { item, row in
            let (record, position, cost) = item
            row.text(record.recordID)
            row.text(record.receiptID)
            row.text(record.environmentID)
            row.text(record.customerID)
            row.integer(record.sequenceNumber)
            row.integer(position)
            row.integer(record.amount.micros)
            row.text(record.reason)
            row.text(record.referenceID)
            row.text(record.metadata?.text)
            row.text(record.adjusts)
            row.text(record.contentHash.prefixedHex)
            row.text(record.status.rawValue)
            row.integer(record.createdAt)
            row.integer(cost)
        }
        return rows.map(\.0)
    }

    /// The columns a new delta row is written with, in ``insert(_:now:_:)``'s order.
    private static let columns: [(name: String, kind: RowBatch.Kind)] = [
        ("record_id", .text), ("receipt_id", .text), ("environment_id", .text), ("customer_id", .text), ("sequence_number", .integer),
        ("queue_position", .integer), ("amount", .integer), ("reason", .text), ("reference_id", .text), ("metadata", .text),
        ("adjusts", .text), ("content_hash", .text), ("status", .text), ("created_at", .integer), ("credit_cost", .integer),
    ]

    /// A new QUEUED record: the prepared delta with its sequence number.
    private func record(_ submission: DeltaSubmission, _ prepared: PreparedDelta, environment: String, sequence: Int64) -> DeltaRecord {
        DeltaRecord(
            recordID: prepared.recordID,
            receiptID: prepared.receiptID,
            environmentID: environment,
            customerID: submission.customerID,
            sequenceNumber: sequence,
            amount: submission.amount,
            reason: submission.reason,
            referenceID: submission.referenceID,
            metadata: submission.metadata,
            adjusts: submission.adjusts,
            contentHash: prepared.content.contentHash(sequenceNumber: sequence),
            status: .queued,
            errorCode: nil,
            errorMessage: nil,
            createdAt: prepared.createdAt,
            logIndex: nil,
            verifiedAt: nil,
            latencyMs: nil
        )
    }
}

/// How many deltas of an ingest group go to one customer or environment, and their sum:
/// summed wide, since a group of the writer's (≤ 5,000 deltas of ≤ 10¹⁵ micro-units) fits
/// Int64 but a corrupted one must be refused, not trapped.
private struct Tally {
    var count: Int64 = 0
    var sum: Int128 = 0

    mutating func add(_ amount: Amount) {
        count += 1
        sum += Int128(amount.micros)
    }

    /// The sum as stored.
    func narrowSum() throws -> Int64 {
        guard let value = Int64(exactly: sum) else { throw StoreInvariant("an ingest group's sum exceeds 64 bits") }
        return value
    }
}
