import Crypto
import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// Grants on a record (docs/records.md, "Grants"): `POST|GET …/grants`,
/// `POST …/grants/:grantId/revoke`, and reading another tenant's record with
/// `X-PacSpace-Grant`.
struct RecordGrants: Sendable {
    let records: RecordStore
    let environments: EnvironmentStore
    let keys: RecordKeyStore
    let now: @Sendable () -> Int64

    static let header = HTTPField.Name("X-PacSpace-Grant") ?? .via
    /// A holder reading the record of the workspace it names (docs/records.md, "Workspace keys").
    static let holderHeader = HTTPField.Name("X-PacSpace-Holder-For") ?? .via
    /// The reads a grant may allow; all of them unless it names fewer.
    static let reads = ["receipt", "history", "bundle"]
    /// A LINK grant is a bearer token: it lasts 30 days unless told otherwise.
    static let defaultLinkHours = 720

    /// Where a read goes: the caller's own environment, or the one a grant opens.
    struct Target: Sendable {
        let environmentID: String
        let origin: String
        let summary: RecordSummary
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(":recordType/:entityId/grants", use: create)
        group.get(":recordType/:entityId/grants", use: list)
        group.post(":recordType/:entityId/grants/:grantId/revoke", use: revoke)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await ownRecord(context, key)
        let body = try await RequestBody.decode(
            request,
            allowed: ["kind", "recipientEmail", "counterpartyTenantId", "authorizes", "ttlHours", "maxUses", "label", "readerWrap"]
        )
        if body["readerWrap"] != nil {
            throw APIError(
                .badRequest,
                "RECORD_ENCRYPTION_UNAVAILABLE",
                "This server does not take encrypted records yet; grants carry no key wraps."
            )
        }
        guard case .string(let kindText)? = body["kind"], let kind = RecordGrant.Kind(rawValue: kindText) else {
            throw APIError.invalid("kind", "enum", "kind must be LINK or TENANT_BOUND.")
        }
        let counterparty = try body.optionalString("counterpartyTenantId", maxLength: 64)
        if kind == .tenantBound {
            guard let counterparty, counterparty.hasPrefix("tnt_") else {
                throw APIError.invalid("counterpartyTenantId", "required", "A TENANT_BOUND grant names the tenant it is for (tnt_…).")
            }
            guard counterparty != key.tenantID else {
                throw APIError.invalid("counterpartyTenantId", "self", "Your own tenant reads its records without a grant.")
            }
        } else if counterparty != nil {
            throw APIError.invalid("counterpartyTenantId", "kind", "A LINK grant is for whoever holds its token; name no tenant.")
        }
        let authorizes: [String]
        switch body["authorizes"] {
        case nil, .null?: authorizes = Self.reads
        case .array(let items)? where !items.isEmpty:
            authorizes = try items.map { item in
                guard case .string(let text) = item, Self.reads.contains(text) else {
                    throw APIError.invalid("authorizes", "enum", "authorizes lists reads among: \(Self.reads.joined(separator: ", ")).")
                }
                return text
            }
        default: throw APIError.invalid("authorizes", "type", "authorizes is a non-empty array of reads.")
        }
        let hours = try Self.integer(body, "ttlHours", in: 1...87_600) ?? (kind == .link ? Int64(Self.defaultLinkHours) : nil)
        let token = kind == .link ? "pgr_" + Hex.encode(Identifier.randomBytes(32)) : nil
        let grant = try await records.grant(
            RecordStore.GrantRequest(
                kind: kind,
                counterpartyTenantID: counterparty,
                recipientEmail: try body["recipientEmail"] == nil ? nil : body.email("recipientEmail"),
                label: try body.optionalString("label", maxLength: 200),
                authorizes: authorizes,
                maxUses: try Self.integer(body, "maxUses", in: 1...1_000_000),
                expiresAt: hours.map { now() + $0 * 3_600_000 }
            ),
            environmentID: key.environmentID,
            recordKey: summary.recordKey,
            tokenHash: token.map { Hash.sha256(Array($0.utf8)) },
            now: now()
        )
        var json = Self.json(grant, summary: summary, now: now())
        if let token, case .object(var members) = json {
            members.append(("token", .string(token)))
            json = .object(members)
        }
        return Envelope.success(.created, json)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await ownRecord(context, key)
        let grants = try await records.grants(environmentID: key.environmentID, recordKey: summary.recordKey)
        return Envelope.success(.ok, ["grants": .array(grants.map { Self.json($0, summary: summary, now: now()) })])
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await ownRecord(context, key)
        guard
            let grant = try await records.revoke(
                grantID: try context.pathParameter("grantId"),
                environmentID: key.environmentID,
                recordKey: summary.recordKey,
                now: now()
            )
        else { throw APIError(.notFound, "GRANT_NOT_FOUND", "This record has no such grant.") }
        return Envelope.success(.ok, Self.json(grant, summary: summary, now: now()))
    }

