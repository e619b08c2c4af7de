import Synchronization

/// A log read the way any client reads it: through its C2SP tlog-tiles (c2sp.org/tlog-tiles)
/// — the checkpoint, hash tiles and entry bundles below one prefix — by a `fetch` the caller
/// gives (HTTP for `pacspace monitor`, anything in tests). Nothing it reads is trusted: every
/// hash and entry is checked by the caller against a signed root (a consistency proof that
/// verifies, a frontier that folds to the root).
///
/// Tiles are read as of one tree size (their partial widths depend on it) and kept for the
/// reader's lifetime, at most ``cacheLimit`` of them.
public final class TiledLog: Sendable {
    /// Reads the path below the prefix (`checkpoint`, `tile/0/x001/234`); nil for a 404.
    public typealias Fetch = @Sendable (String) async throws -> [UInt8]?

    /// Why a read failed: the log does not serve what its own checkpoint says it has.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The most tiles kept (8 KiB each for hashes: 32 MiB).
    public static let cacheLimit = 4096

    private let fetch: Fetch
    private let cache = Mutex<[String: [UInt8]]>([:])

    public init(fetch: @escaping Fetch) {
        self.fetch = fetch
    }

    /// The signed checkpoint note, with whatever cosignature lines it carries.
    public func checkpointNote() async throws -> String {
        guard let bytes = try await fetch("checkpoint") else { throw Failure("the log serves no checkpoint (404)") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Failure("the checkpoint is not UTF-8 text") }
        return text
    }

    /// The tile holding position `index` among the level's hashes, as served for a tree of
    /// `size` leaves: full, or partial at the right edge.
    private func tile(level: Int, index: UInt64, size: UInt64, entries: Bool = false) async throws -> [UInt8] {
        let count = size >> UInt64(8 * level)
        let full = count / UInt64(Tile.fullWidth)
        let width = index < full ? Tile.fullWidth : Int(count % UInt64(Tile.fullWidth))
        guard index <= full, width > 0, let tile = Tile(level: level, index: index, width: width) else {
            throw Failure("no tile \(level)/\(index) in a tree of \(size) leaves")
        }
        let path = entries ? tile.entriesPath : tile.path
        if let kept = cache.withLock({ $0[path] }) { return kept }
        guard let bytes = try await fetch(path) else { throw Failure("\(path) is missing (404) in a tree of \(size) leaves") }
        if !entries, bytes.count != width * 32 {
            throw Failure("\(path) has \(bytes.count) bytes; a tile of \(width) hashes has \(width * 32)")
        }
        cache.withLock {
            if $0.count >= Self.cacheLimit { $0.removeAll() }
            $0[path] = bytes
        }
        return bytes
    }

    /// The hash at `position` among the level's hashes (each the root of a complete subtree
    /// of height 8 × level) in a tree of `size` leaves.
    private func hash(level: Int, position: UInt64, size: UInt64) async throws -> Hash {
        let bytes = try await tile(level: level, index: position / UInt64(Tile.fullWidth), size: size)
        let offset = Int(position % UInt64(Tile.fullWidth)) * 32
        guard offset + 32 <= bytes.count, let hash = Hash(bytes: bytes[offset..<offset + 32]) else {
            throw Failure("tile level \(level) has no hash at \(position)")
        }
        return hash
    }

    /// The hash of a complete subtree of a tree of `size` leaves: read from the tile level
    /// just below its height, and folded up to it (at most 128 hashes, all in one tile).
    public func subtree(_ subtree: Subtree, size: UInt64) async throws -> Hash {
        let level = subtree.level / 8
        let rise = subtree.level - 8 * level
        guard subtree.index <= (UInt64.max >> UInt64(subtree.level)) else { throw Failure("subtree past 2^64 leaves") }
        let first = subtree.index << UInt64(rise)
        var hashes: [Hash] = []
        for position in first..<first + (UInt64(1) << UInt64(rise)) {
            hashes.append(try await hash(level: level, position: position, size: size))
        }
        while hashes.count > 1 {
            hashes = stride(from: 0, to: hashes.count, by: 2).map { Merkle.nodeHash(hashes[$0], hashes[$0 + 1]) }
        }
        guard let hash = hashes.first else { throw Failure("empty subtree") }
        return hash
    }

    /// A ``SubtreeReader`` over the tiles of a tree of `size` leaves: the stored-hash reader
    /// the Merkle proofs need, so a proof is computed from the log's public tiles alone.
    public func reader(size: UInt64) -> SubtreeReader {
        { subtrees in
            var hashes: [Hash] = []
            for subtree in subtrees { hashes.append(try await self.subtree(subtree, size: size)) }
            return hashes
        }
    }

    /// The leaf hashes of `range` (level-0 tiles of a tree of `size` leaves).
    public func leafHashes(_ range: Range<UInt64>, size: UInt64) async throws -> [Hash] {
        var hashes: [Hash] = []
        for index in range { hashes.append(try await hash(level: 0, position: index, size: size)) }
        return hashes
    }

    /// The entries of `range` (entry bundles of a tree of `size` leaves), each checked
    /// against its hash in the level-0 tile.
    public func entries(_ range: Range<UInt64>, size: UInt64) async throws -> [[UInt8]] {
        var entries: [[UInt8]] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let tileIndex = index / UInt64(Tile.fullWidth)
            let bundle = try await tile(level: 0, index: tileIndex, size: size, entries: true)
            guard let leaves = EntryBundle.decode(bundle) else { throw Failure("entry bundle \(tileIndex) is not length-prefixed entries") }
            let start = tileIndex * UInt64(Tile.fullWidth)
            let end = min(range.upperBound, start + UInt64(Tile.fullWidth))
            guard UInt64(leaves.count) >= end - start else { throw Failure("entry bundle \(tileIndex) has \(leaves.count) entries") }
            for position in index..<end {
                let leaf = leaves[Int(position - start)]
                guard Merkle.leafHash(leaf) == (try await hash(level: 0, position: position, size: size)) else {
                    throw Failure("entry \(position) does not hash to its level-0 tile's hash")
                }
                entries.append(leaf)
            }
            index = end
        }
        return entries
    }
}
