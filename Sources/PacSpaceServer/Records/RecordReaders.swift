import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// Who may read a record (docs/records.md, "Grants" and "Workspace keys"): its own
/// environment; another tenant presenting a grant with `X-PacSpace-Grant`; or, for an
/// encrypted record, a holder of its owner's keys naming the owner with
/// `X-PacSpace-Holder-For`.
struct RecordReaders: Sendable {
    let records: RecordStore
    let environments: EnvironmentStore
    let keys: RecordKeyStore
    let now: @Sendable () -> Int64

    static let grantHeader = HTTPField.Name("X-PacSpace-Grant") ?? .via
    static let holderHeader = HTTPField.Name("X-PacSpace-Holder-For") ?? .via
    /// The reads a grant may allow; all of them unless it names fewer.
    static let reads = ["receipt", "history", "bundle"]

    /// Where a read goes: the caller's own environment, or the one a grant or holding opens.
    struct Target: Sendable {
        let environmentID: String
        let origin: String
        let summary: RecordSummary
    }

    /// The record a read names, counting one use when a grant opens it.
    func target(_ request: Request, _ context: AppRequestContext, record: RecordIdentity, read: String) async throws -> Target {
        let key = try context.requireKey()
        guard request.headers[Self.grantHeader] != nil else {
            if let owner = request.headers[Self.holderHeader] { return try await held(record, owner: owner, key: key) }
            guard let summary = try await records.record(environmentID: key.environmentID, recordType: record.recordType, entityID: record.entityID)
            else { throw APIError(.notFound, .recordNotFound, "This environment has no record \(record.entityID) of type \(record.recordType).") }
            return Target(environmentID: key.environmentID, origin: key.logOrigin, summary: summary)
        }
        let (grant, target) = try await granted(request, key: key, record: record)
        guard grant.authorizes.contains(read) else {
            throw APIError(.forbidden, .grantNotAuthorized, "This grant does not allow the \(read) read.")
        }
        guard try await records.use(grant, now: now()) != nil else { throw Self.inactive(grant.status(at: now())) }
        return target
    }

    /// The grant the request presents with `X-PacSpace-Grant` — which must open the record the
    /// path names, in an environment of the caller's kind (a sandbox key never reads
    /// production) — and where it leads. Counts nothing: ``target(_:_:record:read:)`` counts.
    func granted(_ request: Request, key: APIKeyIdentity, record: RecordIdentity) async throws -> (RecordGrant, Target) {
        let unknown = APIError(.notFound, .grantNotFound, "No grant you hold opens this record.")
        guard let presented = request.headers[Self.grantHeader], presented.utf8.count <= 100 else { throw unknown }
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
        return (grant, Target(environmentID: grant.environmentID, origin: origin, summary: summary))
    }

    /// Why a grant admits no read now.
    static func inactive(_ status: RecordGrant.Status) -> APIError {
        switch status {
        case .revoked: APIError(.forbidden, .grantRevoked, "This grant was revoked.")
        case .expired: APIError(.forbidden, .grantExpired, "This grant has expired.")
        case .exhausted, .active: APIError(.forbidden, .grantExhausted, "This grant has been used as many times as it allows.")
        }
    }

    /// The record of the workspace `owner` names, read by one of its holders. Anything else
    /// — no such workspace, not a holder, removed, nothing confirmed — is the same 403.
    private func held(_ record: RecordIdentity, owner: String, key: APIKeyIdentity) async throws -> Target {
        let refused = APIError(.forbidden, .recordsNotHolder, "This workspace holds no confirmed key of that workspace for this record.")
        guard let owner = WorkspaceID.parse(owner),
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
}
