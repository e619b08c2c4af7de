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

    /// `<prefix>/tile/<L>/<N>[.p/<W>]` of C2SP tlog-tiles (docs/verification.md, "Following a
    /// log"), with `<prefix>` = `/api/v1/log/<contractId>`: the tile's hashes, read in one
    /// range of the stored tree, for any tile a signed checkpoint's tree has. Immutable: cached
    /// a year, with an ETag. Entry bundles (`tile/entries/…`) are withheld: today's leaves
    /// carry a tenant's customer ids and amounts in clear (issue 27, "nothing of a tenant's
    /// business is public").
    @Sendable func tile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard path.utf8.count <= 64, let (tile, entries) = Tile.parse(path) else {
            throw APIError.notFound("No such tile: a tile path is tile/<L>/<N>[.p/<W>] (c2sp.org/tlog-tiles).")
        }
        guard !entries else {
            throw APIError.notFound("Entry bundles are not published: this log's leaves carry its tenant's data (docs/verification.md).")
        }
        let (environment, checkpoint) = try await current(context)
        guard tile.isWithin(treeSize: UInt64(checkpoint.treeSize)) else {
            throw APIError.notFound("The log's signed tree (size \(checkpoint.treeSize)) has no tile \(tile.path).")
        }
        let hashes = try await log.hashes(environmentID: environment.id, of: tile)
        guard hashes.count == tile.width else {
            throw StoreInvariant("the stored tree of \(environment.id) lacks hashes of \(tile.path) within its signed size")
        }
        let body = hashes.flatMap(\.bytes)
        let etag = "\"" + Hash.sha256(body).prefixedHex.dropFirst(2).prefix(32) + "\""
        var headers: HTTPFields = [.contentType: "application/octet-stream", .cacheControl: "public, max-age=31536000, immutable"]
        headers[.eTag] = etag
        if request.headers[values: .ifNoneMatch].contains(where: { $0 == etag || $0 == "*" }) {
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
