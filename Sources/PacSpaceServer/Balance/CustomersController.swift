import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /customers`, `GET /customers/:customerId`, `GET /gaps/:customerId` and `GET /usage`
/// of the Balance API (docs/api.md §5).
struct CustomersController: Sendable {
    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let credits: CreditStore
    let creditsPerDelta: Amount
    let receipts: ReceiptReader
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("customers", use: list)
        group.get("customers/:customerId", use: show)
        group.get("gaps/:customerId", use: gaps)
        group.get("usage", use: usage)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let query = QueryParameters(request: request)
        let (page, limit) = try query.page()
        let search = try query.string("search", maxLength: 128)
        let (items, total) = try await deltas.customers(environmentID: key.environmentID, search: search, limit: limit, offset: (page - 1) * limit)
        return Envelope.success(
            .ok,
            [
                "customers": .array(items.map { .object($0.fields) }),
                "total": .int(total), "page": .int(page), "limit": .int(limit),
            ]
        )
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let customerID = try context.pathParameter("customerId")
        let query = QueryParameters(request: request)
        let limit = try query.integer("deltaLimit", in: 1...100) ?? 20
        let page = try query.page("deltaPage", limit: limit)
        let scope = try ScopeInput(Scope.Fields(period: try query.string("period")), now: now(), maxDays: maxScopeDays)
        let customer = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID)
        let selection = try await scope.selection(environmentID: key.environmentID, customerID: customerID, deltas: deltas, checkpoints: checkpoints)
        let (items, total) = try await deltas.recentDeltas(
            environmentID: key.environmentID,
            customerID: customerID,
            selection: selection,
            limit: limit,
            offset: (page - 1) * limit
        )
        var latest: JSONValue = .null
        if let checkpoint = try await checkpoints.latest(environmentID: key.environmentID, customerID: customerID) {
            latest = try await receipts.json(checkpoint)
        }
        return Envelope.success(
            .ok,
            .object(
                customer.fields + [
                    ("customerReference", .string(customerID)), ("latestCheckpoint", latest),
                    (
                        "recentActivity",
                        [
                            "items": .array(items.map(\.json)),
                            "pagination": [
                                "page": .int(page), "limit": .int(limit), "total": .int(total),
                                "totalPages": .int((total + limit - 1) / limit),
                            ],
                        ]
                    ),
                ]
            )
        )
    }

    /// Sequence numbers in the range that are missing or FAILED, as runs `{from, to, reason}`.
    @Sendable func gaps(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let customerID = try context.pathParameter("customerId")
        let customer = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID)
        let query = QueryParameters(request: request)
        let last = max(1, Int(customer.totalDeltas))
        let from = try query.integer("fromSequence", in: 1...Int(Int32.max)) ?? 1
        let to = try query.integer("toSequence", in: 1...Int(Int32.max)) ?? last
        guard to >= from else { throw APIError.invalid("toSequence", "range", "toSequence must be at least fromSequence.") }
        guard to - from < 100_000 else { throw APIError.invalid("toSequence", "range", "A gap search covers at most 100000 sequence numbers.") }
        let limit = try query.integer("limit", in: 1...1000) ?? 100
        let statuses = try await deltas.sequenceStatuses(environmentID: key.environmentID, customerID: customerID, range: Int64(from)...Int64(to))
        var byNumber: [Int64: DeltaStatus] = [:]
        for (number, status) in statuses { byNumber[number] = status }
        var runs: [JSONValue] = []
        var current: (from: Int64, to: Int64, reason: String)?
        for number in Int64(from)...Int64(to) {
            let reason: String? =
                switch byNumber[number] {
                case nil: "missing"
                case .failed?: DeltaStatus.failed.rawValue
                default: nil
                }
            if let reason, let run = current, run.reason == reason, run.to == number - 1 {
                current = (run.from, number, reason)
                continue
            }
            if let run = current { runs.append(["from": .int(run.from), "to": .int(run.to), "reason": .string(run.reason)]) }
            current = reason.map { (number, number, $0) }
            if runs.count >= limit { break }
        }
        if let run = current, runs.count < limit { runs.append(["from": .int(run.from), "to": .int(run.to), "reason": .string(run.reason)]) }
        return Envelope.success(
            .ok,
            [
                "customerId": .string(customerID), "fromSequence": .int(from), "toSequence": .int(to), "gaps": .array(runs),
            ]
        )
    }

    /// This month's usage of the key's environment. Production reports its tenant's
    /// available credits, how many more deltas they pay for, and whether one more may be
    /// written; the sandbox is free (null, null, true).
    @Sendable func usage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let period = String(Timestamp.iso8601(millis: now()).prefix(7))
        let (verified, queued) = try await deltas.usage(environmentID: key.environmentID, period: period)
        var available: JSONValue = .null
        var remaining: JSONValue = .null
        var allowed = true
        if key.environment.isPaid {
            let balance = try await credits.balance(tenantID: key.tenantID).available
            available = balance.json
            let count = creditsPerDelta.micros > 0 ? balance.micros / creditsPerDelta.micros : Int64.max
            remaining = .int(count)
            allowed = count > 0
        }
        return Envelope.success(
            .ok,
            [
                "environment": .string(key.environment.rawValue), "period": .string(period), "verifiedDeltas": .int(verified),
                "queuedDeltas": .int(queued), "creditsAvailable": available, "remaining": remaining, "allowed": .bool(allowed),
            ]
        )
    }
}
