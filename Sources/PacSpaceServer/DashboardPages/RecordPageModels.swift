import PacSpaceCore
import PacSpaceStore

/// `app-records.mustache`: an environment's records, by type, paged.
struct RecordListPage: Sendable {
    struct Row: Sendable {
        let recordType: String
        let entityId: String
        let entryCount: String
        let lifecycle: String
        let updatedAt: String
        let path: String
    }

    /// Previous and next links; the list's length is not counted, so a next page is
    /// known by one row more than the page shows.
    struct Pager: Sendable {
        let page: Int
        let previous: String?
        let next: String?
    }

    let records: [Row]
    let hasRecords: Bool
    let recordType: String
    let environmentLabel: String
    let environmentChoices: [PageParts.Choice]
    let typeChoices: [PageParts.Choice]
    let pager: Pager?

    init(_ found: [RecordSummary], limit: Int, page: Int, recordType: String?, environment: EnvironmentName) {
        records = found.prefix(limit).map { record in
            Row(
                recordType: record.recordType,
                entityId: record.entityID,
                entryCount: String(record.entryCount),
                lifecycle: record.lifecycle ?? "—",
                updatedAt: Timestamp.iso8601(millis: record.updatedAt),
                path: Self.path(record.recordType, record.entityID, environment)
            )
        }
        hasRecords = !records.isEmpty
        self.recordType = recordType ?? ""
        environmentLabel = PageParts.label(environment)
        environmentChoices = PageParts.environments(environment)
        typeChoices =
            [PageParts.Choice(value: "", label: "Every type", selected: recordType == nil)]
            + Set(RecordLayout.published.map(\.recordType)).sorted().map { PageParts.Choice(value: $0, label: $0, selected: $0 == recordType) }
        let base = "/app/records?environment=\(environment.rawValue)" + (recordType.map { "&recordType=\(AppPageKit.escape($0))" } ?? "")
        let previous = page > 1 ? "\(base)&page=\(page - 1)" : nil
        let next = found.count > limit ? "\(base)&page=\(page + 1)" : nil
        pager = previous == nil && next == nil ? nil : Pager(page: page, previous: previous, next: next)
    }

    /// A record's page in the dashboard.
    static func path(_ type: String, _ entity: String, _ environment: EnvironmentName) -> String {
        "/app/records/\(AppPageKit.escape(type))/\(AppPageKit.escape(entity))?environment=\(environment.rawValue)"
    }
}

/// `app-record.mustache`: one record, a page of its entries (each with its verification
/// page), its grants and its Shared Record links.
struct RecordPage: Sendable {
    struct Entry: Sendable {
        let entry: String
        let lifecycle: String
        let attempted: String
        let hasAttempted: Bool
        let title: String
        let status: String
        let createdAt: String
        /// When witnesses cosigned it, or "—" (not witnessed, or no witnesses on this server).
        let witnessedAt: String
        let receiptId: String
        let verifyPath: String
    }

    struct Grant: Sendable {
        let kind: String
        let holder: String
        let label: String
        let status: String
        let uses: String
        let expiresAt: String
    }

    struct Link: Sendable {
        let link: String
        let label: String
        let access: String
        let disclosure: String
        let status: String
        let expiresAt: String
    }

    let recordType: String
    let entityId: String
    let recordKey: String
    let entryCount: String
    let lifecycle: String
    let entries: [Entry]
    let grants: [Grant]
    let hasGrants: Bool
    let links: [Link]
    let hasLinks: Bool
    let environmentLabel: String
    /// The next page of entries.
    let next: String?

    init(_ detail: DashboardRecords.Detail, environment: EnvironmentName, links verify: VerifyLinks) {
        let summary = detail.summary
        recordType = summary.recordType
        entityId = summary.entityID
        recordKey = summary.recordKey.prefixedHex
        entryCount = String(summary.entryCount)
        lifecycle = summary.lifecycle ?? ""
        entries = detail.entries.map { entry in
            Entry(
                entry: String(entry.seq + 1),
                lifecycle: entry.lifecycle,
                attempted: entry.attempted ?? "",
                hasAttempted: entry.attempted != nil,
                title: Self.title(entry),
                status: entry.wireStatus,
                createdAt: Timestamp.iso8601(millis: entry.createdAt),
                witnessedAt: PageParts.time(entry.witnessedAt, absent: "—"),
                receiptId: entry.entryID,
                verifyPath: String(verify.page(of: entry).dropFirst(verify.publicURL.count))
            )
        }
        grants = detail.grants.map { grant in
            Grant(
                kind: grant.kind == .link ? "Link" : "Tenant",
                holder: grant.counterpartyTenantID ?? grant.recipientEmail ?? "whoever holds the link",
                label: grant.label ?? "",
                status: grant.status(at: detail.at).rawValue.lowercased(),
                uses: grant.maxUses.map { "\(grant.uses) of \($0)" } ?? String(grant.uses),
                expiresAt: PageParts.time(grant.expiresAt, absent: "never")
            )
        }
        hasGrants = !grants.isEmpty
        links = detail.links.map { link in
            Link(
                link: verify.publicURL + "/c/" + link.handle,
                label: link.label ?? "",
                access: link.accessCodeHash == nil ? "link alone" : "link and access code",
                disclosure: link.envelope == nil ? "not yet" : "stored",
                status: link.status(at: detail.at).rawValue.lowercased(),
                expiresAt: Timestamp.iso8601(millis: link.expiresAt)
            )
        }
        hasLinks = !links.isEmpty
        environmentLabel = PageParts.label(environment)
        next = detail.nextFromSeq.map { RecordListPage.path(summary.recordType, summary.entityID, environment) + "&fromSeq=\($0)" }
    }

    /// An entry's title: what its plaintext reveals at `/title`; an encrypted entry (or its
    /// attempt) reveals nothing, the server cannot read it.
    static func title(_ entry: RecordEntry) -> String {
        guard entry.envelopes == nil, let saltKey = entry.saltKey, let leaves = try? RecordHash.leaves(of: entry.content, saltKey: saltKey),
            !leaves.isEmpty
        else { return "Encrypted by the writer" }
        guard case .string(let title)? = leaves.first(where: { $0.pointer == "/title" })?.value else { return "" }
        return title
    }
}
