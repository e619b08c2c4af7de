import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// Scope fields from a query string or a JSON body, resolved with ``Scope/resolve`` and
/// turned into the store's selection. Errors become `INVALID_SCOPE_COMBINATION`,
/// `SCOPE_TOO_WIDE` or `VALIDATION_ERROR`, each naming what to fix.
struct ScopeInput {
    static let fieldNames: Set<String> = ["period", "timePreset", "startDate", "endDate", "startingCheckpoint", "startingCheckpointType"]

    let scope: Scope

    init(query request: Request, now: Int64, maxDays: Int) throws {
        let query = QueryParameters(request: request)
        try self.init(reading: { try query.string($0) }, now: now, maxDays: maxDays)
    }

    init(body: RequestBody, now: Int64, maxDays: Int) throws {
        try self.init(reading: { try body.optionalString($0, maxLength: 200) }, now: now, maxDays: maxDays)
    }

    /// The scope whose fields `read` gives by name.
    private init(reading read: (String) throws -> String?, now: Int64, maxDays: Int) throws {
        try self.init(
            Scope.Fields(
                period: read("period"),
                timePreset: read("timePreset"),
                startDate: read("startDate"),
                endDate: read("endDate"),
                startingCheckpoint: read("startingCheckpoint"),
                startingCheckpointType: read("startingCheckpointType")
            ),
            now: now,
            maxDays: maxDays
        )
    }

    init(_ fields: Scope.Fields, now: Int64, maxDays: Int) throws {
        do {
            scope = try Scope.resolve(fields, now: now, maxDays: maxDays)
        } catch .combination(let message) {
            throw APIError(.badRequest, .invalidScopeCombination, message)
        } catch .tooWide(let message) {
            throw APIError(.badRequest, .scopeTooWide, message)
        } catch .invalid(let field, let message) {
            throw APIError.invalid(field, "scope", message)
        }
    }

    /// The rows the scope selects for one customer of the environment. A `proofRoot` start
    /// names a period checkpoint of this customer (or of the whole environment): the scope
    /// is what was accepted from the end of its window on.
    func selection(environmentID: String, customerID: String, deltas: DeltaStore, checkpoints: CheckpointStore) async throws -> DeltaStore.Selection {
        switch scope {
        case .allTime: return .all
        case .window(let start, let end): return .accepted(from: start, until: end)
        case .after(.recordId, let id):
            guard let record = try await deltas.delta(recordID: id, environmentID: environmentID), record.customerID == customerID else {
                throw APIError.invalid("startingCheckpoint", "unknown", "No delta \(id) of customer \(customerID) in this environment.")
            }
            return .afterSequence(record.sequenceNumber)
        case .after(.proofRoot, let id):
            guard let checkpoint = try await checkpoints.checkpoint(environmentID: environmentID, proofRoot: id.lowercased()),
                checkpoint.customerID == nil || checkpoint.customerID == customerID
            else {
                throw APIError.invalid(
                    "startingCheckpoint",
                    "unknown",
                    "No checkpoint with proofRoot \(id) for customer \(customerID) in this environment."
                )
            }
            guard case .string(let end)? = checkpoint.scope.value["endDate"], let endMillis = Timestamp.parse(end)
            else {
                throw APIError.invalid("startingCheckpoint", "unsupported", "Checkpoint \(id) has no period end; start from a recordId instead.")
            }
            return .acceptedFrom(endMillis)
        }
    }

    /// What makes two requests "the same resolved scope" (checkpoint idempotency); nil for all time.
    var key: String? {
        switch scope {
        case .window(let start, let end): "window:\(start):\(end)"
        case .after(_, let id): "after:\(id)"
        case .allTime: nil
        }
    }

    /// The scope a checkpoint of it states, in its log entry and its v2 period root:
    /// `{customerId?, startDate, endDate}` for a window, `{customerId, startingCheckpoint}`
    /// after a checkpoint, `{customerId?}` for all time.
    func checkpointScope(customerID: String?) -> JSONValue {
        var scope: [(String, JSONValue)] = customerID.map { [("customerId", .string($0))] } ?? []
        switch self.scope {
        case .window(let start, let end):
            scope += [("startDate", .string(Timestamp.iso8601(millis: start))), ("endDate", .string(Timestamp.iso8601(millis: end)))]
        case .after(_, let id):
            scope.append(("startingCheckpoint", .string(id)))
        case .allTime:
            break
        }
        return .object(scope)
    }

    /// `{startDate, endDate}` of the answer (null for all time and checkpoint starts).
    var json: JSONValue {
        if case .window(let start, let end) = scope {
            return ["startDate": .string(Timestamp.iso8601(millis: start)), "endDate": .string(Timestamp.iso8601(millis: end))]
        }
        return ["startDate": .null, "endDate": .null]
    }
}
