import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `POST /api/v1/balance/compare` (docs/api.md §5): both parties' view against the neutral
/// record. The neutral balance is `startingBalance` plus the customer's VERIFIED deltas in
/// the scope. With `yourEntries` / `theirEntries` (`[{referenceId, delta}]`), every
/// referenceId missing on a side, unknown to the record, or with another amount is named,
/// and the first divergence in sequence order is given. Read-only: an Idempotency-Key is
/// accepted and has nothing to protect.
struct CompareController: Sendable {
    static let maxEntries = 10_000

    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("compare", use: compare)
    }

    @Sendable func compare(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(
            request,
            allowed: ScopeInput.fieldNames.union(
                ["customerId", "yourBalance", "theirBalance", "startingBalance", "yourEntries", "theirEntries"])
        )
        let customerID = try DeltaInput.customerID(body)
        let yours = try body.optionalAmount("yourBalance")
        let theirs = try body.optionalAmount("theirBalance")
        let starting = try body.optionalAmount("startingBalance") ?? .zero
        let yourEntries = try Self.entries(body, "yourEntries")
        let theirEntries = try Self.entries(body, "theirEntries")
        let scope = try ScopeInput(body: body, now: now(), maxDays: maxScopeDays)
        _ = try await deltas.requireCustomer(environmentID: key.environmentID, customerID: customerID)
        let selection = try await scope.selection(environmentID: key.environmentID, customerID: customerID, deltas: deltas, checkpoints: checkpoints)
        let (sum, count) = try await deltas.totals(environmentID: key.environmentID, customerID: customerID, selection: selection)
        guard let neutral = sum.adding(starting) else { throw APIError.invalid("startingBalance", "range", "startingBalance is too large.") }

        var discrepancies: [(order: Int64, value: JSONValue)] = []
        for (side, claimed) in [("yours", yours), ("theirs", theirs)] {
            if let claimed, claimed != neutral {
                guard let difference = claimed.subtracting(neutral) else { throw AmountOutOfRange("the difference from \(side)Balance") }
                discrepancies.append(
                    (
                        -1,
                        [
                            "type": "balance", "side": .string(side), "expected": neutral.json, "actual": claimed.json,
                            "difference": difference.json,
                        ]
                    )
                )
            }
        }
        if yourEntries != nil || theirEntries != nil {
            guard count <= Int64(Self.maxEntries) else {
                throw APIError(
                    .badRequest,
                    .scopeTooWide,
                    "Entry-by-entry comparison covers at most \(Self.maxEntries) deltas; this scope has \(count). Narrow it."
                )
            }
            let recorded = try await deltas.entries(
                environmentID: key.environmentID,
                customerID: customerID,
                selection: selection,
                limit: Self.maxEntries
            )
            for (side, entries) in [("yours", yourEntries), ("theirs", theirEntries)] {
                guard let entries else { continue }
                discrepancies += Self.differences(side: side, entries: entries, recorded: recorded)
            }
        }
        let ordered = discrepancies.sorted { $0.order < $1.order }
        let firstDivergence = ordered.first { $0.order >= 0 }?.value ?? .null
        let matchesYours = yours.map { $0 == neutral } ?? false
        let matchesTheirs = theirs.map { $0 == neutral } ?? false
        return Envelope.success(
            .ok,
            [
                "customerId": .string(customerID), "neutralBalance": neutral.json, "startingBalance": starting.json,
                "yourBalance": yours?.json ?? .null, "theirBalance": theirs?.json ?? .null,
                "matchesYours": .bool(matchesYours), "matchesTheirs": .bool(matchesTheirs),
                "match": .bool(matchesYours && matchesTheirs && ordered.isEmpty), "deltasCount": .int(count), "scope": scope.json,
                "discrepancies": .array(ordered.map(\.value)), "firstDivergence": firstDivergence,
            ]
        )
    }

    /// Entry differences of one side, each with its sequence number for ordering
    /// (entries the record does not know sort last).
    static func differences(
        side: String,
        entries: [String: Amount],
        recorded: [(referenceID: String?, amount: Amount, sequenceNumber: Int64)]
    ) -> [(order: Int64, value: JSONValue)] {
        var result: [(order: Int64, value: JSONValue)] = []
        var known = Set<String>()
        for record in recorded {
            guard let reference = record.referenceID else { continue }
            known.insert(reference)
            switch entries[reference] {
            case nil:
                result.append(
                    (
                        record.sequenceNumber,
                        [
                            "type": "missing", "side": .string(side), "referenceId": .string(reference),
                            "recordedDelta": record.amount.json, "sequenceNumber": .int(record.sequenceNumber),
                        ]
                    )
                )
            case let amount? where amount != record.amount:
                result.append(
                    (
                        record.sequenceNumber,
                        [
                            "type": "amount", "side": .string(side), "referenceId": .string(reference),
                            "recordedDelta": record.amount.json, "claimedDelta": amount.json,
                            "sequenceNumber": .int(record.sequenceNumber),
                        ]
                    )
                )
            default: break
            }
        }
        for (reference, amount) in entries.sorted(by: { $0.key < $1.key }) where !known.contains(reference) {
            result.append((.max, ["type": "unrecorded", "side": .string(side), "referenceId": .string(reference), "claimedDelta": amount.json]))
        }
        return result
    }

    /// `[{referenceId, delta}]` as a map; nil when absent.
    static func entries(_ body: RequestBody, _ name: String) throws -> [String: Amount]? {
        switch body[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            guard items.count <= maxEntries else { throw APIError.invalid(name, "count", "\(name) holds at most \(maxEntries) entries.") }
            var result: [String: Amount] = [:]
            for item in items {
                guard case .object(let pairs) = item,
                    let entry = try? RequestBody(object: pairs, allowed: ["referenceId", "delta"]),
                    let reference = try? entry.string("referenceId", maxLength: 255),
                    let amount = try? DeltaInput.amount(entry)
                else {
                    throw APIError.invalid(name, "format", "Each of \(name) must be {\"referenceId\": \"…\", \"delta\": number}.")
                }
                guard result.updateValue(amount, forKey: reference) == nil else {
                    throw APIError.invalid(name, "duplicate", "\(name) names referenceId \(reference) twice.")
                }
            }
            return result
        case let other?:
            throw APIError.invalid(name, "type", "\(name) must be an array of {referenceId, delta}, not \(other.typeName).")
        }
    }
}
