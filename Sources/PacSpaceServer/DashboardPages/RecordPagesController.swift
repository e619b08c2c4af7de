import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The dashboard's records (docs/records.md): an environment's records by type, and one
/// record with its entries (each with its verification page), its grants and its links —
/// the typed queries the `/dashboard/records` routes answer from (``DashboardRecords``),
/// rendered as ``RecordListPage`` and ``RecordPage``.
struct RecordPagesController: Sendable {
    let kit: AppPageKit
    let records: DashboardRecords
    let links: VerifyLinks

    /// Records per page.
    static let pageSize = 50

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/records", use: list)
        router.get("app/records/:recordType/:entityId", use: show)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        let environment = try PageParts.environment(query)
        let type = try query.string("recordType", maxLength: 64)
        let page = try query.page("page", limit: Self.pageSize)
        var error: String?
        var status = HTTPResponse.Status.ok
        var found: [RecordSummary] = []
        do {
            // One more than the page shows: whether there is a next page.
            found = try await records.list(
                user: me.user,
                environment: environment,
                recordType: type,
                limit: Self.pageSize + 1,
                offset: (page - 1) * Self.pageSize
            )
        } catch let refusal as APIError {
            (error, status) = (refusal.message, refusal.status)
        }
        let model = RecordListPage(found, limit: Self.pageSize, page: page, recordType: type, environment: environment)
        return kit.render(.appRecords, model, request: request, context: context, me: me, current: "records", error: error, status: status)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        let environment = try PageParts.environment(query)
        let record = try RecordsController.record(context)
        let from = Int64(try query.integer("fromSeq", in: 0...Int(Int32.max)) ?? 0)
        let detail = try await records.detail(user: me.user, environment: environment, record: record, from: from)
        return kit.render(
            .appRecord,
            RecordPage(detail, environment: environment, links: links),
            request: request,
            context: context,
            me: me,
            current: "records"
        )
    }

}
