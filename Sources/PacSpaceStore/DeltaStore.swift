import Foundation
import PacSpaceCore
import SQLKit

/// A stored delta.
public struct DeltaRecord: Sendable, Equatable {
    public let recordID: String
    public let receiptID: String
    public let environmentID: String
    public let customerID: String
    public let sequenceNumber: Int64
    public let amount: Amount
    public let reason: String
    public let referenceID: String?
    /// Canonical (JCS) JSON text of the metadata object.
    public let metadata: String?
    public let adjusts: String?
    /// `0x…` content hash.
    public let contentHash: String
    /// `QUEUED`, `VERIFIED` or `FAILED`.
    public let status: String
    public let errorCode: String?
    public let errorMessage: String?
    public let createdAt: Int64
    public let logIndex: Int64?
    public let verifiedAt: Int64?
    public let latencyMs: Int64?

    /// The content its hash commits to.
    public var content: DeltaContent {
        DeltaContent(recordID: recordID, customerID: customerID, sequenceNumber: sequenceNumber, delta: amount, reason: reason,
                     referenceID: referenceID, metadata: metadata.flatMap { try? JSONParser.parse(Array($0.utf8)) },
                     adjusts: adjusts, createdAt: createdAt)
    }
}

/// A customer's running totals in one environment.
public struct CustomerTotals: Sendable, Equatable {
    public let customerID: String
    public let totalDeltas: Int64
    public let verifiedDeltas: Int64
    /// Sum of the customer's VERIFIED deltas, kept by the sequencer in the same transaction.
    public let verifiedBalance: Amount
    public let lastVerifiedIndex: Int64?
    public let latestReceiptID: String?
    public let lastActivityAt: Int64
}

/// A validated delta waiting to be stored.
public struct DeltaSubmission: Sendable, Equatable {
    public let customerID: String
    public let amount: Amount
    public let reason: String
    public let referenceID: String?
    /// Canonical (JCS) JSON text of the metadata object.
    public let metadata: String?
    public let adjusts: String?

    public init(customerID: String, amount: Amount, reason: String, referenceID: String?, metadata: String?, adjusts: String?) {
        self.customerID = customerID
        self.amount = amount
        self.reason = reason
        self.referenceID = referenceID
        self.metadata = metadata
        self.adjusts = adjusts
    }

    func sameContent(as record: DeltaRecord) -> Bool {
        record.amount == amount && record.reason == reason && record.metadata == metadata && record.adjusts == adjusts
    }
}

/// What storing one submission did.
public enum IngestOutcome: Sendable, Equatable {
    /// Stored, QUEUED.
    case queued(DeltaRecord)
    /// Its referenceId exists with the same content: the original record, nothing stored.
    case duplicate(DeltaRecord)
    /// Its referenceId exists with different content: nothing stored.
    case referenceConflict(String)
    /// `adjusts` names no delta of the customer: nothing stored.
    case unknownAdjusts(String)
    /// The tenant's available credits cannot cover the request: nothing of it stored.
    case insufficientCredits
}

/// One API request's worth of submissions, stored in the writer's shared transaction,
/// with the idempotency record of its answer when the request carried a key.
public struct IngestRequest: Sendable {
    public let environmentID: String
    public let submissions: [DeltaSubmission]
    public let idempotency: Idempotency?
    /// Production writes: whose credits pay, and the cost of one delta in micro-credits.
    public let credits: Credits?
    /// Renders the answer (status, JSON text) stored for the idempotency key.
    public let answer: @Sendable ([IngestOutcome]) -> (status: Int, body: String)

    public struct Idempotency: Sendable {
        public let key: String
        public let requestHash: String
        public init(key: String, requestHash: String) {
            self.key = key
            self.requestHash = requestHash
        }
    }

    public struct Credits: Sendable {
        public let tenantID: String
        public let costPerDelta: Int64
        public init(tenantID: String, costPerDelta: Int64) {
            self.tenantID = tenantID
            self.costPerDelta = costPerDelta
        }
    }

