import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// Grants on a record (docs/records.md, "Grants"): `POST|GET …/grants`,
/// `POST …/grants/:grantId/revoke`, and for an encrypted record the key wrapped to a
/// TENANT_BOUND grant's reader: `PUT …/grants/:grantId/key-wrap`, `GET …/grant-key`.
struct RecordGrants: Sendable {
    let records: RecordStore
    let readers: RecordReaders
    let keys: RecordKeyStore
    let now: @Sendable () -> Int64

    /// Grants per page of the list (by default too): more than a record may have in force, so
    /// the SDK's one read sees every grant in force.
    static let maxPage = 100

    /// A LINK grant is a bearer token: it lasts 30 days unless told otherwise.
    static let defaultLinkHours = 720

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(":recordType/:entityId/grants", use: create)
        group.get(":recordType/:entityId/grants", use: list)
        group.post(":recordType/:entityId/grants/:grantId/revoke", use: revoke)
        group.put(":recordType/:entityId/grants/:grantId/key-wrap", use: storeKeyWrap)
        group.get(":recordType/:entityId/grant-key", use: grantKey)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let body = try await RequestBody.decode(
            request,
            allowed: ["kind", "recipientEmail", "counterpartyTenantId", "authorizes", "ttlHours", "maxUses", "label", "readerWrap"]
        )
        guard case .string(let kindText)? = body["kind"], let kind = RecordGrant.Kind(rawValue: kindText) else {
            throw APIError.invalid("kind", "enum", "kind must be LINK or TENANT_BOUND.")
        }
        let counterparty = try Self.counterparty(body, kind: kind, key: key)
        var readerWrap: JSONValue?
        if let sent = body["readerWrap"], sent != .null {
            guard let counterparty else {
                throw APIError.invalid("readerWrap", "kind", "Only a TENANT_BOUND grant carries a key: a LINK's holder is nobody in particular.")
            }
            readerWrap = try await checkedReaderWrap(sent, counterparty: counterparty, summary: summary, key: key)
        }
        let authorizes: [String]
        switch body["authorizes"] {
        case nil, .null?: authorizes = RecordReaders.reads
        case .array(let items)? where !items.isEmpty:
            authorizes = try items.map { item in
                guard case .string(let text) = item, RecordReaders.reads.contains(text) else {
                    throw APIError.invalid(
                        "authorizes",
                        "enum",
                        "authorizes lists reads among: \(RecordReaders.reads.joined(separator: ", "))."
                    )
                }
                return text
            }
        default: throw APIError.invalid("authorizes", "type", "authorizes is a non-empty array of reads.")
        }
        let hours = try body.optionalInteger("ttlHours", in: 1...87_600) ?? (kind == .link ? Self.defaultLinkHours : nil)
        let token = kind == .link ? "pgr_" + Hex.encode(Identifier.randomBytes(32)) : nil
        let grant: RecordGrant
        do {
            grant = try await records.grant(
                RecordStore.GrantRequest(
                    kind: kind,
                    counterpartyTenantID: counterparty,
                    recipientEmail: try body["recipientEmail"] == nil ? nil : body.email("recipientEmail"),
                    label: try body.optionalString("label", maxLength: 200),
                    authorizes: authorizes,
                    maxUses: try body.optionalInteger("maxUses", in: 1...1_000_000).map(Int64.init),
                    expiresAt: hours.map { now() + Int64($0) * 3_600_000 },
                    readerWrap: readerWrap
                ),
                environmentID: key.environmentID,
                recordKey: summary.recordKey,
                tokenHash: token.map { Hash.sha256(Array($0.utf8)) },
                now: now()
            )
        } catch RecordStore.GrantRefusal.limitReached {
            throw APIError(
                .conflict,
                .recordsLimitReached,
                "This record has \(RecordStore.maxActiveGrantsPerRecord) grants in force, as many as it may; revoke one first."
            )
        }
        var json = grant.json(summary: summary, now: now())
        if let token, case .object(var members) = json {
            members.append(("token", .string(token)))
            json = .object(members)
        }
        return Envelope.success(.created, json)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let (limit, offset) = try QueryParameters(request: request).window(maxLimit: Self.maxPage)
        let grants = try await records.grants(
            environmentID: key.environmentID,
            recordKey: summary.recordKey,
            now: now(),
            limit: limit,
            offset: offset
        )
        return Envelope.success(.ok, ["grants": .array(grants.map { $0.json(summary: summary, now: now()) })])
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        guard
            let grant = try await records.revoke(
                grantID: try context.pathParameter("grantId"),
                environmentID: key.environmentID,
                recordKey: summary.recordKey,
                now: now()
            )
        else { throw Self.noGrant }
        return Envelope.success(.ok, grant.json(summary: summary, now: now()))
    }

    /// The owner wraps the record's key to a TENANT_BOUND grant's reader again — after a
    /// re-key, or to a grant made before the record's first entry.
    @Sendable func storeKeyWrap(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let grantID = try context.pathParameter("grantId")
        let body = try await RequestBody.decode(request, allowed: ["pinnedId", "rkid", "wrap"])
        // One grant by id (the lookup a reader's X-PacSpace-Grant uses), not the record's whole list.
        guard let grant = try await records.grant(presented: nil, grantID: grantID), grant.environmentID == key.environmentID,
            grant.recordKey == summary.recordKey, grant.revokedAt == nil, let counterparty = grant.counterpartyTenantID
        else { throw Self.noGrant }
        let sent = JSONValue.object(["pinnedId", "rkid", "wrap"].map { ($0, body[$0] ?? .null) })
        let readerWrap = try await checkedReaderWrap(sent, counterparty: counterparty, summary: summary, key: key)
        guard
            let stored = try await records.storeReaderWrap(
                readerWrap,
                grantID: grantID,
                environmentID: key.environmentID,
                recordKey: summary.recordKey
            )
        else { throw Self.noGrant }
        return Envelope.success(.ok, stored.json(summary: summary, now: now()))
    }

    /// The record key wrapped to the reader of the grant it presents (`X-PacSpace-Grant`):
    /// `{rkid, wrap}`. Not a counted use — the reader fetches it after the counted read it
    /// opens — but never once the grant is revoked or expired.
    @Sendable func grantKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let record = try RecordsController.record(context)
        let (grant, _) = try await readers.granted(request, key: key, record: record)
        switch grant.status(at: now()) {
        case .active, .exhausted: break
        case let status: throw RecordReaders.inactive(status)
        }
        guard grant.kind == .tenantBound, let rkid = grant.readerWrap?["rkid"], let wrap = grant.readerWrap?["wrap"] else {
            throw APIError(.notFound, .grantKeyNotFound, "This grant carries no key: its record's owner wrapped none to you.")
        }
        return Envelope.success(.ok, ["grantId": .string(grant.grantID), "rkid": rkid, "wrap": wrap])
    }

    /// The tenant a TENANT_BOUND grant is for, named by its workspace id (what the SDK sends)
    /// or its tenant id (`tnt_…`); nil for a LINK.
    private static func counterparty(_ body: RequestBody, kind: RecordGrant.Kind, key: APIKeyIdentity) throws -> String? {
        let named = try body.optionalString("counterpartyTenantId", maxLength: 64)
        guard kind == .tenantBound else {
            guard named == nil else {
                throw APIError.invalid("counterpartyTenantId", "kind", "A LINK grant is for whoever holds its token; name no tenant.")
            }
            return nil
        }
        guard let workspace = named.flatMap(WorkspaceID.parse) else {
            throw APIError.invalid(
                "counterpartyTenantId",
                "required",
                "A TENANT_BOUND grant names the workspace it is for: its workspace id, or its tenant id (tnt_…)."
            )
        }
        let tenant = WorkspaceID.tenantID(of: workspace)
        guard tenant != key.tenantID else {
            throw APIError.invalid("counterpartyTenantId", "self", "Your own tenant reads its records without a grant.")
        }
        return tenant
    }

    /// A reader wrap `{pinnedId, rkid, wrap}` for `counterparty`, on an encrypted record, made
    /// to the counterparty's current identity.
    private func checkedReaderWrap(_ sent: JSONValue, counterparty: String, summary: RecordSummary, key: APIKeyIdentity) async throws -> JSONValue {
        guard case .object(let members) = sent, members.count == 3 else {
            throw APIError.invalid("readerWrap", "format", "readerWrap is {pinnedId, rkid, wrap}.")
        }
        let pinned = try RecordKeysController.hex64(sent["pinnedId"], field: "readerWrap.pinnedId")
        let rkid = try RecordKeysController.hex64(sent["rkid"], field: "readerWrap.rkid")
        let wrap = try RecordKeysController.wrap(sent["wrap"], field: "readerWrap.wrap")
        guard summary.encryptionKid != nil else {
            throw APIError(.conflict, .recordEncryptionMismatch, "This record is not encrypted: its readers need no key.")
        }
        _ = try await keys.pinned(tenantID: counterparty, environment: key.environment, pinnedID: pinned)
        return ["pinnedId": .string(pinned), "rkid": .string(rkid), "wrap": wrap]
    }

    static let noGrant = APIError(.notFound, .grantNotFound, "This record has no such grant.")
}
