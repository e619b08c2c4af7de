import Crypto

/// SHA-256 of the RFC 8785 text of a JSON object whose one array member arrives an item at
/// a time, without the object ever held whole: a history bundle's `bundleDigest` over a page
/// whose receipts are streamed (docs/records.md). Equal to
/// `Hash.sha256(JSONWriter.canonical(object))` of the same object built whole.
public struct CanonicalDigest {
    /// A member given to ``finish(adding:)`` sorts before the streamed one: its place in the
    /// canonical text has been hashed already.
    public struct LateMember: Error, Equatable, Sendable {
        public let name: String
    }

    private var hasher = SHA256()
    private let streamed: String
    private var following: [(String, JSONValue)]
    private var items = 0

    /// Hashes the members that sort before `streamed` (an array, whose items follow with
    /// ``append(_:)``); the others are hashed by ``finish(adding:)``.
    public init(members: [(String, JSONValue)], streaming streamed: String) throws(JCSError) {
        self.streamed = streamed
        let sorted = members.sorted { Self.precedes($0.0, $1.0) }
        var text: [UInt8] = [UInt8(ascii: "{")]
        for (name, value) in sorted where Self.precedes(name, streamed) {
            text += try Self.member(name, value)
            text.append(UInt8(ascii: ","))
        }
        JSONWriter.appendString(streamed, to: &text)
        text += Array(":[".utf8)
        hasher.update(data: text)
        following = sorted.filter { Self.precedes(streamed, $0.0) }
    }

    /// Hashes the streamed array's next item.
    public mutating func append(_ item: JSONValue) throws(JCSError) {
        var text: [UInt8] = items == 0 ? [] : [UInt8(ascii: ",")]
        text += try JSONWriter.canonical(item)
        hasher.update(data: text)
        items += 1
    }

    /// The digest, with `late` members known only now (each must sort after the streamed one).
    public consuming func finish(adding late: [(String, JSONValue)] = []) throws -> Hash {
        if let early = late.first(where: { !Self.precedes(streamed, $0.0) }) { throw LateMember(name: early.0) }
        var text: [UInt8] = [UInt8(ascii: "]")]
        for (name, value) in (following + late).sorted(by: { Self.precedes($0.0, $1.0) }) {
            text.append(UInt8(ascii: ","))
            text += try Self.member(name, value)
        }
        text.append(UInt8(ascii: "}"))
        hasher.update(data: text)
        return Hash(digest: hasher.finalize())
    }

    /// One member's canonical text, `"name":value`.
    private static func member(_ name: String, _ value: JSONValue) throws(JCSError) -> [UInt8] {
        var text: [UInt8] = []
        JSONWriter.appendString(name, to: &text)
        text.append(UInt8(ascii: ":"))
        return text + (try JSONWriter.canonical(value))
    }

    /// RFC 8785's member order: by UTF-16 code units.
    private static func precedes(_ a: String, _ b: String) -> Bool { a.utf16.lexicographicallyPrecedes(b.utf16) }
}