    /// The record a read names: the caller's own, or with `X-PacSpace-Grant` the one the
    /// grant is for — which must be the record the path names, in an environment of the
    /// caller's kind (a sandbox key never reads production) — counting one use of it.
    func target(_ request: Request, _ context: AppRequestContext, record: RecordIdentity, read: String) async throws -> Target {
        let key = try context.requireKey()
        let notFound = APIError(.notFound, "RECORD_NOT_FOUND", "This environment has no record \(record.entityID) of type \(record.recordType).")
        guard let presented = request.headers[Self.header] else {
            if let owner = request.headers[Self.holderHeader] { return try await held(record, owner: owner, key: key) }
            guard let summary = try await records.record(environmentID: key.environmentID, recordType: record.recordType, entityID: record.entityID)
            else { throw notFound }
            return Target(environmentID: key.environmentID, origin: key.logOrigin, summary: summary)
        }
        let unknown = APIError(.notFound, "GRANT_NOT_FOUND", "No grant you hold opens this record.")
        guard presented.utf8.count <= 100 else { throw unknown }
        let grant =
            presented.hasPrefix("pgr_")
            ? try await records.grant(presented: Hash.sha256(Array(presented.utf8)), grantID: nil)
            : try await records.grant(presented: nil, grantID: presented)
        guard let grant, grant.kind == .link || grant.counterpartyTenantID == key.tenantID,
            let environment = try await environments.environment(id: grant.environmentID), environment.environment == key.environment,
            let origin = environment.logOrigin,
            let summary = try await records.record(environmentID: grant.environmentID, recordKey: grant.recordKey),
            summary.recordType == record.recordType, summary.entityID == record.entityID
        else { throw unknown }
        guard grant.authorizes.contains(read) else {
            throw APIError(.forbidden, "GRANT_NOT_AUTHORIZED", "This grant does not allow the \(read) read.")
        }
        guard try await records.use(grant, now: now()) != nil else {
            switch grant.status(at: now()) {
            case .revoked: throw APIError(.forbidden, "GRANT_REVOKED", "This grant was revoked.")
            case .expired: throw APIError(.forbidden, "GRANT_EXPIRED", "This grant has expired.")
            default: throw APIError(.forbidden, "GRANT_EXHAUSTED", "This grant has been used as many times as it allows.")
            }
        }
        return Target(environmentID: grant.environmentID, origin: origin, summary: summary)
    }

    /// The record of the workspace `owner` names, read by one of its holders. Anything else
    /// — no such workspace, not a holder, removed, nothing confirmed — is the same 403.
    private func held(_ record: RecordIdentity, owner: String, key: APIKeyIdentity) async throws -> Target {
        let refused = APIError(.forbidden, "RECORDS_NOT_HOLDER", "This workspace holds no confirmed key of that workspace for this record.")
        guard WorkspaceID.isValid(owner),
            let ownerEnvironment = try await keys.environmentID(tenantID: WorkspaceID.tenantID(of: owner), environment: key.environment),
            ownerEnvironment != key.environmentID,
            try await keys.holds(
                holderEnvironmentID: key.environmentID,
                ownerEnvironmentID: ownerEnvironment,
                recordType: record.recordType,
                entityID: record.entityID
            ),
            let environment = try await environments.environment(id: ownerEnvironment), let origin = environment.logOrigin
        else { throw refused }
        // A holder holds keys: it reads encrypted records only, never the owner's plaintext ones.
        guard let summary = try await records.record(environmentID: ownerEnvironment, recordType: record.recordType, entityID: record.entityID),
            summary.encryptionKid != nil
        else { throw refused }
        return Target(environmentID: ownerEnvironment, origin: origin, summary: summary)
    }

    private func ownRecord(_ context: AppRequestContext, _ key: APIKeyIdentity) async throws -> RecordSummary {
        let record = try RecordsController.record(context)
        guard let summary = try await records.record(environmentID: key.environmentID, recordType: record.recordType, entityID: record.entityID)
        else { throw APIError(.notFound, "RECORD_NOT_FOUND", "This environment has no record \(record.entityID) of type \(record.recordType).") }
        return summary
    }

    private static func integer(_ body: RequestBody, _ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        switch body[name] {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let value = Int64(text), range.contains(value) else {
                throw APIError.invalid(name, "range", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).")
            }
            return value
        default: throw APIError.invalid(name, "type", "\(name) must be a number.")
        }
    }

    /// A grant on the wire (never its token, which only its creation answer carries).
    static func json(_ grant: RecordGrant, summary: RecordSummary, now: Int64) -> JSONValue {
        let time = { (millis: Int64?) in millis.map { JSONValue.string(Timestamp.iso8601(millis: $0)) } ?? .null }
        return [
            "grantId": .string(grant.grantID), "kind": .string(grant.kind.rawValue), "status": .string(grant.status(at: now).rawValue),
            "recordType": .string(summary.recordType), "entityId": .string(summary.entityID), "recordKey": .string(grant.recordKey.prefixedHex),
            "counterpartyTenantId": JSONValue.optional(grant.counterpartyTenantID),
            "counterpartyWorkspaceId": JSONValue.optional(grant.counterpartyTenantID),
            "recipientEmail": JSONValue.optional(grant.recipientEmail), "label": JSONValue.optional(grant.label),
            "authorizes": .array(grant.authorizes.map(JSONValue.string)), "maxUses": grant.maxUses.map { .int($0) } ?? .null,
            "uses": .int(grant.uses), "expiresAt": time(grant.expiresAt), "revokedAt": time(grant.revokedAt),
            "createdAt": time(grant.createdAt),
        ]
    }
}
