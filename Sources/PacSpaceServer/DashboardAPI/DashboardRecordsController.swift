import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The dashboard's record routes (docs/api.md §11), JWT like the rest of `/dashboard`:
/// the records of an environment (`X-Environment: sandbox | production`, the sandbox by
/// default), and one record with a page of its entries, its grants and its links. What the Records
/// API shows a key holder, shown to the tenant's users; the wire shapes are the API's.
struct DashboardRecordsController: Sendable {
    let records: RecordStore
    let recordLinks: RecordLinkStore
    let environments: EnvironmentStore
    let links: VerifyLinks
    let now: @Sendable () -> Int64

    /// Entries per page of a record's detail, and the most bytes of their receipts (by their
    /// stored footprints; the page ends early rather than grow past it).
    static let pageSize = 100
    static let pageBytes: Int64 = 2 * 1_048_576

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/records").add(middleware: auth)
        group.get(use: list)
        group.get(":recordType/:entityId", use: show)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try await active(request, user)
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...100) ?? 50
        let offset = try query.offset()
        let type = try query.string("recordType", maxLength: 64)
        let found = try await records.list(environmentID: environment.id, recordType: type, limit: limit, offset: offset)
        return Envelope.success(
            .ok,
            ["records": .array(found.map(Self.json)), "limit": .int(limit), "offset": .int(offset)]
        )
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try await active(request, user)
        let record = try RecordsController.record(context)
        let from = Int64(try QueryParameters(request: request).integer("fromSeq", in: 0...Int(Int32.max)) ?? 0)
        guard let summary = try await records.record(environmentID: environment.id, recordType: record.recordType, entityID: record.entityID)
        else { throw APIError(.notFound, "RECORD_NOT_FOUND", "This environment has no record \(record.entityID) of type \(record.recordType).") }
        let entries = try await records.page(
            environmentID: environment.id,
            recordKey: summary.recordKey,
            from: from,
            through: summary.entryCount - 1,
            limit: Self.pageSize,
            maxBytes: Self.pageBytes
        )
        // The first page of each, as the Records API lists them: everything in force.
        let grants = try await records.grants(
            environmentID: environment.id,
            recordKey: summary.recordKey,
            now: now(),
            limit: RecordGrants.maxPage,
            offset: 0
        )
        let shared = try await recordLinks.links(
            environmentID: environment.id,
            recordKey: summary.recordKey,
            now: now(),
            limit: RecordGrants.maxPage,
            offset: 0
        )
        let next = entries.last.map { $0.seq + 1 }.flatMap { $0 < summary.entryCount ? JSONValue.int($0) : nil } ?? .null
        return Envelope.success(
            .ok,
            [
                "record": Self.json(summary),
                "entries": .array(
                    entries.map { RecordWire.receipt($0, record: record, proof: nil, links: links) }
                ),
                "grants": .array(grants.map { RecordGrants.json($0, summary: summary, now: now()) }),
                "links": .array(
                    shared.map { RecordLinksController.json($0, summary: summary, publicURL: links.publicURL, now: now()) }
                ),
                "nextFromSeq": next,
            ]
        )
    }

    /// The user's active environment the request names.
    private func active(_ request: Request, _ user: User) async throws -> EnvironmentRecord {
        try await environments.active(try request.namedEnvironment() ?? .testnet, tenantID: user.tenantID)
    }

    static func json(_ summary: RecordSummary) -> JSONValue {
        [
            "recordType": .string(summary.recordType), "entityId": .string(summary.entityID),
            "recordKey": .string(summary.recordKey.prefixedHex), "entryCount": .int(summary.entryCount),
            "lifecycle": JSONValue.optional(summary.lifecycle), "createdAt": .string(Timestamp.iso8601(millis: summary.createdAt)),
            "updatedAt": .string(Timestamp.iso8601(millis: summary.updatedAt)),
        ]
    }
}
