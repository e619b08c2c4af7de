import Foundation
import PacSpaceCore
import SQLKit

/// Reads of deltas, customers' totals and usage.
extension DeltaStore {
    /// A delta of the environment by record id (nil for another environment's).
    public func delta(recordID: String, environmentID: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.answerColumns) FROM deltas WHERE record_id = \(bind: recordID) AND environment_id = \(bind: environmentID)"
            )
            .first().map(DeltaRecord.init(row:))
        }
    }

    /// A delta by its record id, in any environment (the public verification page: a record
    /// id, like the content it blinds, is known only to whom the provider gave it).
    public func delta(recordID: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.answerColumns) FROM deltas WHERE record_id = \(bind: recordID)").first().map(
                DeltaRecord.init(row:)
            )
        }
    }

    /// A delta by its public receipt id, in any environment (public verification).
    public func delta(receiptID: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.answerColumns) FROM deltas WHERE receipt_id = \(bind: receiptID)").first().map(
                DeltaRecord.init(row:)
            )
        }
    }

    /// A delta by its content hash, in any environment (public verification).
    public func delta(contentHash: String) async throws -> DeltaRecord? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.answerColumns) FROM deltas WHERE content_hash = \(bind: contentHash) LIMIT 1").first().map(
                DeltaRecord.init(row:)
            )
        }
    }

    /// The customer's running totals (nil if the customer has no delta in the environment).
    public func customer(environmentID: String, customerID: String) async throws -> CustomerTotals? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM customers WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                """
            ).first().map(CustomerTotals.init(row:))
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

        /// What comes before this selection (the deltas behind a starting balance); nil for all time.
        public var preceding: Selection? {
            switch self {
            case .all: nil
            case .accepted(let from, _), .acceptedFrom(let from): .acceptedBefore(from)
            case .afterSequence(let sequence): .throughSequence(sequence)
            case .acceptedBefore, .throughSequence: nil
            }
        }

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
            let query: SQLQueryString =
                "SELECT " + ExactSum.terms(as: "total") + """
                    , COUNT(*) AS n FROM deltas
                    WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID) AND status = 'VERIFIED'
                    """ + selection.condition()
            guard let row = try await db.raw(query).first() else { return (.zero, 0) }
            return (try ExactSum.amount(row, "total", what: "the sum of the selected deltas"), try row.decode(column: "n", as: Int64.self))
        }
    }

    /// How many VERIFIED deltas `selection` holds and how long their metadata is, from the
    /// index range without loading a row: what a whole-scope answer would cost to build.
    public func footprint(environmentID: String, customerID: String, selection: Selection) async throws -> (count: Int64, metadataBytes: Int64) {
        try await database.read { db in
            let row = try await db.raw(
                """
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(LENGTH(metadata)), 0) AS BIGINT) AS bytes FROM deltas
                WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID) AND status = 'VERIFIED'
                """ + selection.condition()
            ).first()
            return (try row?.decode(column: "n", as: Int64.self) ?? 0, try row?.decode(column: "bytes", as: Int64.self) ?? 0)
        }
    }

    /// The (referenceId, amount, sequence number) of up to `limit` VERIFIED deltas in
    /// `selection`, in sequence order, for entry-by-entry comparison.
    public func entries(
        environmentID: String,
        customerID: String,
        selection: Selection,
        limit: Int
    ) async throws
        -> [(referenceID: String?, amount: Amount, sequenceNumber: Int64)]
    {
        try await database.read { db in
            try await db.raw(
                """
                SELECT reference_id, amount, sequence_number FROM deltas WHERE environment_id = \(bind: environmentID)
                  AND customer_id = \(bind: customerID) AND status = 'VERIFIED'
                """ + selection.condition() + " ORDER BY sequence_number LIMIT \(bind: limit)"
            ).all().map {
                (
                    try $0.decode(column: "reference_id", as: String?.self), Amount(micros: try $0.decode(column: "amount", as: Int64.self)),
                    try $0.decode(column: "sequence_number", as: Int64.self)
                )
            }
        }
    }

    /// One page of the customer's VERIFIED deltas in `selection`, in sequence (= log) order:
    /// those with a sequence number past `after`, skipping `offset` of them. A reader that
    /// goes through all of them (the CSV export) pages by `after`, which reads each row
    /// once; an offset reads and skips every row before the page.
    public func verifiedDeltas(
        environmentID: String,
        customerID: String,
        selection: Selection,
        after: Int64 = 0,
        limit: Int,
        offset: Int
    ) async throws -> [DeltaRecord] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.answerColumns) FROM deltas
                WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                  AND status = 'VERIFIED' AND sequence_number > \(bind: after)
                """ + selection.condition() + " ORDER BY sequence_number LIMIT \(bind: limit) OFFSET \(bind: offset)"
            )
            .all().map(DeltaRecord.init(row:))
        }
    }

    /// The deltas of a customer's checkpoint, in log order: those of `selection` that were
    /// VERIFIED by `verifiedBy` (the moment it was sealed), at most `limit`. A delta of the
    /// window verified after the seal is not in its root.
    public func coveredDeltas(
        environmentID: String,
        customerID: String,
        selection: Selection,
        verifiedBy: Int64,
        limit: Int
    ) async throws -> [DeltaRecord] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.answerColumns) FROM deltas
                WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                  AND status = 'VERIFIED' AND verified_at <= \(bind: verifiedBy)
                """ + selection.condition() + " ORDER BY log_index LIMIT \(bind: limit)"
            )
            .all().map(DeltaRecord.init(row:))
        }
    }

    /// One page of the environment's customers (most recently active first), optionally
    /// those whose id contains `search`, ignoring case on both engines (customer ids are
    /// ASCII: SQLite's LIKE folds ASCII case, PostgreSQL's ILIKE folds it too).
    public func customers(environmentID: String, search: String?, limit: Int, offset: Int) async throws -> (items: [CustomerTotals], total: Int) {
        let like = database.dialect == .postgres ? "ILIKE" : "LIKE"
        return try await database.read { db in
            var filter: SQLQueryString = ""
            if let search, !search.isEmpty {
                let pattern = Self.containing(search)
                filter =
                    " AND (customer_id \(unsafeRaw: like) \(bind: pattern) ESCAPE '\\'"
                    + " OR display_name \(unsafeRaw: like) \(bind: pattern) ESCAPE '\\')"
            }
            let total =
                try await db.raw("SELECT COUNT(*) AS n FROM customers WHERE environment_id = \(bind: environmentID)" + filter)
                .first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                "SELECT * FROM customers WHERE environment_id = \(bind: environmentID)" + filter
                    + " ORDER BY last_activity_at DESC, customer_id LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all()
            return (try rows.map(CustomerTotals.init(row:)), Int(total))
        }
    }

    /// One page of a customer's deltas of any status, newest first, optionally in `selection`.
    public func recentDeltas(
        environmentID: String,
        customerID: String,
        selection: Selection,
        limit: Int,
        offset: Int
    ) async throws
        -> (items: [DeltaRecord], total: Int)
    {
        try await database.read { db in
            let base: SQLQueryString = "FROM deltas WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)"
            let total = try await db.raw("SELECT COUNT(*) AS n " + base + selection.condition()).first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                "SELECT \(unsafeRaw: Self.answerColumns) " + base + selection.condition()
                    + " ORDER BY sequence_number DESC LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all()
            return (try rows.map(DeltaRecord.init(row:)), Int(total))
        }
    }

    /// What a dashboard's list of a customer's deltas narrows and orders by.
    public struct DeltaFilter: Sendable, Equatable {
        public enum Order: String, CaseIterable, Sendable {
            case sequenceNumber
            case createdAt
            case delta

            var column: String {
                switch self {
                case .sequenceNumber: "sequence_number"
                case .createdAt: "created_at"
                case .delta: "amount"
                }
            }
        }

        public var status: DeltaStatus?
        /// The reason, exactly.
        public var reason: String?
        /// Part of the referenceId or the reason, ignoring case.
        public var search: String?
        /// Accepted at or after this time (epoch milliseconds).
        public var from: Int64?
        /// Accepted before this time.
        public var until: Int64?
        public var order: Order = .sequenceNumber
        public var ascending = false

        public init() {}
    }

    /// One page of a customer's deltas of any status, narrowed and ordered by `filter`.
    /// Every order ends on the sequence number, so pages never overlap.
    public func deltas(
        environmentID: String,
        customerID: String,
        filter: DeltaFilter,
        limit: Int,
        offset: Int
    ) async throws
        -> (items: [DeltaRecord], total: Int)
    {
        let like = database.dialect == .postgres ? "ILIKE" : "LIKE"
        return try await database.read { db in
            var conditions: SQLQueryString = "FROM deltas WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)"
            if let status = filter.status { conditions += " AND status = \(bind: status.rawValue)" }
            if let reason = filter.reason { conditions += " AND reason = \(bind: reason)" }
            if let from = filter.from { conditions += " AND created_at >= \(bind: from)" }
            if let until = filter.until { conditions += " AND created_at < \(bind: until)" }
            if let search = filter.search, !search.isEmpty {
                let pattern = Self.containing(search)
                conditions +=
                    " AND (reference_id \(unsafeRaw: like) \(bind: pattern) ESCAPE '\\'"
                    + " OR reason \(unsafeRaw: like) \(bind: pattern) ESCAPE '\\')"
            }
            let direction = filter.ascending ? "ASC" : "DESC"
            let total = try await db.raw("SELECT COUNT(*) AS n " + conditions).first()?.decode(column: "n", as: Int64.self) ?? 0
            let rows = try await db.raw(
                "SELECT \(unsafeRaw: Self.answerColumns) " + conditions
                    + " ORDER BY \(unsafeRaw: filter.order.column) \(unsafeRaw: direction), sequence_number \(unsafeRaw: direction)"
                    + " LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all()
            return (try rows.map(DeltaRecord.init(row:)), Int(total))
        }
    }

    /// A LIKE pattern (with `ESCAPE '\\'`) for text containing `search` literally.
    private static func containing(_ search: String) -> String {
        let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%" + escaped + "%"
    }

    /// (sequence number, status) of a customer's deltas in `range`, in order.
    public func sequenceStatuses(environmentID: String, customerID: String, range: ClosedRange<Int64>) async throws -> [(Int64, DeltaStatus)] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT sequence_number, status FROM deltas WHERE environment_id = \(bind: environmentID) AND customer_id = \(bind: customerID)
                  AND sequence_number >= \(bind: range.lowerBound) AND sequence_number <= \(bind: range.upperBound) ORDER BY sequence_number
                """
            ).all().map { (try $0.decode(column: "sequence_number", as: Int64.self), try $0.decode(column: "status", as: DeltaStatus.self)) }
        }
    }

    /// Verified deltas of the environment in a UTC month (`YYYY-MM`), and QUEUED ones now.
    public func usage(environmentID: String, period: String) async throws -> (verified: Int64, queued: Int64) {
        try await database.read { db in
            let verified =
                try await db.raw(
                    """
                    SELECT verified_deltas FROM usage_months WHERE environment_id = \(bind: environmentID) AND period = \(bind: period)
                    """
                ).first()?.decode(column: "verified_deltas", as: Int64.self) ?? 0
            return (verified, try await Self.queuedCount(environmentID, db))
        }
    }

    /// The stored answer for an idempotency key of the environment, unless it expired.
    public func idempotencyRecord(environmentID: String, key: String, now: Int64) async throws -> IdempotencyRecord? {
        try await database.read { db in
            try await db.raw(
                """
                SELECT * FROM idempotency_keys WHERE environment_id = \(bind: environmentID) AND idempotency_key = \(bind: key)
                  AND created_at > \(bind: now - idempotencyLifetimeMillis)
                """
            ).first().map {
                IdempotencyRecord(
                    requestHash: try $0.decode(column: "request_hash", as: String.self),
                    statusCode: Int(try $0.decode(column: "status_code", as: Int64.self)),
                    response: try $0.decode(column: "response", as: String.self)
                )
            }
        }
    }
}

extension DeltaStore {
    /// Deletes up to `limit` idempotency answers stored before `cutoff`; returns how many.
    /// Bounded, so that a purge of a large backlog holds the writer in short turns.
    public func purgeIdempotencyKeys(before cutoff: Int64, limit: Int) async throws -> Int {
        try await database.transaction { db in
            try await db.raw(
                """
                DELETE FROM idempotency_keys WHERE (environment_id, idempotency_key) IN (
                    SELECT environment_id, idempotency_key FROM idempotency_keys WHERE created_at <= \(bind: cutoff) LIMIT \(bind: limit))
                RETURNING created_at
                """
            ).all().count
        }
    }
}
