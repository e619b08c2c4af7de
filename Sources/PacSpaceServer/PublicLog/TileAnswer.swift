import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The C2SP tlog-tiles answers of a stored log (docs/verification.md, "Following a log"):
/// for any tile its signed checkpoint's tree has, the tile's hashes (one range read of the
/// stored tree) or its entry bundle (one range read of the stored leaves). Immutable: cached
/// a year, with an ETag. An environment's log and the server log answer alike.
enum TileAnswer {
    /// The answer for the catch-all path after `<prefix>/tile/`. `isPublic` says whether a
    /// leaf may be served in a bundle; a bundle holding one that may not is withheld (404).
    static func answer(
        _ request: Request,
        _ context: AppRequestContext,
        checkpoint: SignedCheckpoint,
        hashes: (Tile) async throws -> [Hash],
        leaves: (Tile) async throws -> [[UInt8]],
        isPublic: ([UInt8]) -> Bool = LeafCommitment.isCommitment
    ) async throws -> Response {
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard path.utf8.count <= 64, let (tile, entries) = Tile.parse(path) else {
            throw APIError.notFound("No such tile: a tile path is tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (c2sp.org/tlog-tiles).")
        }
        guard tile.isWithin(treeSize: UInt64(checkpoint.treeSize)) else {
            throw APIError.notFound("The log's signed tree (size \(checkpoint.treeSize)) has no tile \(entries ? tile.entriesPath : tile.path).")
        }
        if entries { return try bundle(tile, of: checkpoint, leaves: try await leaves(tile), isPublic: isPublic, request) }
        let stored = try await hashes(tile)
        guard stored.count == tile.width else {
            throw StoreInvariant("the stored tree of \(checkpoint.environmentID) lacks hashes of \(tile.path) within its signed size")
        }
        let body = stored.flatMap(\.bytes)
        return immutable(body, etag: "\"" + Hash.sha256(body).prefixedHex.dropFirst(2).prefix(32) + "\"", request)
    }

    /// An entry bundle: the tile's leaves, length-prefixed, gzipped unless the client's
    /// `Accept-Encoding` leaves gzip out.
    private static func bundle(
        _ tile: Tile,
        of checkpoint: SignedCheckpoint,
        leaves: [[UInt8]],
        isPublic: ([UInt8]) -> Bool,
        _ request: Request
    ) throws -> Response {
        guard leaves.count == tile.width else {
            throw StoreInvariant("the stored log of \(checkpoint.environmentID) lacks leaves of \(tile.entriesPath) within its signed size")
        }
        guard leaves.allSatisfy(isPublic) else {
            throw APIError.notFound(
                "Entry bundle \(tile.entriesPath) is withheld: it holds leaves written in clear, before commitments (docs/verification.md)."
            )
        }
        let bundle = try EntryBundle.encode(leaves)
        // Weak: the gzip bytes may differ between zlib builds; the entries never do.
        let etag = "W/\"" + Hash.sha256(bundle).prefixedHex.dropFirst(2).prefix(32) + "\""
        let accepted = tokens(request, .acceptEncoding).map { String($0.split(separator: ";").first ?? "").lowercased() }
        guard accepted.isEmpty || accepted.contains("gzip") || accepted.contains("*"), let gzipped = try? Gzip.compress(bundle) else {
            return immutable(bundle, etag: etag, request, vary: true)
        }
        var response = immutable(gzipped, etag: etag, request, vary: true)
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
        if tokens(request, .ifNoneMatch).contains(where: { tag in tag == "*" || tag == opaque || tag == "W/" + opaque }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
