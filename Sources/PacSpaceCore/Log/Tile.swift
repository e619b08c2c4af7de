/// A tile of a log's Merkle tree, as C2SP tlog-tiles names it (c2sp.org/tlog-tiles,
/// "Merkle Tree"): the `width` hashes from position `index × 256` of the tree's complete
/// subtrees of height `8 × level`. A full tile is 256 hashes (8,192 bytes); a partial one
/// 1 to 255, the right edge of a tree whose size is not a multiple of its span.
public struct Tile: Sendable, Equatable {
    /// Hashes in a full tile.
    public static let fullWidth = 256
    /// The deepest level a path may name (the spec: 0 to 63).
    public static let maxLevel = 63

    public let level: Int
    public let index: UInt64
    /// 1…256; 256 is a full tile.
    public let width: Int

    public init?(level: Int, index: UInt64, width: Int = Tile.fullWidth) {
        guard (0...Self.maxLevel).contains(level), (1...Self.fullWidth).contains(width) else { return nil }
        self.level = level
        self.index = index
        self.width = width
    }

    public var isPartial: Bool { width < Self.fullWidth }

    /// The height of the subtrees whose hashes the tile holds (each covers 2^height leaves).
    public var subtreeHeight: Int { 8 * level }

    /// The position, among the subtrees of ``subtreeHeight``, of the tile's first hash.
    public var firstSubtree: UInt64? {
        let (first, overflow) = index.multipliedReportingOverflow(by: UInt64(Self.fullWidth))
        return overflow ? nil : first
    }

    /// Whether a tree of `size` leaves has every hash of the tile: the tile's last subtree
    /// ends at or before the tree's end. Past it (or past 2^64 leaves), the tile does not exist.
    public func isWithin(treeSize size: UInt64) -> Bool {
        guard level < 8, let first = firstSubtree else { return false }
        let (end, overflow) = (first + UInt64(width)).multipliedReportingOverflow(by: UInt64(1) << UInt64(subtreeHeight))
        return !overflow && end <= size
    }

    /// The width of the rightmost tile of `level` in a tree of `size` leaves: 0 when that
    /// level's tiles are all full (an empty tile is never served).
    public static func partialWidth(level: Int, treeSize size: UInt64) -> Int {
        guard level < 8 else { return 0 }
        return Int((size >> UInt64(8 * level)) % UInt64(fullWidth))
    }

    /// The tile's path below a log's prefix: `tile/<L>/<N>[.p/<W>]`, `<N>` in 3-digit
    /// groups, every group but the last prefixed with `x` (index 1234067: `x001/x234/067`).
    public var path: String { "tile/\(level)/" + Self.encode(index) + (isPartial ? ".p/\(width)" : "") }

    /// `tile/entries/<N>[.p/<W>]`: the entry bundle beside a level-0 tile.
    public var entriesPath: String { "tile/entries/" + Self.encode(index) + (isPartial ? ".p/\(width)" : "") }

    static func encode(_ index: UInt64) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            let group = String(rest % 1000)
            groups.insert(String(repeating: "0", count: 3 - group.count) + group, at: 0)
            rest /= 1000
        } while rest > 0
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    /// What a path below `tile/` names: a hash tile (`<L>/<N>[.p/<W>]`) or an entry bundle
    /// (`entries/<N>[.p/<W>]`); nil for anything the spec does not allow (a leading zero, a
    /// group not of three digits, an `x` missing or misplaced, a width of 0 or past 255, an
    /// index past 2^64 − 1).
    public static func parse(_ path: String) -> (tile: Tile, entries: Bool)? {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 2 else { return nil }
        let head = segments.removeFirst()
        let entries = head == "entries"
        guard let level = entries ? 0 : decimal(head, max: maxLevel) else { return nil }
        var width = fullWidth
        if segments.count >= 2, segments[segments.count - 2].hasSuffix(".p") {
            guard let partial = decimal(segments.removeLast(), max: fullWidth - 1), partial >= 1 else { return nil }
            width = partial
            segments[segments.count - 1].removeLast(2)
        }
        guard !segments.isEmpty, segments.count <= 7 else { return nil }
        var index: UInt64 = 0
        for (position, segment) in segments.enumerated() {
            var digits = Substring(segment)
            if position < segments.count - 1 {
                guard digits.first == "x" else { return nil }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let group = UInt64(digits) else { return nil }
            let (shifted, overflow) = index.multipliedReportingOverflow(by: 1000)
            let (sum, carry) = shifted.addingReportingOverflow(group)
            guard !overflow, !carry else { return nil }
            index = sum
        }
        // One spelling per index: no leading group of 000 (x000/001 is 001).
        guard segments.count == 1 || !segments[0].hasPrefix("x000") else { return nil }
        guard let tile = Tile(level: level, index: index, width: width) else { return nil }
        return (tile, entries)
    }

    /// A decimal ASCII integer in 0…`max` with no leading zero.
    private static func decimal(_ text: String, max: Int) -> Int? {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy({ $0 >= "0" && $0 <= "9" }), text == "0" || text.first != "0",
            let value = Int(text), value <= max
        else { return nil }
        return value
    }
}
