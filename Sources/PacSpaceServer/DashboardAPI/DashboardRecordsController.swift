import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The dashboard's record routes (docs/api.md §11), JWT like the rest of `/dashboard`:
/// the records of an environment (`X-Environment: sandbox | production`, the sandbox by
/// default), and one record with a page of its entries, its grants and its links. What the
/// Records API shows a key holder, shown to the tenant's users; the wire shapes are the
/// API's. Parses, calls ``DashboardRecords``, presents.
struct DashboardRecordsController: Sendable {
    let records: DashboardRecords
    let links: VerifyLinks

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/records").add(middleware: auth)
        group.get(use: list)
        group.get(":recordType/:entityId", use: show)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try request.namedEnvironment() ?? .testnet
        let query = QueryParameters(request: request)
        let limit = try query.integer("limit", in: 1...100) ?? 50
        let offset = try query.offset()
        let type = try query.string("recordType", maxLength: 64)
        let found = try await records.list(user: user, environment: environment, recordType: type, limit: limit, offset: offset)
        return Envelope.success(.ok, ["records": .array(found.map(\.json)), "limit": .int(limit), "offset": .int(offset)])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try request.namedEnvironment() ?? .testnet
        let record = try RecordsController.record(context)
        let from = Int64(try QueryParameters(request: request).integer("fromSeq", in: 0...Int(Int32.max)) ?? 0)
        let detail = try await records.detail(user: user, environment: environment, record: record, from: from)
        let summary = detail.summary
        return Envelope.success(
            .ok,
            [
                "record": summary.json,
                "entries": .array(detail.entries.map { $0.receipt(record: record, proof: nil, verifyUrl: links.page(of: $0)) }),
                "grants": .array(detail.grants.map { $0.json(summary: summary, now: detail.at) }),
                "links": .array(
                    detail.links.map { $0.json(summary: summary, publicURL: links.publicURL, now: detail.at) }
                ),
                "nextFromSeq": detail.nextFromSeq.map { .int($0) } ?? .null,
            ]
        )
    }
}
