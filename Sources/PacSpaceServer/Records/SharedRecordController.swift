import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// A Shared Record link as anyone holding it reads it, without an API key (docs/records.md,
/// "Shared Record links"): `/api/v1/c/:handle/access/verify` with the link's access code,
/// then its seal history and its sealed disclosure. The disclosure's key is in the link's
/// fragment (or wrapped to a reader workspace); the server serves ciphertext only.
struct SharedRecordController: Sendable {
    let links: RecordLinkStore
    let records: RecordStore
    let environments: EnvironmentStore
    let receipts: ReceiptReader
    let passwords: Passwords
    let limiter: RateLimiter
    let limits: RateLimits
    let secureCookies: Bool
    let now: @Sendable () -> Int64

    static let cookieName = "pacspace_link"
    /// An access code opens the link for an hour.
    static let sessionMillis: Int64 = 3_600_000

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(":handle/access/verify", use: verify)
        group.get(":handle/history", use: history)
        group.get(":handle/disclosure", use: disclosure)
    }

    /// The page a browser opens at the link itself (`/c/:handle`): what the link is and how
    /// to open it. It shows nothing of the record — not even to whoever has the code: the
    /// key is in the fragment, which the browser never sends.
    func addPage(to router: some RouterMethods<AppRequestContext>, pages: PageTemplates, publicURL: String) {
        router.get("c/:handle") { _, context -> HTMLPage in
            let link = try await openLink(context)
            return pages.page(
                .sharedRecord,
                ["twoTier": link.accessCodeHash != nil, "expiresAt": Timestamp.iso8601(millis: link.expiresAt), "baseURL": publicURL]
            )
        }
    }

    /// `{factor: "ACCESS_HINT", value}`: the link's access code. Tries are limited per client
    /// address (over every link, and on this link: ``RateLimits/linkCode``) and per link from
    /// every address together (``RateLimits/linkGuesses``), each taken before the check and
    /// given back when the code is right; a right one is answered with a cookie that opens
    /// the link for an hour. So one client cannot lock a link's readers out (its own limits
    /// stop it long before the link's), and many clients guess at most 600 codes an hour.
    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try await openLink(context)
        let body = try await RequestBody.decode(request, allowed: ["factor", "value"])
        guard try body.string("factor", maxLength: 32) == "ACCESS_HINT" else {
            throw APIError.invalid("factor", "enum", "factor is ACCESS_HINT: the link's access code.")
        }
        let value = try body.string("value", maxLength: 64)
        guard let hash = link.accessCodeHash else {
            return Envelope.success(.ok, ["handle": .string(link.handle), "verified": true, "accessMode": "LINK_ONLY"])
        }
        let address = RateLimiter.key(address: context.clientAddress)
        let at = now()
        let charges = [
            RateLimiter.Charge(limit: .linkAddress, subject: address, policy: limits.linkCode),
            RateLimiter.Charge(limit: .linkCode, subject: link.handle + "|" + address, policy: limits.linkCode),
            RateLimiter.Charge(limit: .linkGuesses, subject: link.handle, policy: limits.linkGuesses),
        ]
        if let wait = limiter.takeAll(charges, now: at) { throw APIError.rateLimited(after: wait) }
        let code = value.uppercased().filter { $0 != " " && $0 != "-" }
        let wellFormed = code.count == RecordLinksController.codeLength && code.allSatisfy(RecordLinksController.codeAlphabet.contains)
        guard wellFormed, try await passwords.verify(code, hash: hash, for: address) else {
            throw APIError(.forbidden, .recordLinkAccessDenied, "That is not this link's access code.")
        }
        limiter.giveBack(charges, now: at)
        let token = Identifier.token(bytes: 32)
        try await links.openSession(handle: link.handle, tokenHash: Hash.sha256(Array(token.utf8)), expiresAt: at + Self.sessionMillis, now: at)
        var response = Envelope.success(.ok, ["handle": .string(link.handle), "verified": true, "accessMode": "TWO_TIER"])
        response.headers[.setCookie] =
            "\(Self.cookieName)=\(token); Path=/api/v1/c/\(link.handle); Max-Age=\(Self.sessionMillis / 1_000); HttpOnly; SameSite=Strict"
            + (secureCookies ? "; Secure" : "")
        return response
    }

    /// The record's seal history (`record-seal-history/v1`), the document itself.
    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try await openLink(context)
        try await admit(request, link)
        guard let summary = try await records.record(environmentID: link.environmentID, recordKey: link.recordKey),
            let environment = try await environments.environment(id: link.environmentID), let origin = environment.logOrigin,
            let layout = RecordLayout.sealing(summary.recordType)
        else { throw Self.noLink }
        // Proved against the witnessed checkpoint holding the last entry the document carries,
        // when it is logged (its chain then in the head), else the latest.
        let last =
            summary.entryCount > 0
            ? try await records.outlines(
                environmentID: link.environmentID,
                recordKey: summary.recordKey,
                from: min(summary.entryCount, SealHistory.maxEntries) - 1,
                limit: 1
            ).first : nil
        let (checkpoint, witnessed) = try await receipts.basis(
            environmentID: link.environmentID,
            through: last?.status == .verified ? last?.logIndex : nil
        )
        let head = SealHistory.head(
            summary: summary,
            layout: layout,
            chain: SealHistory.chain(environment: environment.environment, origin: origin),
            origin: origin,
            witnessed: witnessed?.json ?? .null
        )
        let (records, receipts, environmentID) = (records, receipts, link.environmentID)
        var response = Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody { writer in
                try await SealHistory.write(
                    head: head,
                    summary: summary,
                    layout: layout,
                    checkpoint: checkpoint,
                    records: records,
                    receipts: receipts,
                    environmentID: environmentID,
                    to: &writer
                )
            }
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The sealed disclosure: `{handle, envelope}`, 404 before its owner stored one.
    @Sendable func disclosure(_ request: Request, context: AppRequestContext) async throws -> Response {
        let link = try await openLink(context)
        try await admit(request, link)
        guard let envelope = link.envelope else {
            throw APIError(.notFound, .recordLinkNoDisclosure, "This link's owner has not stored its disclosure yet.")
        }
        var response = Envelope.json(.ok, ["handle": .string(link.handle), "envelope": .string(envelope)])
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The link the path names, while it is served: unknown, revoked and expired links are
    /// the same 404, so a handle probes nothing.
    private func openLink(_ context: AppRequestContext) async throws -> RecordLink {
        let handle = try RecordLinksController.handle(context)
        guard let link = try await links.link(handle: handle), link.isOpen(at: now()) else { throw Self.noLink }
        return link
    }

    /// A TWO_TIER link is read only with the cookie its access code was answered with. 403,
    /// not 401: the SDK reads every 401 as a bad API key, and these routes take none.
    private func admit(_ request: Request, _ link: RecordLink) async throws {
        guard link.accessCodeHash != nil else { return }
        guard let token = WebSession.cookie(Self.cookieName, in: request), token.utf8.count <= 100,
            try await links.hasSession(handle: link.handle, tokenHash: Hash.sha256(Array(token.utf8)), now: now())
        else {
            throw APIError(.forbidden, .recordLinkAccessRequired, "This link asks for its access code first (POST …/access/verify).")
        }
    }

    static let noLink = APIError(.notFound, .recordLinkNotFound, "No such link.")
}
