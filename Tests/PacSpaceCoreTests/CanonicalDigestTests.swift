import Testing

@testable import PacSpaceCore

@Suite struct CanonicalDigestTests {
    /// The streamed digest is the digest of the object built whole, whatever sorts around the
    /// streamed member (names sorted by UTF-16 code units: "é" after "z", "𝄞" before "￿").
    @Test func aStreamedObjectHashesAsTheWholeOne() throws {
        let names = ["a", "bundle", "receipts", "receiptsZ", "recordKey", "refused", "z", "é", "𝄞", "\u{FFFF}", "Receipts", ""]
        let values: [JSONValue] = [.null, .bool(true), .number("1e3"), .number("-0.5"), .string("q\"\n\u{1}é"), ["k": "v", "a": [1, 2]], []]
        var seed: UInt64 = 7
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for round in 0..<200 {
            let streamed = names[next(names.count)]
            let others = names.filter { $0 != streamed && next(2) == 0 }
            let members = others.map { ($0, values[next(values.count)]) }
            let items = (0..<next(5)).map { _ in values[next(values.count)] }
            // Members sorting after the streamed one may come late.
            let late = members.filter { $0.0.utf16.lexicographicallyPrecedes(streamed.utf16) == false && next(2) == 0 }
            let early = members.filter { member in !late.contains { $0.0 == member.0 } }
            var digest = try CanonicalDigest(members: early, streaming: streamed)
            for item in items { try digest.append(item) }
            let whole = JSONValue.object(members + [(streamed, .array(items))])
            #expect(try digest.finish(adding: late) == Hash.sha256(try JSONWriter.canonical(whole)), "round \(round)")
        }
    }

    /// A member that sorts before the streamed one cannot come late: its bytes are hashed.
    @Test func aMemberSortingBeforeTheStreamedOneIsRefusedLate() throws {
        let digest = try CanonicalDigest(members: [("z", 1)], streaming: "receipts")
        #expect(throws: CanonicalDigest.LateMember(name: "entries")) { try digest.finish(adding: [("entries", [])]) }
    }
}
