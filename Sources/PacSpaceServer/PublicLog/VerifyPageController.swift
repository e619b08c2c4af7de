import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore
import PacSpaceStore

/// The public verification page (docs/verification.md, "The verification page"):
/// `GET /verify/:id` for a receipt id, record id, content hash, checkpoint id or proof
/// root, `GET /receipt/:receiptId` for a receipt, and the page's downloads. The server
/// states its verdict; the page's script (Resources/assets/verify.js) checks the same
/// proof in the reader's browser and states its own.
struct VerifyPageController: Sendable {
    /// The most records a period page lists, and the most metadata they may carry: a page is
    /// HTML a person reads (and the browser's check re-hashes every row). Past either, the
    /// page lists none and points to the files and the CLI. Without the metadata bound a
    /// period of 600 deltas rendered 40 MiB of HTML for anyone holding its link (issue 25).
    static let maxListed = 1_000
    static let maxListedMetadataBytes: Int64 = 1_048_576

    let verification: PublicVerification
    let links: VerifyLinks
    let pages: PageTemplates
    let maxScopeDays: Int
    let now: @Sendable () -> Int64

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("verify/:id", use: page)
        router.get("receipt/:receiptId", use: receiptPage)
        router.get("verify/:id/receipt.tlog-proof", use: receiptFile)
        router.get("verify/:id/verifier-key", use: verifierKeyFile)
        router.get("verify/:id/delta.json", use: deltaFile)
        router.get("verify/:id/checkpoint.json", use: checkpointFile)
        router.get("verify/:id/deltas.json", use: deltasFile)
        router.get("verify/:id/entry.json", use: entryFile)
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        try await render(try context.pathParameter("id"), request: request)
    }

    @Sendable func receiptPage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let id = try context.pathParameter("receiptId")
        guard id.hasPrefix("rcpt_") else { throw APIError.notFound("No receipt \(id).") }
        return try await render(id, request: request)
    }

    private func render(_ id: String, request: Request) async throws -> HTMLPage {
        let found = try await load(id, request: request)
        var downloads: [(String, String)] = []
        let suffix = found.token.map { "?k=\($0)" } ?? ""
        if found.proof.receipt != nil { downloads.append(("Receipt (receipt.tlog-proof)", "/verify/\(id)/receipt.tlog-proof")) }
        if found.proof.environment.publicKey != nil { downloads.append(("Verifier key", "/verify/\(id)/verifier-key")) }
        if found.disclosed {
            switch found.entry.subject {
            case .delta: downloads.append(("The delta (delta.json)", "/verify/\(id)/delta.json\(suffix)"))
            case .checkpoint:
                downloads.append(("The checkpoint (checkpoint.json)", "/verify/\(id)/checkpoint.json\(suffix)"))
                if found.records != nil { downloads.append(("Its records (deltas.json)", "/verify/\(id)/deltas.json\(suffix)")) }
            case .recordEntry:
                downloads.append(("The entry's receipt (entry.json)", "/verify/\(id)/entry.json\(suffix)"))
            }
        }
        let view = VerifyPageView(
            id: id,
            entry: found.entry,
            proof: found.proof,
            disclosed: found.disclosed,
            records: found.records,
            recordsReproduceRoot: found.recordsReproduceRoot,
            unlisted: found.unlisted,
            downloads: downloads
        )
        return pages.page(.verify, try view.values)
    }

    /// What the page of `id` shows, for the token the request carries.
    private struct Found {
        let entry: VerifiableEntry
        let proof: PublicVerification.Proof
        let disclosed: Bool
        /// `k` as given, when it opened the page.
        let token: String?
        let records: [DeltaRecord]?
        let recordsReproduceRoot: Bool
        /// A disclosed period too large to list: its records and their metadata's bytes.
        let unlisted: (count: Int64, metadataBytes: Int64)?
    }

    private func load(_ id: String, request: Request) async throws -> Found {
        let entry: VerifiableEntry
        do {
            entry = try await verification.entry(id, acceptingRecordID: true)
        } catch let error as APIError where error.status == .badRequest {
            // A page names no field to fix: for a reader, an id of no known form is simply unknown.
            throw APIError.notFound("Nothing is recorded under \(id): no receipt, record, checkpoint or hash has this id.")
        }
        let proof = try await verification.prove(entry)
        let token = try QueryParameters(request: request).string("k", maxLength: 64)
        var disclosed = links.opens(token, for: id.hasPrefix("0x") || id.hasPrefix("0X") ? id.lowercased() : id)
        if case .delta(let record) = entry.subject, record.recordID == id { disclosed = true }
        var records: [DeltaRecord]?
        var unlisted: (count: Int64, metadataBytes: Int64)?
        var reproduces = false
        if disclosed, case .checkpoint(let checkpoint) = entry.subject {
            (records, unlisted) = try await covered(checkpoint)
            if let records { reproduces = try Self.reproduces(checkpoint, records: records, origin: proof.environment.logOrigin ?? "") }
        }
        return Found(
            entry: entry,
            proof: proof,
            disclosed: disclosed,
            token: disclosed ? token : nil,
            records: records,
            recordsReproduceRoot: reproduces,
            unlisted: unlisted
        )
    }

    /// The deltas a customer's checkpoint covers, when a page can list them; otherwise what
    /// its scope holds (nil as well when it is not a customer's period a page could name).
    private func covered(_ checkpoint: CheckpointRecord) async throws -> ([DeltaRecord]?, (count: Int64, metadataBytes: Int64)?) {
        guard let customerID = checkpoint.customerID else { return (nil, nil) }
        let scope = checkpoint.scope.value
        let selection: DeltaStore.Selection
        if case .string(let start)? = scope["startDate"], case .string(let end)? = scope["endDate"],
            let from = Timestamp.parse(start), let until = Timestamp.parse(end)
        {
            selection = .accepted(from: from, until: until)
        } else if case .string(let starting)? = scope["startingCheckpoint"] {
            let input = try ScopeInput(
                Scope.Fields(startingCheckpoint: starting, startingCheckpointType: starting.hasPrefix("rec_") ? "recordId" : "proofRoot"),
                now: now(),
                maxDays: maxScopeDays
            )
            selection = try await input.selection(
                environmentID: checkpoint.environmentID,
                customerID: customerID,
                deltas: verification.deltas,
                checkpoints: verification.checkpoints
            )
        } else {
            return (nil, nil)
        }
        // Counted before anything is loaded (as a receipt answer is): every VERIFIED delta of
        // the scope, a bound on those the checkpoint covers.
        let footprint = try await verification.deltas.footprint(environmentID: checkpoint.environmentID, customerID: customerID, selection: selection)
        guard checkpoint.deltaCount <= Int64(Self.maxListed), footprint.count <= Int64(Self.maxListed),
            footprint.metadataBytes <= Self.maxListedMetadataBytes
        else { return (nil, (checkpoint.deltaCount, footprint.metadataBytes)) }
        let listed = try await verification.deltas.coveredDeltas(
            environmentID: checkpoint.environmentID,
            customerID: customerID,
            selection: selection,
            verifiedBy: checkpoint.createdAt,
            limit: Self.maxListed
        )
        return (listed, nil)
    }

    /// Whether `records` rebuild the checkpoint's proofRoot, in the version its leaf states.
    static func reproduces(_ checkpoint: CheckpointRecord, records: [DeltaRecord], origin: String) throws -> Bool {
        let version = try LogEntry.periodRootVersion(ofCheckpointLeaf: checkpoint.leafData)
        let scope = checkpoint.scope.value
        let root = try PeriodRoot.root(version, of: records.map(\.contentHash), origin: origin, scope: scope)
        return root == checkpoint.proofRoot && records.count == Int(checkpoint.deltaCount)
    }

    // MARK: Downloads

    @Sendable func receiptFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await load(try context.pathParameter("id"), request: request)
        guard let receipt = found.proof.receipt else { throw APIError.notFound("The entry is not in the log yet.") }
        return Self.file(receipt.tlogProof.text, type: "text/plain; charset=utf-8", name: "receipt.tlog-proof")
    }

    @Sendable func verifierKeyFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await load(try context.pathParameter("id"), request: request)
        guard let key = found.proof.environment.publicKey else { throw APIError.notFound("The environment has no key yet.") }
        return Self.file(key + "\n", type: "text/plain; charset=utf-8", name: "verifier-key.txt")
    }

    @Sendable func deltaFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await load(try context.pathParameter("id"), request: request)
        guard found.disclosed, case .delta(let record) = found.entry.subject else { throw Self.undisclosed }
        return Self.file(try Self.json(record.json), type: "application/json", name: "delta.json")
    }

    @Sendable func checkpointFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await load(try context.pathParameter("id"), request: request)
        guard found.disclosed, case .checkpoint(let checkpoint) = found.entry.subject else { throw Self.undisclosed }
        return Self.file(
            try Self.json(checkpoint.json(logCheckpoint: found.proof.receipt?.json ?? .null)),
            type: "application/json",
            name: "checkpoint.json"
        )
    }

    @Sendable func deltasFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await load(try context.pathParameter("id"), request: request)
        guard found.disclosed, let records = found.records else { throw Self.undisclosed }
        return Self.file(try Self.json(.array(records.map(\.json))), type: "application/json", name: "deltas.json")
    }

    /// A record entry's receipt (semantic-receipt/v3), as `pacspace verify-receipt --record-entry` takes it.
    @Sendable func entryFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let found = try await load(try context.pathParameter("id"), request: request)
        guard found.disclosed, case .recordEntry(let entry, let record) = found.entry.subject else { throw Self.undisclosed }
        let receipt = entry.receipt(
            record: RecordIdentity(recordType: record.recordType, entityID: record.entityID),
            proof: found.proof.receipt?.json,
            verifyUrl: links.page(of: entry)
        )
        return Self.file(try Self.json(receipt), type: "application/json", name: "entry.json")
    }

    /// Content files answer only through a disclosing link; not even whether it exists.
    static let undisclosed = APIError.notFound("Nothing to download here; the link your provider sent you opens the files.")

    private static func json(_ value: JSONValue) throws -> String { String(decoding: try JSONWriter.canonical(value), as: UTF8.self) }

    private static func file(_ text: String, type: String, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\""],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
