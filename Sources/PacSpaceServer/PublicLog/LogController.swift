import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The public, read-only log of an environment (docs/api.md §6, docs/verification.md): the latest
/// signed checkpoint, inclusion and consistency proofs, receipts. No authentication.
struct LogController: Sendable {
    let environments: EnvironmentStore
    let log: LogStore
    let deltas: DeltaStore
    let receipts: ReceiptReader

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("api/v1/log/:contractId")
        group.get("checkpoint", use: checkpoint)
        group.get("proof/inclusion", use: inclusion)
        group.get("proof/consistency", use: consistency)
        group.get("receipt/:receiptId", use: receipt)
        group.get("tile/**", use: tile)
    }

    /// The active environment named by `:contractId`, and its latest checkpoint.
    private func current(_ context: AppRequestContext) async throws -> (EnvironmentRecord, SignedCheckpoint) {
        let id = try context.pathParameter("contractId")
        guard let environment = try await environments.environment(id: id), environment.status == .active,
            let checkpoint = try await log.latestCheckpoint(environmentID: id)
        else {
            throw APIError.notFound("No active log \(id).")
        }
        return (environment, checkpoint)
    }

    /// `<prefix>/checkpoint` of C2SP tlog-tiles: mutable, so cached for a few seconds at most.
    @Sendable func checkpoint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, checkpoint) = try await current(context)
        var response = Self.text(checkpoint.note)
        response.headers[.cacheControl] = "public, max-age=2"
        return response
    }

    /// `<prefix>/tile/<L>/<N>[.p/<W>]` and `<prefix>/tile/entries/<N>[.p/<W>]` of C2SP
    /// tlog-tiles (docs/verification.md, "Following a log"), with `<prefix>` =
    /// `/api/v1/log/<contractId>`, for any tile a signed checkpoint's tree has: a tile's
    /// hashes, read in one range of the stored tree, or an entry bundle, read in one range of
    /// the stored leaves. Immutable: cached a year, with an ETag.
    @Sendable func tile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard path.utf8.count <= 64, let (tile, entries) = Tile.parse(path) else {
            throw APIError.notFound("No such tile: a tile path is tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (c2sp.org/tlog-tiles).")
        }
        let (environment, checkpoint) = try await current(context)
        guard tile.isWithin(treeSize: UInt64(checkpoint.treeSize)) else {
            throw APIError.notFound("The log's signed tree (size \(checkpoint.treeSize)) has no tile \(entries ? tile.entriesPath : tile.path).")
        }
        if entries { return try await bundle(tile, of: environment, request) }
        let hashes = try await log.hashes(environmentID: environment.id, of: tile)
        guard hashes.count == tile.width else {
            throw StoreInvariant("the stored tree of \(environment.id) lacks hashes of \(tile.path) within its signed size")
        }
        let body = hashes.flatMap(\.bytes)
        return Self.immutable(body, etag: "\"" + Hash.sha256(body).prefixedHex.dropFirst(2).prefix(32) + "\"", request)
    }

    /// An entry bundle: the tile's leaves, length-prefixed, gzipped unless the client's
    /// `Accept-Encoding` leaves gzip out. Only commitment leaves are public (``LeafCommitment``):
    /// a bundle holding a leaf written in clear, before commitments, is withheld.
    private func bundle(_ tile: Tile, of environment: EnvironmentRecord, _ request: Request) async throws -> Response {
        let leaves = try await log.leaves(environmentID: environment.id, of: tile)
        guard leaves.count == tile.width else {
            throw StoreInvariant("the stored log of \(environment.id) lacks leaves of \(tile.entriesPath) within its signed size")
        }
        guard leaves.allSatisfy(LeafCommitment.isCommitment) else {
            throw APIError.notFound(
                "Entry bundle \(tile.entriesPath) is withheld: it holds leaves written in clear, before commitments (docs/verification.md)."
            )
        }
        let bundle = try EntryBundle.encode(leaves)
        // Weak: the gzip bytes may differ between zlib builds; the entries never do.
        let etag = "W/\"" + Hash.sha256(bundle).prefixedHex.dropFirst(2).prefix(32) + "\""
        let accepted = Self.tokens(request, .acceptEncoding).map { String($0.split(separator: ";").first ?? "").lowercased() }
        guard accepted.isEmpty || accepted.contains("gzip") || accepted.contains("*"), let gzipped = try? Gzip.compress(bundle) else {
            return Self.immutable(bundle, etag: etag, request, vary: true)
        }
        var response = Self.immutable(gzipped, etag: etag, request, vary: true)
        response.headers[.contentEncoding] = "gzip"
        return response
    }

    /// The comma-separated items of a header's values, trimmed of spaces.
    private static func tokens(_ request: Request, _ name: HTTPField.Name) -> [String] {
        var items: [String] = []
        for value in request.headers[values: name] {
            for item in value.split(separator: ",") {
                let trimmed = item.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
                if !trimmed.isEmpty { items.append(String(trimmed)) }
            }
        }
        return items
    }

    /// An immutable public resource: octet-stream, cached a year, `If-None-Match` answered 304.
    private static func immutable(_ body: [UInt8], etag: String, _ request: Request, vary: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/octet-stream", .cacheControl: "public, max-age=31536000, immutable"]
        headers[.eTag] = etag
        if vary { headers[.vary] = "Accept-Encoding" }
        // If-None-Match compares weakly (RFC 9110 §13.1.2): W/"x" matches "x".
        let opaque = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        let tags: [String] = tokens(request, .ifNoneMatch)
        if tags.contains(where: { tag in tag == "*" || tag == opaque || tag == "W/" + opaque }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    @Sendable func inclusion(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (environment, checkpoint) = try await current(context)
        let query = QueryParameters(request: request)
        let size = try query.integer("treeSize", in: 1...Int(max(1, checkpoint.treeSize))) ?? Int(checkpoint.treeSize)
        guard checkpoint.treeSize > 0 else { throw APIError.notFound("The log is empty.") }
        guard let index = try query.integer("index", in: 0...(size - 1)) else {
            throw APIError.invalid("index", "required", "index is required (0 to treeSize − 1).")
        }
        let read = reader(environment.id)
        let proof = try await Merkle.inclusionProof(index: UInt64(index), size: UInt64(size), read: read)
        let leaf = try await read([Subtree(level: 0, index: UInt64(index))])[0]
        return Envelope.success(
            .ok,
            [
                "index": .int(index), "treeSize": .int(size), "leafHash": .string(leaf.prefixedHex),
                "rootHash": .string(try await Merkle.root(size: UInt64(size), read: read).prefixedHex),
                "proof": .array(proof.map { .string($0.prefixedHex) }),
            ]
        )
    }

    @Sendable func consistency(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (environment, checkpoint) = try await current(context)
        let query = QueryParameters(request: request)
        guard let to = try query.integer("to", in: 1...Int(max(1, checkpoint.treeSize))), checkpoint.treeSize > 0 else {
            throw APIError.invalid("to", "required", "to is required: a tree size from 1 to \(checkpoint.treeSize).")
        }
        guard let from = try query.integer("from", in: 1...to) else {
            throw APIError.invalid("from", "required", "from is required: a tree size from 1 to \(to).")
        }
        let read = reader(environment.id)
        let proof = try await Merkle.consistencyProof(oldSize: UInt64(from), newSize: UInt64(to), read: read)
        return Envelope.success(
            .ok,
            [
                "from": .int(from), "to": .int(to),
                "fromRoot": .string(try await Merkle.root(size: UInt64(from), read: read).prefixedHex),
                "toRoot": .string(try await Merkle.root(size: UInt64(to), read: read).prefixedHex),
                "proof": .array(proof.map { .string($0.prefixedHex) }),
            ]
        )
    }

    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (environment, _) = try await current(context)
        let receiptID = try context.pathParameter("receiptId")
        guard let record = try await deltas.delta(receiptID: receiptID), record.environmentID == environment.id, record.status == .verified else {
            throw APIError.notFound("No verified entry \(receiptID) in this log.")
        }
        return Self.text(try await receipts.proof(for: record).tlogProof.text)
    }

    private func reader(_ environmentID: String) -> SubtreeReader {
        let log = self.log
        return { try await log.hashes(environmentID: environmentID, $0) }
    }

    static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
