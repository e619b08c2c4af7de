import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// The dashboard's records as typed queries (docs/api.md §11): an environment's records,
/// and one record with a page of its entries, its grants and its links. The JSON routes
/// (``DashboardRecordsController``) present them with the Records API's wire shapes; the
/// record pages (``RecordPagesController``) render them.
struct DashboardRecords: Sendable {
    let records: RecordStore
    let recordLinks: RecordLinkStore
    let environments: EnvironmentStore
    let now: @Sendable () -> Int64

    /// Entries per page of a record's detail, and the most bytes of their receipts (by their
    /// stored footprints; the page ends early rather than grow past it).
    static let pageSize = 100
    static let pageBytes: Int64 = 2 * 1_048_576

    /// One record and a page of its entries from `from`; its grants and links in force
    /// (the first page of each, as the Records API lists them).
    struct Detail: Sendable {
        let record: RecordIdentity
        let summary: RecordSummary
        let entries: [RecordEntry]
        let grants: [RecordGrant]
        let links: [RecordLink]
        /// Where the next page of entries starts; nil after the last.
        let nextFromSeq: Int64?
        /// When the grants' and links' states were read.
        let at: Int64
    }

    /// The environment's records, of `recordType` when given, most recently written first.
    func list(user: User, environment name: EnvironmentName, recordType: String?, limit: Int, offset: Int) async throws -> [RecordSummary] {
        let environment = try await environments.active(name, tenantID: user.tenantID)
        return try await records.list(environmentID: environment.id, recordType: recordType, limit: limit, offset: offset)
    }

    /// One record of the environment (404 `RECORD_NOT_FOUND`) from entry `from`.
    func detail(user: User, environment name: EnvironmentName, record: RecordIdentity, from: Int64) async throws -> Detail {
        let environment = try await environments.active(name, tenantID: user.tenantID)
        guard let summary = try await records.record(environmentID: environment.id, recordType: record.recordType, entityID: record.entityID)
        else { throw APIError(.notFound, .recordNotFound, "This environment has no record \(record.entityID) of type \(record.recordType).") }
        let now = now()
        async let entries = records.page(
            environmentID: environment.id,
            recordKey: summary.recordKey,
            from: from,
            through: summary.entryCount - 1,
            limit: Self.pageSize,
            maxBytes: Self.pageBytes
        )
        async let grants = records.grants(
            environmentID: environment.id,
            recordKey: summary.recordKey,
            now: now,
            limit: RecordGrants.maxPage,
            offset: 0
        )
        async let links = recordLinks.links(
            environmentID: environment.id,
            recordKey: summary.recordKey,
            now: now,
            limit: RecordGrants.maxPage,
            offset: 0
        )
        let page = try await entries
        return Detail(
            record: record,
            summary: summary,
            entries: page,
            grants: try await grants,
            links: try await links,
            nextFromSeq: page.last.map { $0.seq + 1 }.flatMap { $0 < summary.entryCount ? $0 : nil },
            at: now
        )
    }
}
