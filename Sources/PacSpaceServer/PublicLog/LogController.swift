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
    /// `/api/v1/log/<contractId>`.
    @Sendable func tile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (environment, checkpoint) = try await current(context)
        return try await TileAnswer.answer(
            request,
            context,
            checkpoint: checkpoint,
            hashes: { try await log.hashes(environmentID: environment.id, of: $0) },
            leaves: { try await log.leaves(environmentID: environment.id, of: $0) }
        )
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
