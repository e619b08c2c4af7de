import Crypto
import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The workspace side of encrypted records (docs/records.md, "Workspace keys"), under
/// `/api/v1/records/encryption/*` with an API key: the environment's identity, the versions
/// of its workspace secret, its holders, and what it holds for others. The server stores
/// public keys and wraps the clients made; it never holds a key that opens an entry.
struct RecordKeysController: Sendable {
    let keys: RecordKeyStore
    let now: @Sendable () -> Int64

    /// An X-Wing public key: ML-KEM-768's 1,184 bytes and X25519's 32.
    static let publicKeyBytes = 1_216
    /// The most canonical bytes one wrap may have (an HPKE key wrap is about 1.6 KB).
    static let maxWrapBytes = 8_192

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("encryption/identity", use: identity)
        group.put("encryption/identity", use: registerIdentity)
        group.get("encryption/workspaces/:workspaceId/identity", use: workspaceIdentity)
        group.get("encryption/versions", use: versions)
        group.put("encryption/versions/:version", use: registerVersion)
        group.get("encryption/holders", use: holders)
        group.post("encryption/holders", use: addHolder)
        group.delete("encryption/holders/:holderId", use: removeHolder)
        group.put("encryption/holders/:holderId/wraps", use: storeWrap)
        group.get("encryption/holdings", use: holdings)
        group.post("encryption/holdings/:holderId/confirm", use: confirm)
        group.post("encryption/holdings/:holderId/refuse", use: refuse)
        group.delete("encryption/holdings/:holderId", use: dismiss)
    }

    // MARK: Identity

    @Sendable func identity(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let all = try await keys.identities(environmentID: key.environmentID)
        let current = all.first { !$0.retired }
        var document: [(String, JSONValue)] = [("workspaceId", .string(WorkspaceID.of(tenantID: key.tenantID)))]
        document += [
            ("xwingPublicId", JSONValue.optional(current?.publicKeyID)), ("xwingPublic", JSONValue.optional(current?.publicKey)),
            ("seedWraps", .array((current?.seedWraps ?? []).map(Self.seedWrap))),
            (
                "retiredIdentities",
                .array(
                    all.filter(\.retired).map {
                        [
                            "xwingPublicId": .string($0.publicKeyID), "xwingPublic": .string($0.publicKey),
                            "seedWraps": .array($0.seedWraps.map(Self.seedWrap)),
                        ]
                    }
                )
            ),
        ]
        return Envelope.success(.ok, .object(document))
    }

    @Sendable func registerIdentity(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(request, allowed: ["xwingPublic", "seedWrap", "replaces"])
        let publicKey = try body.string("xwingPublic", maxLength: 1_700)
        guard let bytes = Base64.decodeURL(publicKey), bytes.count == Self.publicKeyBytes else {
            throw APIError.invalid("xwingPublic", "format", "xwingPublic is an X-Wing public key: 1,216 bytes in unpadded base64url.")
        }
        guard case .object = body["seedWrap"] ?? .null, let seedWrap = body["seedWrap"] else {
            throw APIError.invalid("seedWrap", "required", "seedWrap is {version, wrap}: the seed sealed under a version of the secret.")
        }
        let version = try Self.version(seedWrap["version"], field: "seedWrap.version")
        let wrap = try Self.wrap(seedWrap["wrap"], field: "seedWrap.wrap")
        let id = Self.publicKeyID(bytes)
        let created: Bool
        do {
            created = try await keys.register(
                environmentID: key.environmentID,
                publicKeyID: id,
                publicKey: publicKey,
                seedWrap: (version, wrap),
                replacing: try body["replaces"].flatMap { $0 == .null ? nil : try Self.hex64($0, field: "replaces") },
                now: now()
            )
        } catch let refusal as RecordKeyStore.Refusal {
            throw Self.apiError(refusal)
        }
        return Envelope.success(created ? .created : .ok, ["xwingPublicId": .string(id), "created": .bool(created)])
    }

    @Sendable func workspaceIdentity(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let workspace = try WorkspaceID.parse(try context.pathParameter("workspaceId"), field: "workspaceId")
        guard let identity = try await keys.identity(tenantID: WorkspaceID.tenantID(of: workspace), environment: key.environment) else {
            throw Self.noIdentity
        }
        return Envelope.success(
            .ok,
            ["workspaceId": .string(workspace), "xwingPublicId": .string(identity.publicKeyID), "xwingPublic": .string(identity.publicKey)]
        )
    }

    // MARK: Versions

    @Sendable func versions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let versions = try await keys.versions(environmentID: key.environmentID)
        let awaiting = try await keys.awaiting(environmentID: key.environmentID)
        return Envelope.success(
            .ok,
            [
                "versions": .array(
                    versions.map {
                        let holders = awaiting[$0.version] ?? []
                        return [
                            "version": .int($0.version), "kid": .string($0.kid), "writable": .bool(holders.isEmpty),
                            "awaitingHolders": .array(holders.map(JSONValue.string)),
                        ]
                    }
                )
            ]
        )
    }

    @Sendable func registerVersion(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let version = try Self.version(Int(try context.pathParameter("version")).map { .int(Int64($0)) }, field: "version")
        let body = try await RequestBody.decode(request, allowed: ["kid", "wrapFormat", "holderSet", "holderWraps", "seedWraps"])
        let kid = try Self.hex64(body["kid"], field: "kid")
        if let format = body["wrapFormat"], format != .null, format != .number("2") {
            throw APIError.invalid("wrapFormat", "value", "wrapFormat is 2.")
        }
        var seedWraps: [(publicKeyID: String, wrap: JSONValue)] = []
        if case .object(let members)? = body["seedWraps"] {
            guard members.count <= 16 else { throw APIError.invalid("seedWraps", "too_many", "At most 16 seed wraps.") }
            for (id, wrap) in members { seedWraps.append((try Self.hex64(.string(id), field: "seedWraps"), try Self.wrap(wrap, field: "seedWraps"))) }
        }
        var holderWraps: [(holderID: String, pinnedID: String, wrap: JSONValue)] = []
        if case .array(let items)? = body["holderWraps"] {
            guard items.count <= 256 else { throw APIError.invalid("holderWraps", "too_many", "At most 256 holder wraps.") }
            for item in items {
                guard case .string(let holder)? = item["holderId"], holder.utf8.count <= 64 else {
                    throw APIError.invalid("holderWraps", "format", "Each holder wrap is {holderId, pinnedId, wrap}.")
                }
                holderWraps.append(
                    (holder, try Self.hex64(item["pinnedId"], field: "holderWraps.pinnedId"), try Self.wrap(item["wrap"], field: "holderWraps.wrap"))
                )
            }
        }
        let holderSet = try body.optionalString("holderSet", maxLength: 80)
        do {
            let needing = try await keys.register(
                RecordKeyStore.NewVersion(version: version, kid: kid, holderSet: holderSet, seedWraps: seedWraps, holderWraps: holderWraps),
                environmentID: key.environmentID,
                now: now()
            )
            return Envelope.success(
                .ok,
                ["version": .int(version), "kid": .string(kid), "holdersNeedingConfirmation": .array(needing.map(JSONValue.string))]
            )
        } catch let refusal as RecordKeyStore.Refusal {
            throw Self.apiError(refusal)
        }
    }

    // MARK: Holders

    @Sendable func holders(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let (holders, wraps, holderSet) = try await keys.holders(environmentID: key.environmentID)
        let listed = holders.map { Self.holderJSON($0, wraps: wraps[$0.holderID] ?? []) }
        return Envelope.success(.ok, ["holders": .array(listed), "holderSet": .string(holderSet)])
    }

    @Sendable func addHolder(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(request, allowed: ["workspaceId", "scope", "required", "pinnedId", "record"])
        let workspace = try WorkspaceID.parse(try body.string("workspaceId", maxLength: WorkspaceID.maxBytes), field: "workspaceId")
        guard let scope = try body.optionalChoice("scope", of: RecordKeyStore.Holder.Scope.self) else {
            throw APIError.invalid("scope", "required", "scope is workspace or record.")
        }
        let pinned = try Self.hex64(body["pinnedId"], field: "pinnedId")
        var record: (recordType: String, entityID: String)?
        if scope == .record {
            guard case .string(let type)? = body["record"]?["recordType"], case .string(let entity)? = body["record"]?["entityId"],
                !type.isEmpty, type.utf8.count <= 64, !entity.isEmpty, entity.utf8.count <= 256
            else { throw APIError.invalid("record", "required", "A record holder names its record: {recordType, entityId}.") }
            record = (type, entity)
        } else if body["record"] != nil, body["record"] != .null {
            throw APIError.invalid("record", "scope", "A workspace holder holds every record; name no record.")
        }
        let tenant = WorkspaceID.tenantID(of: workspace)
        guard tenant != key.tenantID else { throw APIError.invalid("workspaceId", "self", "A workspace holds its own keys already.") }
        let holderEnvironment = try await keys.pinned(tenantID: tenant, environment: key.environment, pinnedID: pinned)
        let (holder, created): (RecordKeyStore.Holder, Bool)
        do {
            (holder, created) = try await keys.addHolder(
                environmentID: key.environmentID,
                holderEnvironmentID: holderEnvironment,
                scope: scope,
                required: try body.optionalBool("required") ?? false,
                pinnedID: pinned,
                record: record,
                now: now()
            )
        } catch let refusal as RecordKeyStore.Refusal {
            throw Self.apiError(refusal)
        }
        return Envelope.success(created ? .created : .ok, ["holderId": .string(holder.holderID), "created": .bool(created)])
    }

    @Sendable func removeHolder(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let id = try context.pathParameter("holderId")
        guard try await keys.removeHolder(environmentID: key.environmentID, holderID: id, now: now()) else { throw Self.noHolder }
        return Envelope.success(.ok, ["holderId": .string(id), "removed": true])
    }

    @Sendable func storeWrap(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let id = try context.pathParameter("holderId")
        let body = try await RequestBody.decode(request, allowed: ["version", "pinnedId", "rkid", "wrap"])
        let slot: RecordKeyStore.WrapSlot
        switch (body["version"], body["rkid"]) {
        case (let version?, nil) where version != .null: slot = .version(try Self.version(version, field: "version"))
        case (nil, let rkid?) where rkid != .null: slot = .record(rkid: try Self.hex64(rkid, field: "rkid"))
        default: throw APIError.invalid("version", "required", "A wrap names a version (workspace holder) or an rkid (record holder).")
        }
        do {
            try await keys.storeWrap(
                environmentID: key.environmentID,
                holderID: id,
                slot: slot,
                pinnedID: try Self.hex64(body["pinnedId"], field: "pinnedId"),
                wrap: try Self.wrap(body["wrap"], field: "wrap"),
                now: now()
            )
        } catch let refusal as RecordKeyStore.Refusal {
            throw Self.apiError(refusal)
        }
        return Envelope.success(.ok, ["holderId": .string(id), "state": "stored"])
    }

    // MARK: Holdings

    @Sendable func holdings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let (held, next) = try await keys.holdings(holderEnvironmentID: key.environmentID, offset: try QueryParameters(request: request).offset())
        return Envelope.success(
            .ok,
            [
                "nextOffset": next.map { .int($0) } ?? .null,
                "holdings": .array(
                    held.map { holder, owner, wraps in
                        [
                            "holderId": .string(holder.holderID), "ownerWorkspaceId": .string(WorkspaceID.of(tenantID: owner)),
                            "scope": .string(holder.scope.rawValue), "required": .bool(holder.required),
                            "record": holder.record.map { ["recordType": .string($0.recordType), "entityId": .string($0.entityID)] } ?? .null,
                            "wraps": .array(
                                wraps.map { wrap in
                                    [
                                        "version": wrap.version.map(JSONValue.int) ?? .null, "kid": JSONValue.optional(wrap.kid),
                                        "rkid": JSONValue.optional(wrap.rkid), "wrap": wrap.wrap, "state": .string(wrap.state),
                                        "reason": JSONValue.optional(wrap.reason),
                                    ]
                                }
                            ),
                        ]
                    }
                ),
            ]
        )
    }

    /// The holding removed by the workspace that holds it: wraps it never asked for, from an
    /// owner it does not know, are its to throw away.
    @Sendable func dismiss(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let id = try context.pathParameter("holderId")
        guard try await keys.dismiss(holderEnvironmentID: key.environmentID, holderID: id, now: now()) else {
            throw APIError(.notFound, .recordsHoldingNotFound, "This workspace holds nothing under that holder id.")
        }
        return Envelope.success(.ok, ["holderId": .string(id), "removed": true])
    }

    @Sendable func confirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, confirming: true)
    }

    @Sendable func refuse(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, confirming: false)
    }

    /// A holder's answer about one stored wrap: it opened to the key the owner named, or not.
    private func answer(_ request: Request, _ context: AppRequestContext, confirming: Bool) async throws -> Response {
        let key = try context.requireKey()
        let id = try context.pathParameter("holderId")
        let body = try await RequestBody.decode(request, allowed: confirming ? ["version", "kid"] : ["version", "reason"])
        let version = try body["version"].flatMap { $0 == .null ? nil : try Self.version($0, field: "version") }
        let kid = confirming ? try Self.hex64(body["kid"], field: "kid") : nil
        let reason = confirming ? nil : try body.optionalString("reason", maxLength: 64) ?? "unopened"
        guard
            try await keys.answer(
                holderEnvironmentID: key.environmentID,
                holderID: id,
                version: version,
                confirmedKid: kid,
                refusal: reason,
                now: now()
            )
        else { throw APIError(.notFound, .recordsHoldingNotFound, "This workspace holds no such wrap (or its key id is not the version's).") }
        return Envelope.success(.ok, ["holderId": .string(id), "state": .string(confirming ? "confirmed" : "refused")])
    }

    // MARK: Shapes and checks

    /// A holder as its owner sees it, with where each of its wraps stands (a refusal and its
    /// reason is how the owner is told a wrap did not open).
    static func holderJSON(_ holder: RecordKeyStore.Holder, wraps: [RecordKeyStore.WrapState]) -> JSONValue {
        [
            "holderId": .string(holder.holderID), "holderWorkspaceId": .string(WorkspaceID.of(tenantID: holder.holderTenantID ?? "")),
            "scope": .string(holder.scope.rawValue), "required": .bool(holder.required), "pinnedId": .string(holder.pinnedID),
            "record": holder.record.map { ["recordType": .string($0.recordType), "entityId": .string($0.entityID)] } ?? .null,
            "wraps": .array(
                wraps.map {
                    [
                        "version": $0.version.map(JSONValue.int) ?? .null, "rkid": JSONValue.optional($0.rkid), "state": .string($0.state),
                        "reason": JSONValue.optional($0.reason),
                    ]
                }
            ),
            "removedAt": holder.removedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null,
            "createdAt": .string(Timestamp.iso8601(millis: holder.createdAt)),
        ]
    }

    static let noIdentity = APIError(
        .notFound,
        .recordsIdentityNotFound,
        "That workspace has no identity for encrypted records in this environment."
    )
    static let noHolder = APIError(.notFound, .recordsHolderNotFound, "This workspace has no such holder.")

    static func apiError(_ refusal: RecordKeyStore.Refusal) -> APIError {
        switch refusal {
        case .identityExists:
            APIError(
                .conflict,
                .recordsIdentityExists,
                "This workspace already has another identity; to replace it, name it in replaces (docs/records.md, \"Workspace keys\")."
            )
        case .identityChanged:
            APIError(.conflict, .recordsIdentityChanged, "The identity replaces names is not this workspace's current one; read it again.")
        case .identityRetired:
            APIError(.conflict, .recordsIdentityRetired, "This key was this workspace's before; a replacement is a new key.")
        case .versionTaken: APIError(.conflict, .recordsVersionConflict, "This version is registered with another key id.")
        case .holderSetChanged:
            APIError(.conflict, .recordsHolderSetChanged, "The holders changed since they were listed; list them and wrap again.")
        case .holderNotFound: noHolder
        case .versionUnknown: APIError(.conflict, .recordsVersionUnknown, "Register the version before wrapping its key.")
        case .limitReached(let what): APIError(.conflict, .recordsLimitReached, "This workspace has \(what), as many as it may.")
        }
    }

    /// `SHA-256("pacspace:public-key-id:v1" || 0x00 || public key)`, as the SDK computes it.
    static func publicKeyID(_ publicKey: [UInt8]) -> String {
        Hash.sha256(Array("pacspace:public-key-id:v1".utf8) + [0] + publicKey).prefixedHex.dropFirst(2).lowercased()
    }

    static func seedWrap(_ item: (version: Int64, wrap: JSONValue)) -> JSONValue { ["version": .int(item.version), "wrap": item.wrap] }

    static func version(_ value: JSONValue?, field: String) throws -> Int64 {
        guard case .number(let text)? = value, let version = Int64(text), version >= 1, version <= Int64(Int32.max) else {
            throw APIError.invalid(field, "format", "\(field) is a version number from 1.")
        }
        return version
    }

    static func hex64(_ value: JSONValue?, field: String) throws -> String {
        guard case .string(let text)? = value, RecordEnvelope.isHex64(text) else {
            throw APIError.invalid(field, "format", "\(field) is 64 lowercase hexadecimal digits.")
        }
        return text
    }

    /// A wrap is the client's sealed object; the server keeps it as sent, bounded.
    static func wrap(_ value: JSONValue?, field: String) throws -> JSONValue {
        guard let value, case .object = value, let canonical = try? JSONWriter.canonical(value), canonical.count <= maxWrapBytes else {
            throw APIError.invalid(field, "format", "\(field) is the wrap object the SDK made (at most \(maxWrapBytes) bytes).")
        }
        return value
    }

}

extension RecordKeyStore {
    /// The environment of `tenantID`'s workspace of this kind, when its current identity is
    /// the one the client pinned (`pinnedId`): a wrap made to any other key would not open.
    func pinned(tenantID: String, environment: EnvironmentName, pinnedID: String) async throws -> String {
        guard let environmentID = try await environmentID(tenantID: tenantID, environment: environment),
            let identity = try await identities(environmentID: environmentID).first(where: { !$0.retired })
        else { throw RecordKeysController.noIdentity }
        guard identity.publicKeyID == pinnedID else {
            throw APIError(.conflict, .recordsPinChanged, "That workspace's key is no longer the one pinned; confirm its new code.")
        }
        return environmentID
    }
}
