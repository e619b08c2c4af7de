import Crypto

/// An entry's record hash, version 2 (docs/records.md, "Record hash"): every top-level
/// member of the content, and every element of a non-empty top-level list, is a *leaf*
/// `[pointer, value]`; each leaf is hashed with its own salt, and the record hash is
/// SHA-256 over the sorted leaf hashes. A receipt can then show some fields and withhold
/// others, and the hash says nothing about a withheld one.
///
/// Salts come from one random 32-byte salt key per entry: `HMAC-SHA256(saltKey,
/// "pacspace:record-leaf-salt:v2" ‖ 0x00 ‖ pointer)`. Byte for byte what the official
/// SDK computes (`commit_record_content_v2`); the known-answer test pins it.
public enum RecordHash {
    /// The most leaves one entry may have (the count is written in two bytes).
    public static let maxLeaves = 65_535

    /// One field of an entry as it is committed: where it is, its value and its salt.
    public struct Leaf: Sendable, Equatable {
        /// A JSON pointer of one or two segments: `/title`, `/payloads/0`.
        public let pointer: String
        public let value: JSONValue
        public let salt: Hash

        public init(pointer: String, value: JSONValue, salt: Hash) {
            self.pointer = pointer
            self.value = value
            self.salt = salt
        }

        /// SHA-256("pacspace:record-leaf:v2" ‖ 0x00 ‖ salt ‖ JCS([pointer, value])).
        public func hash() throws(JCSError) -> Hash {
            let message = try JSONWriter.canonical(.array([.string(pointer), value]))
            return Hash.sha256(Array("pacspace:record-leaf:v2".utf8) + [0] + salt.bytes + message)
        }
    }

    /// Why content has no record hash.
    public enum Failure: Error, Equatable, Sendable {
        case notAnObject
        case tooManyLeaves
        /// A number JCS cannot write (outside the IEEE 754 range).
        case number(String)
    }

    /// The leaves of `content` with their salts, sorted by pointer (UTF-16 order).
    public static func leaves(of content: JSONValue, saltKey: Hash) throws(Failure) -> [Leaf] {
        // The HMAC state of the key and the salts' common prefix, made once and copied for each
        // leaf: keying it anew per leaf was a third of the salts' cost (perf of record appends, issue 28).
        var keyed = HMAC<SHA256>(key: SymmetricKey(data: saltKey.bytes))
        keyed.update(data: Array("pacspace:record-leaf-salt:v2".utf8) + [0])
        var leaves: [Leaf] = []
        try forEachLeaf(of: content) { pointer, value in leaves.append(Leaf(pointer: pointer, value: value, salt: salt(keyed, pointer))) }
        return leaves.sorted { $0.pointer.utf16.lexicographicallyPrecedes($1.pointer.utf16) }
    }

    /// How many leaves `content` has: ``leaves(of:saltKey:)`` without the salts.
    public static func leafCount(of content: JSONValue) throws(Failure) -> Int {
        var count = 0
        try forEachLeaf(of: content) { _, _ in count += 1 }
        return count
    }

    /// Calls `body` with each leaf's pointer and value, in the content's order.
    private static func forEachLeaf(of content: JSONValue, _ body: (String, JSONValue) -> Void) throws(Failure) {
        guard case .object(let members) = content else { throw .notAnObject }
        var count = 0
        for (key, value) in members {
            let base = "/" + key.replacing("~", with: "~0").replacing("/", with: "~1")
            if case .array(let items) = value, !items.isEmpty {
                guard count + items.count <= maxLeaves else { throw .tooManyLeaves }
                for (index, item) in items.enumerated() { body("\(base)/\(index)", item) }
                count += items.count
            } else {
                body(base, value)
                count += 1
            }
            guard count <= maxLeaves else { throw .tooManyLeaves }
        }
    }

    /// The salt of the leaf at `pointer`, from the HMAC state of the salt key and prefix.
    private static func salt(_ keyed: HMAC<SHA256>, _ pointer: String) -> Hash {
        var mac = keyed
        mac.update(data: Array(pointer.utf8))
        return Hash(mac: mac.finalize())
    }

    /// The record hash of `leaves` (any order): SHA-256("pacspace:record:v2" ‖ 0x00 ‖
    /// u16be(count) ‖ the leaf hashes, ascending).
    public static func recordHash(of leaves: [Leaf]) throws(Failure) -> Hash {
        guard leaves.count <= maxLeaves else { throw .tooManyLeaves }
        var hashes: [Hash] = []
        hashes.reserveCapacity(leaves.count)
        for leaf in leaves {
            do { hashes.append(try leaf.hash()) } catch { throw .number(error.number) }
        }
        hashes.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        var body = Array("pacspace:record:v2".utf8) + [0, UInt8(leaves.count >> 8), UInt8(leaves.count & 0xff)]
        for hash in hashes { body += hash.bytes }
        return Hash.sha256(body)
    }

    /// The record hash of `content` under `saltKey`, with its leaves.
    public static func commit(_ content: JSONValue, saltKey: Hash) throws(Failure) -> (recordHash: Hash, leaves: [Leaf]) {
        let leaves = try leaves(of: content, saltKey: saltKey)
        return (try recordHash(of: leaves), leaves)
    }
}
