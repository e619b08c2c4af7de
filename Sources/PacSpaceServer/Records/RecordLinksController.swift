import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The owner's side of Shared Record links (docs/records.md, "Shared Record links"), with an
/// API key: make, list and revoke a record's links, store the disclosure its client sealed,
/// and wrap a link's key to a reader workspace; and the reader's `POST disclosures/key-wrap`.
struct RecordLinksController: Sendable {
    let records: RecordStore
    let links: RecordLinkStore
    let keys: RecordKeyStore
    let passwords: Passwords
    let publicURL: String
    let now: @Sendable () -> Int64

    /// A link lasts 30 days unless told otherwise, a year at most.
    static let defaultHours = 720
    /// The access code's alphabet: digits and capitals without 0, 1, I, L and O, which read
    /// alike. Six of them: 31^6 ≈ 887 million codes.
    static let codeAlphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    static let codeLength = 6

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(":recordType/:entityId/share", use: create)
        group.get(":recordType/:entityId/share", use: list)
        group.post(":recordType/:entityId/share/:handle/revoke", use: revoke)
        group.put(":recordType/:entityId/share/:handle/disclosure", use: storeDisclosure)
        group.put(":recordType/:entityId/share/:handle/key-wraps", use: storeWrap)
        group.post("disclosures/key-wrap", use: readerWrap)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let body = try await RequestBody.decode(request, allowed: ["accessCode", "ttlHours", "label"])
        let hours = try body.optionalInteger("ttlHours", in: 1...8_760) ?? Self.defaultHours
        let label = try body.optionalString("label", maxLength: 200)
        // TWO_TIER unless told otherwise: the link, then its code.
        let code = try body.optionalBool("accessCode") == false ? nil : Self.newCode()
        var codeHash: String?
        if let code { codeHash = try await passwords.hash(code, for: key.environmentID) }
        let link: RecordLink
        do {
            link = try await links.create(
                environmentID: key.environmentID,
                recordKey: summary.recordKey,
                label: label,
                accessCodeHash: codeHash,
                expiresAt: now() + Int64(hours) * 3_600_000,
                now: now()
            )
        } catch RecordLinkStore.Refusal.limitReached(let what) {
            throw APIError(.conflict, .recordsLimitReached, "This record has \(what), as many as it may.")
        }
        var json = json(link, summary: summary)
        if let code, case .object(var members) = json {
            members.append(("accessCode", .string(code)))
            json = .object(members)
        }
        return Envelope.success(.created, json)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let (limit, offset) = try QueryParameters(request: request).window(maxLimit: RecordGrants.maxPage)
        let all = try await links.links(environmentID: key.environmentID, recordKey: summary.recordKey, now: now(), limit: limit, offset: offset)
        return Envelope.success(.ok, ["links": .array(all.map { json($0, summary: summary) })])
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        guard
            let link = try await links.revoke(
                handle: try Self.handle(context),
                environmentID: key.environmentID,
                recordKey: summary.recordKey,
                now: now()
            )
        else { throw Self.noLink }
        return Envelope.success(.ok, json(link, summary: summary))
    }

    /// The disclosure the owner's client sealed under the link's key (`record-disclosure/v1`
    /// inside; the server checks only the envelope's shape).
    @Sendable func storeDisclosure(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let body = try await RequestBody.decode(request, allowed: ["envelope"])
        let envelope = try body.string("envelope", maxLength: RequestBody.maxBytes)
        guard DisclosureEnvelope.isWellFormed(envelope) else {
            throw APIError(
                .badRequest,
                .disclosureEnvelopeMalformed,
                "envelope is a sealed disclosure: unpadded base64url of 0x01, a 12-byte IV and whole 4,096-byte blocks with the tag."
            )
        }
        guard
            let link = try await links.storeDisclosure(
                envelope,
                handle: try Self.handle(context),
                environmentID: key.environmentID,
                recordKey: summary.recordKey,
                now: now()
            )
        else { throw Self.noLink }
        return Envelope.success(.ok, json(link, summary: summary))
    }

    /// The link's key wrapped by the owner's client to a reader workspace whose code it
    /// confirmed (`records.share_key_wrap`).
    @Sendable func storeWrap(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let summary = try await records.own(context, key)
        let body = try await RequestBody.decode(request, allowed: ["workspaceId", "pinnedId", "wrap"])
        let workspace = try WorkspaceID.parse(try body.string("workspaceId", maxLength: WorkspaceID.maxBytes), field: "workspaceId")
        let pinned = try RecordKeysController.hex64(body["pinnedId"], field: "pinnedId")
        let wrap = try RecordKeysController.wrap(body["wrap"], field: "wrap")
        let tenant = WorkspaceID.tenantID(of: workspace)
        guard tenant != key.tenantID else { throw APIError.invalid("workspaceId", "self", "Your own workspace opens its links with their key.") }
        let reader = try await keys.pinned(tenantID: tenant, environment: key.environment, pinnedID: pinned)
        let handle = try Self.handle(context)
        do {
            guard
                try await links.storeWrap(
                    handle: handle,
                    environmentID: key.environmentID,
                    recordKey: summary.recordKey,
                    readerEnvironmentID: reader,
                    pinnedID: pinned,
                    wrap: wrap,
                    now: now()
                )
            else { throw Self.noLink }
        } catch RecordLinkStore.Refusal.limitReached(let what) {
            throw APIError(.conflict, .recordsLimitReached, "This link has \(what), as many as it may.")
        }
        return Envelope.success(.ok, ["handle": .string(handle), "workspaceId": .string(workspace), "state": "stored"])
    }

    /// A reader asks for the link's key wrapped to its own workspace: `{handle,
    /// ownerWorkspaceId, wrap}`, or 404 when the owner stored none for it.
    @Sendable func readerWrap(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await RequestBody.decode(request, allowed: ["handle"])
        let handle = try Self.handle(try body.string("handle", maxLength: 64))
        guard let (wrap, owner) = try await links.wrap(handle: handle, readerEnvironmentID: key.environmentID, now: now()) else {
            throw APIError(.notFound, .recordLinkWrapNotFound, "This link's owner stored no key for your workspace.")
        }
        return Envelope.success(.ok, ["handle": .string(handle), "ownerWorkspaceId": .string(WorkspaceID.of(tenantID: owner)), "wrap": wrap])
    }

    /// A link on the wire, for its owner: never its code (shown once) or its disclosure.

    private func json(_ link: RecordLink, summary: RecordSummary) -> JSONValue {
        link.json(summary: summary, publicURL: publicURL, now: now())
    }

    static let noLink = APIError(.notFound, .recordLinkNotFound, "This record has no such open link.")

    static func handle(_ context: AppRequestContext) throws -> String { try handle(try context.pathParameter("handle")) }

    /// A handle as the SDK sends it (lowercased): 32 lowercase hex digits.
    static func handle(_ text: String) throws -> String {
        let handle = text.lowercased()
        guard handle.utf8.count == 32, handle.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw APIError(.notFound, .recordLinkNotFound, "No such link.")
        }
        return handle
    }

    static func newCode() -> String {
        // Rejection sampling: 248 = 8 × 31, so every symbol is equally likely.
        var code: [Character] = []
        while code.count < codeLength {
            for byte in Identifier.randomBytes(codeLength * 2) where byte < 248 && code.count < codeLength {
                code.append(codeAlphabet[Int(byte) % codeAlphabet.count])
            }
        }
        return String(code)
    }
}

/// A sealed disclosure's shape, as the SDK reads it first (`decrypt_disclosure`).
enum DisclosureEnvelope {
    static let blockBytes = 4_096
    static let headerBytes = 13
    static let tagBytes = 16

    static func isWellFormed(_ envelope: String) -> Bool {
        guard let data = Base64.decodeURL(envelope), data.first == 1 else { return false }
        let cipher = data.count - headerBytes - tagBytes
        return cipher > 0 && cipher % blockBytes == 0
    }
}
