import PacSpaceCore
import Testing

/// C2SP tlog-tiles paths and widths, with the spec's own examples (c2sp.org/tlog-tiles,
/// "Merkle Tree" and "Partial Tiles").
@Suite struct TileTests {
    @Test func pathsAreTheSpecs() {
        #expect(Tile(level: 0, index: 1_234_067)?.path == "tile/0/x001/x234/067", "the spec's example index")
        #expect(Tile(level: 0, index: 0)?.path == "tile/0/000")
        #expect(Tile(level: 2, index: 5, width: 17)?.path == "tile/2/005.p/17")
        #expect(Tile(level: 0, index: 1000, width: 3)?.entriesPath == "tile/entries/x001/000.p/3")
        #expect(Tile(level: 64, index: 0) == nil && Tile(level: 0, index: 0, width: 0) == nil && Tile(level: 0, index: 0, width: 257) == nil)
    }

    @Test func parsingTakesOnlyTheOneSpelling() {
        let tiles = [Tile(level: 0, index: 1_234_067), Tile(level: 3, index: 0, width: 255), Tile(level: 63, index: UInt64.max, width: 1)]
        for tile in tiles.compactMap({ $0 }) {
            #expect(Tile.parse(String(tile.path.dropFirst("tile/".count)))?.tile == tile, "\(tile.path)")
            #expect(Tile.parse(String(tile.path.dropFirst("tile/".count)))?.entries == false)
        }
        #expect(tiles.count == 3 && tiles.allSatisfy { $0 != nil })
        let bundle = Tile.parse("entries/x001/234.p/9")
        #expect(bundle?.entries == true && bundle?.tile.level == 0 && bundle?.tile.index == 1234 && bundle?.tile.width == 9)
        for bad in [
            "0/1", "0/01", "0/0001", "0/x001", "0/001/002", "0/x000/001", "00/000", "01/000", "64/000", "0/000.p/0", "0/000.p/256",
            "0/000.p/01", "0/000.p/", "0/000.p", "0/000/", "0/", "0", "", "0/x019/x000/x000/x000/x000/x000/000", "0/abc", "-1/000",
            "0/000.p/5/6",
        ] {
            #expect(Tile.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func partialWidthsAreTheSpecsExamples() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
        // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
        // 17, and one partial level 2 tile of width 1."
        #expect(Tile.partialWidth(level: 0, treeSize: 70_000) == 112)
        #expect(Tile.partialWidth(level: 1, treeSize: 70_000) == 17)
        #expect(Tile.partialWidth(level: 2, treeSize: 70_000) == 1)
        #expect(Tile.partialWidth(level: 3, treeSize: 70_000) == 0)
        #expect(Tile(level: 0, index: 272)?.isWithin(treeSize: 70_000) == true)
        #expect(Tile(level: 0, index: 273)?.isWithin(treeSize: 70_000) == false)
        #expect(Tile(level: 0, index: 273, width: 112)?.isWithin(treeSize: 70_000) == true)
        #expect(Tile(level: 0, index: 273, width: 113)?.isWithin(treeSize: 70_000) == false)
        #expect(Tile(level: 1, index: 0)?.isWithin(treeSize: 70_000) == true)
        #expect(Tile(level: 1, index: 1, width: 17)?.isWithin(treeSize: 70_000) == true)
        #expect(Tile(level: 1, index: 1, width: 18)?.isWithin(treeSize: 70_000) == false)
        #expect(Tile(level: 2, index: 0, width: 1)?.isWithin(treeSize: 70_000) == true)
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level
        // 1 tile of width 1."
        #expect(Tile.partialWidth(level: 0, treeSize: 256) == 0 && Tile.partialWidth(level: 1, treeSize: 256) == 1)
        #expect(Tile(level: 1, index: 0, width: 1)?.isWithin(treeSize: 256) == true)
        #expect(Tile(level: 8, index: 0, width: 1)?.isWithin(treeSize: UInt64.max) == false, "a level-8 hash spans 2^64 leaves")
        #expect(Tile(level: 0, index: UInt64.max)?.isWithin(treeSize: UInt64.max) == false, "no overflow")
    }
}