    public init(environmentID: String, submissions: [DeltaSubmission], idempotency: Idempotency?, credits: Credits? = nil,
                answer: @escaping @Sendable ([IngestOutcome]) -> (status: Int, body: String)) {
        self.environmentID = environmentID
        self.submissions = submissions
        self.idempotency = idempotency
        self.credits = credits
        self.answer = answer
    }
}

/// A stored answer of an idempotent request.
public struct IdempotencyRecord: Sendable, Equatable {
    public let requestHash: String
    public let statusCode: Int
    public let response: String
}

/// Deltas, customers' sequence counters and running totals, idempotency records.
public struct DeltaStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Stores a group of requests in one transaction (group commit): one fsync for all.
    /// Outcomes come back per request, per submission, in order.
    ///
    /// The work is set-based, not per delta: one lookup of the referenceIds named, one
    /// multi-row upsert of the customers' sequence counters, one reservation of queue
    /// positions per environment, multi-row inserts of the deltas.
    public func ingest(_ requests: [IngestRequest], now: Int64) async throws -> [[IngestOutcome]] {
        try await database.transaction { db in
            var known = try await existing(references: requests, db)
            var outcomes: [[IngestOutcome?]] = []
            var fresh: [(request: Int, item: Int, environment: String, submission: DeltaSubmission)] = []
            // Decide in order. A referenceId first seen in this group is reserved (nil record)
            // and resolved once its record exists, so a repeat inside the group is a duplicate.
            // Production requests reserve their new deltas' cost, all or nothing per request;
            // a refused request withdraws its referenceId reservations before the next is decided.
            for (r, request) in requests.enumerated() {
                var row: [IngestOutcome?] = []
                var mine: [(item: Int, submission: DeltaSubmission)] = []
                var reserved: [ReferenceKey] = []
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
                    if let reference = submission.referenceID {
                        known[key(reference)] = .some(nil)
                        reserved.append(key(reference))
                    }
                    mine.append((i, submission))
                    row.append(nil)
                }
                if let credits = request.credits, !mine.isEmpty,
                   try await !CreditStore.reserve(credits.tenantID, Int64(mine.count) * credits.costPerDelta, "\(mine.count) production deltas", now, db) {
                    for key in reserved { known[key] = nil }
                    outcomes.append(row.map { _ in .insufficientCredits })
                    continue
                }
                fresh += mine.map { (r, $0.item, request.environmentID, $0.submission) }
                outcomes.append(row)
            }
            let records = try await insert(fresh.map { ($0.environment, $0.submission, requests[$0.request].credits?.costPerDelta ?? 0) }, now: now, db)
            for (slot, record) in zip(fresh, records) {
                outcomes[slot.request][slot.item] = .queued(record)
                if let reference = slot.submission.referenceID {
                    known[ReferenceKey(slot.environment, slot.submission.customerID, reference)] = .some(record)
                }
            }
            for (r, request) in requests.enumerated() {
                for (i, submission) in request.submissions.enumerated() where outcomes[r][i] == nil {
                    guard let reference = submission.referenceID,
                          case .some(.some(let original)) = known[ReferenceKey(request.environmentID, submission.customerID, reference)] else {
                        continue
                    }
                    outcomes[r][i] = submission.sameContent(as: original) ? .duplicate(original) : .referenceConflict(reference)
                }
            }
            let results = outcomes.map { $0.map { $0! } }
            for (request, result) in zip(requests, results) {
                guard let idempotency = request.idempotency else { continue }
                let (status, body) = request.answer(result)
                try await db.raw("""
                    INSERT INTO idempotency_keys (environment_id, idempotency_key, request_hash, status_code, response, created_at)
                    VALUES (\(bind: request.environmentID), \(bind: idempotency.key), \(bind: idempotency.requestHash),
                            \(bind: status), \(bind: body), \(bind: now))
                    """).run()
            }
            return results
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

    /// The stored deltas whose referenceId a submission names (as its own or in `adjusts`).
    private func existing(references requests: [IngestRequest], _ db: any SQLDatabase) async throws -> [ReferenceKey: DeltaRecord?] {
        var wanted: [String: Set<String>] = [:]
        for request in requests {
            for submission in request.submissions {
                for reference in [submission.referenceID, submission.adjusts].compactMap({ $0 }) {
                    wanted[request.environmentID, default: []].insert(reference)
                }
            }
        }
        var found: [ReferenceKey: DeltaRecord?] = [:]
        for (environment, references) in wanted {
            for chunk in Array(references).chunked(500) {
                let rows = try await db.raw("""
                    SELECT * FROM deltas WHERE environment_id = \(bind: environment) AND reference_id IN (\(binds: Array(chunk)))
                    """).all()
                for row in rows {
                    let record = try DeltaRecord(row: row)
                    found[ReferenceKey(environment, record.customerID, record.referenceID ?? "")] = .some(record)
                }
            }
        }
        return found
    }

    private struct CustomerKey: Hashable {
        let environment: String
        let customer: String
    }

    /// Inserts new deltas: sequence numbers from one multi-row upsert of the customers'
    /// counters, queue positions from one reservation per environment, rows in chunks.
    private func insert(_ items: [(environment: String, submission: DeltaSubmission, cost: Int64)], now: Int64,
                        _ db: any SQLDatabase) async throws -> [DeltaRecord] {
        guard !items.isEmpty else { return [] }
        var counts: [CustomerKey: Int64] = [:]
        var order: [CustomerKey] = []
        for item in items {
            let key = CustomerKey(environment: item.environment, customer: item.submission.customerID)
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        var nextSequence: [CustomerKey: Int64] = [:]
        for chunk in order.chunked(500) {
            var query: SQLQueryString = """
                INSERT INTO customers (environment_id, customer_id, last_sequence, total_deltas, created_at, last_activity_at) VALUES
                """
            for (offset, key) in chunk.enumerated() {
                let count = counts[key] ?? 0
                query += offset == 0 ? " " : ", "
                query += "(\(bind: key.environment), \(bind: key.customer), \(bind: count), \(bind: count), \(bind: now), \(bind: now))"
            }
            query += """
                 ON CONFLICT (environment_id, customer_id) DO UPDATE SET last_sequence = customers.last_sequence + excluded.last_sequence,
                    total_deltas = customers.total_deltas + excluded.total_deltas, last_activity_at = excluded.last_activity_at
                 RETURNING environment_id, customer_id, last_sequence
                """
            for row in try await db.raw(query).all() {
                let key = CustomerKey(environment: try row.decode(column: "environment_id", as: String.self),
                                      customer: try row.decode(column: "customer_id", as: String.self))
                nextSequence[key] = try row.decode(column: "last_sequence", as: Int64.self) - (counts[key] ?? 0) + 1
            }
        }
        var nextPosition: [String: Int64] = [:]
        for (environment, group) in Dictionary(grouping: items, by: { $0.environment }) {
            let count = Int64(group.count)
            nextPosition[environment] = try await db.raw("""
                UPDATE environments SET queue_position = queue_position + \(bind: count) WHERE id = \(bind: environment) RETURNING queue_position
                """).first()!.decode(column: "queue_position", as: Int64.self) - count + 1
        }
        var rows: [(DeltaRecord, Int64, Int64)] = []
        for item in items {
            let key = CustomerKey(environment: item.environment, customer: item.submission.customerID)
            let sequence = nextSequence[key]!
            nextSequence[key] = sequence + 1
            let position = nextPosition[item.environment]!
            nextPosition[item.environment] = position + 1
            rows.append((try record(item.submission, environment: item.environment, sequence: sequence, now: now), position, item.cost))
        }
        for chunk in rows.chunked(400) {
            let insert = db.insert(into: "deltas").columns("record_id", "receipt_id", "environment_id", "customer_id", "sequence_number",
                                                           "queue_position", "amount", "reason", "reference_id", "metadata", "adjusts",
                                                           "content_hash", "status", "created_at", "credit_cost")
            for (record, position, cost) in chunk {
                insert.values(SQLBind(record.recordID), SQLBind(record.receiptID), SQLBind(record.environmentID), SQLBind(record.customerID),
                              SQLBind(record.sequenceNumber), SQLBind(position), SQLBind(record.amount.micros), SQLBind(record.reason),
                              SQLBind(record.referenceID), SQLBind(record.metadata), SQLBind(record.adjusts), SQLBind(record.contentHash),
                              SQLBind(record.status), SQLBind(record.createdAt), SQLBind(cost))
            }
            try await insert.run()
        }
        return rows.map(\.0)
    }

    /// A new QUEUED record with its ids and content hash.
    private func record(_ submission: DeltaSubmission, environment: String, sequence: Int64, now: Int64) throws -> DeltaRecord {
        let recordID = Identifier.make("rec")
        let content = DeltaContent(recordID: recordID, customerID: submission.customerID, sequenceNumber: sequence,
                                   delta: submission.amount, reason: submission.reason, referenceID: submission.referenceID,
                                   metadata: submission.metadata.flatMap { try? JSONParser.parse(Array($0.utf8)) },
                                   adjusts: submission.adjusts, createdAt: now)
        return DeltaRecord(
            recordID: recordID, receiptID: Identifier.make("rcpt"), environmentID: environment, customerID: submission.customerID,
            sequenceNumber: sequence, amount: submission.amount, reason: submission.reason, referenceID: submission.referenceID,
            metadata: submission.metadata, adjusts: submission.adjusts, contentHash: try content.contentHash().prefixedHex,
            status: "QUEUED", errorCode: nil, errorMessage: nil, createdAt: now, logIndex: nil, verifiedAt: nil, latencyMs: nil)
    }

    /// A delta of the environment by record id (nil for another environment's).
    public func delta(recordID: String, environmentID: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM deltas WHERE record_id = \(bind: recordID) AND environment_id = \(bind: environmentID)")
                .first().map(DeltaRecord.init(row:))
        }
    }

    /// A delta by its public receipt id, in any environment (public verification).
    public func delta(receiptID: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM deltas WHERE receipt_id = \(bind: receiptID)").first().map(DeltaRecord.init(row:))
        }
    }

    /// A delta by its content hash, in any environment (public verification).
    public func delta(contentHash: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM deltas WHERE content_hash = \(bind: contentHash) LIMIT 1").first().map(DeltaRecord.init(row:))
        }
    }

    /// The customer's running totals (nil if the customer has no delta in the environment).
    public func customer(environmentID: String, customerID: String) async throws -> CustomerTotals? {
        try await database.read { db in
            try await db.raw("""
                SELECT * FROM customers WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                """).first().map(CustomerTotals.init(row:))
        }
    }

    /// The part of a customer's VERIFIED deltas a scope selects, as SQL (a range on the
    /// time index, or on the sequence index after a recorded delta).
    public enum Selection: Sendable, Equatable {
        case all
        case accepted(from: Int64, until: Int64)
        case acceptedBefore(Int64)
        case acceptedFrom(Int64)
        case afterSequence(Int64)
        case throughSequence(Int64)

        func condition() -> SQLQueryString {
            switch self {
            case .all: return ""
            case .accepted(let from, let until): return " AND created_at >= \(bind: from) AND created_at < \(bind: until)"
            case .acceptedBefore(let until): return " AND created_at < \(bind: until)"
            case .acceptedFrom(let from): return " AND created_at >= \(bind: from)"
            case .afterSequence(let sequence): return " AND sequence_number > \(bind: sequence)"
            case .throughSequence(let sequence): return " AND sequence_number <= \(bind: sequence)"
            }
        }
    }

    /// Sum and count of the customer's VERIFIED deltas in `selection`: all time from the
    /// running totals (O(1)), anything narrower by an indexed range query.
    public func totals(environmentID: String, customerID: String, selection: Selection) async throws -> (sum: Amount, count: Int64) {
        if selection == .all {
            let customer = try await customer(environmentID: environmentID, customerID: customerID)
            return (customer?.verifiedBalance ?? .zero, customer?.verifiedDeltas ?? 0)
        }
        return try await database.read { db in
            let row = try await db.raw("""
                SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total, COUNT(*) AS n FROM deltas
                WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID) AND status = 'VERIFIED'
                """ + selection.condition()).first()
            return (Amount(micros: try row?.decode(column: "total", as: Int64.self) ?? 0), try row?.decode(column: "n", as: Int64.self) ?? 0)
        }
    }

    /// The (referenceId, amount, sequence number) of up to `limit` VERIFIED deltas in
    /// `selection`, in sequence order, for entry-by-entry comparison.
    public func entries(environmentID: String, customerID: String, selection: Selection, limit: Int) async throws
        -> [(referenceID: String?, amount: Amount, sequenceNumber: Int64)]
    {
        try await database.read { db in
            try await db.raw("""
                SELECT reference_id, amount, sequence_number FROM deltas WHERE environment_id = \(bind: environmentID)
                  AND customer_id = \(bind: customerID) AND status = 'VERIFIED'
                """ + selection.condition() + " ORDER BY sequence_number LIMIT \(bind: limit)").all().map {
                (try $0.decode(column: "reference_id", as: String?.self), Amount(micros: try $0.decode(column: "amount", as: Int64.self)),
                 try $0.decode(column: "sequence_number", as: Int64.self))
            }
        }
    }

    /// One page of the customer's VERIFIED deltas in `selection`, in sequence (= log) order.
    public func verifiedDeltas(environmentID: String, customerID: String, selection: Selection, limit: Int, offset: Int) async throws -> [DeltaRecord] {
        try await database.read { db in
            try await db.raw("""
                SELECT * FROM deltas WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                  AND status = 'VERIFIED'
                """ + selection.condition() + " ORDER BY sequence_number LIMIT \(bind: limit) OFFSET \(bind: offset)")
                .all().map(DeltaRecord.init(row:))
        }
    }

    /// One page of the environment's customers (most recently active first), optionally
    /// those whose id contains `search`.
    public func customers(environmentID: String, search: String?, limit: Int, offset: Int) async throws -> (items: [CustomerTotals], total: Int) {
        try await database.read { db in
            var filter: SQLQueryString = ""
            if let search, !search.isEmpty {
                let pattern = "%" + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                filter = " AND customer_id LIKE \(bind: pattern) ESCAPE '\\'"
            }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM customers WHERE environment_id = \(bind: environmentID)" + filter)
                .first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw("SELECT * FROM customers WHERE environment_id = \(bind: environmentID)" + filter
                + " ORDER BY last_activity_at DESC, customer_id LIMIT \(bind: limit) OFFSET \(bind: offset)").all()
            return (try rows.map(CustomerTotals.init(row:)), Int(total))
        }
    }

    /// One page of a customer's deltas of any status, newest first, optionally in `selection`.
    public func recentDeltas(environmentID: String, customerID: String, selection: Selection, limit: Int, offset: Int) async throws
        -> (items: [DeltaRecord], total: Int)
    {
        try await database.read { db in
            let base: SQLQueryString = "FROM deltas WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)"
            let total = try await db.raw("SELECT COUNT(*) AS n " + base + selection.condition()).first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw("SELECT * " + base + selection.condition()
                + " ORDER BY sequence_number DESC LIMIT \(bind: limit) OFFSET \(bind: offset)").all()
            return (try rows.map(DeltaRecord.init(row:)), Int(total))
        }
    }

    /// (sequence number, status) of a customer's deltas in `range`, in order.
    public func sequenceStatuses(environmentID: String, customerID: String, range: ClosedRange<Int64>) async throws -> [(Int64, String)] {
        try await database.read { db in
            try await db.raw("""
                SELECT sequence_number, status FROM deltas WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                  AND sequence_number >= \(bind: range.lowerBound) AND sequence_number <= \(bind: range.upperBound) ORDER BY sequence_number
                """).all().map { (try $0.decode(column: "sequence_number", as: Int64.self), try $0.decode(column: "status", as: String.self)) }
        }
    }

    /// Verified deltas of the environment in a UTC month (`YYYY-MM`), and QUEUED ones now.
    public func usage(environmentID: String, period: String) async throws -> (verified: Int64, queued: Int64) {
        try await database.read { db in
            let verified = try await db.raw("""
                SELECT verified_deltas FROM usage_months WHERE environment_id = \(bind: environmentID) AND period = \(bind: period)
                """).first()?.decode(column: "verified_deltas", as: Int64.self) ?? 0
            let queued = try await db.raw("SELECT COUNT(*) AS n FROM deltas WHERE environment_id = \(bind: environmentID) AND status = 'QUEUED'")
                .first()?.decode(column: "n", as: Int64.self) ?? 0
            return (verified, queued)
        }
    }

    /// The stored answer for an idempotency key of the environment.
    public func idempotencyRecord(environmentID: String, key: String) async throws -> IdempotencyRecord? {
        try await database.read { db in
            try await db.raw("""
                SELECT * FROM idempotency_keys WHERE environment_id = \(bind: environmentID) AND idempotency_key = \(bind: key)
                """).first().map {
                IdempotencyRecord(requestHash: try $0.decode(column: "request_hash", as: String.self),
                                  statusCode: Int(try $0.decode(column: "status_code", as: Int64.self)),
                                  response: try $0.decode(column: "response", as: String.self))
            }
        }
    }
}

