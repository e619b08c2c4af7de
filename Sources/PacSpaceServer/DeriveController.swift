import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// `GET /api/v1/balance/derive/:customerId` (api.md §5): the balance from VERIFIED
/// deltas. The all-time balance is the running total the sequencer keeps, so it costs
/// the same at ten deltas or ten million; `limit`/`offset` page the deltas themselves.
///
/// Scopes (`period`, `timePreset`, `startDate`/`endDate`, `startingCheckpoint`) are not
/// served yet: they are refused with 400 rather than silently ignored.
struct DeriveController: Sendable {
    let deltas: DeltaStore

    static let scopeParameters = ["period", "timePreset", "startDate", "endDate", "startingCheckpoint", "startingCheckpointType"]

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("derive/:customerId", use: derive)
    }

    @Sendable func derive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let customerID = try context.parameters.require("customerId")
        let query = QueryParameters(request: request)
        if let scope = Self.scopeParameters.first(where: { request.uri.queryParameters.get($0) != nil }) {
            throw APIError.invalid(scope, "unsupported", "\(scope) is not supported by this server yet; derive covers all time.")
        }
        let limit = try query.integer("limit", in: 1...1000) ?? 100
        let offset = try query.integer("offset", in: 0...Int(Int32.max)) ?? 0
        var starting = Amount.zero
        if let text = request.uri.queryParameters.get("startingBalance"), !text.isEmpty {
            guard let value = try? Amount(parsing: String(text)) else {
                throw APIError.invalid("startingBalance", "format", "startingBalance must be a number with at most 6 decimal places.")
            }
            starting = value
        }
        guard let customer = try await deltas.customer(environmentID: key.environmentID, customerID: customerID) else {
            throw APIError(.notFound, "CUSTOMER_NOT_FOUND", "No customer \(customerID) in this environment.")
        }
        guard let balance = customer.verifiedBalance.adding(starting) else {
            throw APIError.invalid("startingBalance", "range", "startingBalance is too large.")
        }
        let page = try await deltas.verifiedDeltas(environmentID: key.environmentID, customerID: customerID, limit: limit, offset: offset)
        let items: [JSONValue] = page.map { record in
            .object(DeltaController.json(record) + [
                ("verifiedAt", record.verifiedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null),
                ("logIndex", record.logIndex.map(JSONValue.int) ?? .null),
            ])
        }
        return Envelope.success(.ok, [
            "customerId": .string(customerID), "computedBalance": balance.json, "startingBalance": starting.json,
            "deltasCount": .int(customer.verifiedDeltas), "deltaCount": .int(customer.verifiedDeltas),
            "scope": ["startDate": .null, "endDate": .null], "latestReceiptId": .optional(customer.latestReceiptID),
            "lastVerifiedIndex": customer.lastVerifiedIndex.map(JSONValue.int) ?? .null,
            "limit": .int(limit), "offset": .int(offset), "deltas": .array(items),
        ])
    }
}
