import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The server log (docs/witnesses.md), public and read-only like an environment's log: what
/// it is (`GET /api/v1/server-log`), and its C2SP tlog-tiles under that prefix — the signed
/// checkpoint, tiles and entry bundles, whose leaves are the environments' signed checkpoints
/// (public already, so every bundle is served). No authentication.
struct ServerLogController: Sendable {
    let store: ServerLogStore
    let publicURL: String
    let interval: Duration

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("api/v1/server-log")
        group.get(use: describe)
        group.get("checkpoint", use: checkpoint)
        group.get("tile/**", use: tile)
    }

    /// The server log's identity and latest checkpoint; 404 until its first round made it.
    private func current() async throws -> (ServerLogStore.Identity, SignedCheckpoint) {
        guard let identity = try await store.identity(), let checkpoint = try await store.latestCheckpoint() else {
            throw APIError.notFound("The server log is not made yet: it is, within one publication interval of the server's start.")
        }
        return (identity, checkpoint)
    }

    /// `{origin, publicKey, tilesPrefix, treeSize, publishIntervalMillis}`: what a witness or a
    /// monitor needs to follow the log.
    @Sendable func describe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (identity, checkpoint) = try await current()
        return Envelope.success(
            .ok,
            [
                "origin": .string(identity.origin), "publicKey": .string(identity.publicKey),
                "tilesPrefix": .string(publicURL + "/api/v1/server-log"), "treeSize": .int(checkpoint.treeSize),
                "publishIntervalMillis": .int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000),
            ]
        )
    }

    /// `<prefix>/checkpoint`: mutable, cached for a few seconds at most. It carries the
    /// witnesses' cosignatures the server has of it (each verified before it was kept), after
    /// the log's own signature.
    @Sendable func checkpoint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, checkpoint) = try await current()
        let cosignatures = try await store.cosignatureLines(treeSize: checkpoint.treeSize)
        var response = LogController.text(checkpoint.note + cosignatures.joined())
        response.headers[.cacheControl] = "public, max-age=2"
        return response
    }

    /// `<prefix>/tile/<L>/<N>[.p/<W>]` and `<prefix>/tile/entries/<N>[.p/<W>]`.
    @Sendable func tile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, checkpoint) = try await current()
        return try await TileAnswer.answer(
            request,
            context,
            checkpoint: checkpoint,
            hashes: { try await store.hashes(of: $0) },
            leaves: { try await store.leaves(of: $0) },
            isPublic: { _ in true }
        )
    }
}