extension CustomerTotals {
    init(row: any SQLRow) throws {
        self.init(customerID: try row.decode(column: "customer_id", as: String.self),
                  totalDeltas: try row.decode(column: "total_deltas", as: Int64.self),
                  verifiedDeltas: try row.decode(column: "verified_deltas", as: Int64.self),
                  verifiedBalance: Amount(micros: try row.decode(column: "verified_balance", as: Int64.self)),
                  lastVerifiedIndex: try row.decode(column: "last_verified_index", as: Int64?.self),
                  latestReceiptID: try row.decode(column: "latest_receipt_id", as: String?.self),
                  lastActivityAt: try row.decode(column: "last_activity_at", as: Int64.self))
    }
}

extension DeltaRecord {
    init(row: any SQLRow) throws {
        self.init(
            recordID: try row.decode(column: "record_id", as: String.self),
            receiptID: try row.decode(column: "receipt_id", as: String.self),
            environmentID: try row.decode(column: "environment_id", as: String.self),
            customerID: try row.decode(column: "customer_id", as: String.self),
            sequenceNumber: try row.decode(column: "sequence_number", as: Int64.self),
            amount: Amount(micros: try row.decode(column: "amount", as: Int64.self)),
            reason: try row.decode(column: "reason", as: String.self),
            referenceID: try row.decode(column: "reference_id", as: String?.self),
            metadata: try row.decode(column: "metadata", as: String?.self),
            adjusts: try row.decode(column: "adjusts", as: String?.self),
            contentHash: try row.decode(column: "content_hash", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            errorCode: try row.decode(column: "error_code", as: String?.self),
            errorMessage: try row.decode(column: "error_message", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            logIndex: try row.decode(column: "log_index", as: Int64?.self),
            verifiedAt: try row.decode(column: "verified_at", as: Int64?.self),
            latencyMs: try row.decode(column: "latency_ms", as: Int64?.self))
    }
}
