/// An entry's seal and state word, as the SDK's disclosure check reproduces them
/// (`record_seal.py`; docs/records.md, "Shared Record links").
///
/// `seal = keccak256("pacspace:slot-commit:v1" ‖ 0x00 ‖ u16(layoutId) ‖ u8(layoutVersion) ‖
/// layoutDigest ‖ u96(state) ‖ recordHash ‖ recordOpening)`, and a word is the 96-bit state
/// above the seal's low 160 bits. In this server the log leaf is what the record is
/// committed by; the word is the same commitment in the form a disclosure is checked
/// against, drawn from what the leaf commits to and the entry's random opening.
public struct RecordSeal: Sendable {
    public let layoutID: Int
    public let layoutVersion: Int
    public let layoutDigest: Hash
    /// The 96-bit state: layoutId (16) ‖ layoutVersion (8) ‖ lifecycle (8) ‖ flags (8) ‖
    /// seq (24) ‖ reserved (32), most significant first.
    public let state: (high: UInt32, low: UInt64)

    /// The flag bit of an attempt (`transition_not_applied`).
    public static let attemptFlag: UInt8 = 1

    /// The seal of an entry of `layout`: its lifecycle word's number, an attempt's flag, and
    /// its seq (24 bits: a layout numbers at most 2^24 entries).
    public init(layout: RecordLayout, lifecycle: String, attempt: Bool, seq: Int64) {
        self.init(
            layoutID: layout.layoutID,
            layoutVersion: layout.layoutVersion,
            layoutDigest: layout.digest,
            lifecycleValue: layout.lifecycleValues[lifecycle] ?? 0,
            attempt: attempt,
            seq: seq
        )
    }

    public init(layoutID: Int, layoutVersion: Int, layoutDigest: Hash, lifecycleValue: Int, attempt: Bool, seq: Int64) {
        self.layoutID = layoutID
        self.layoutVersion = layoutVersion
        self.layoutDigest = layoutDigest
        let flags = UInt64(attempt ? Self.attemptFlag : 0)
        let counter = UInt64(truncatingIfNeeded: seq) & 0xFF_FFFF
        // Bits 95…64 hold layoutId ‖ layoutVersion ‖ lifecycle; 63…0 hold flags ‖ seq ‖ reserved.
        state = (
            high: UInt32(UInt16(clamping: layoutID)) << 16 | UInt32(UInt8(clamping: layoutVersion)) << 8
                | UInt32(UInt8(clamping: lifecycleValue)),
            low: flags << 56 | counter << 32
        )
    }

    /// The seal over a `recordHash` of `version` (through its ``RecordHashVersion/sealInput(_:)``)
    /// with the entry's `opening`.
    public func seal(recordHash: Hash, version: RecordHashVersion, opening: Hash) -> Hash {
        var input = Array("pacspace:slot-commit:v1".utf8) + [0]
        input += [UInt8(truncatingIfNeeded: layoutID >> 8), UInt8(truncatingIfNeeded: layoutID), UInt8(truncatingIfNeeded: layoutVersion)]
        input += layoutDigest.bytes + stateBytes + version.sealInput(recordHash).bytes + opening.bytes
        return Hash(composed: Keccak256.hash(input))
    }

    /// The word: the state's 12 bytes, then the seal's low 20.
    public func word(recordHash: Hash, version: RecordHashVersion, opening: Hash) -> Hash {
        Hash(composed: stateBytes + seal(recordHash: recordHash, version: version, opening: opening).bytes.suffix(20))
    }

    private var stateBytes: [UInt8] {
        (0..<4).reversed().map { UInt8(truncatingIfNeeded: state.high >> (8 * UInt32($0))) }
            + (0..<8).reversed().map { UInt8(truncatingIfNeeded: state.low >> (8 * UInt64($0))) }
    }
}

extension RecordLayout {
    /// This server's digest of the layout: SHA-256 over `pacspace:layout-digest:v1`, 0x00 and
    /// the JCS of its rules (id, version, name, record type, lifecycle numbers, genesis,
    /// transitions, content schema). A disclosure names it; a changed rule changes it.
    /// Computed once per published layout: every seal and v3 receipt names it, and a
    /// 10,000-entry seal history otherwise canonicalised the rules 10,000 times.
    public var digest: Hash { Self.digests["\(layoutID)/\(layoutVersion)"] ?? computedDigest }

    private static let digests: [String: Hash] = Dictionary(
        published.map { ("\($0.layoutID)/\($0.layoutVersion)", $0.computedDigest) },
        uniquingKeysWith: { first, _ in first }
    )

    private var computedDigest: Hash {
        let rules: JSONValue = [
            "layoutId": .int(Int64(layoutID)), "layoutVersion": .int(Int64(layoutVersion)), "name": .string(name),
            "recordType": .string(recordType),
            "lifecycle": .object(lifecycleValues.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }),
            "genesis": .array(genesis.map(JSONValue.string)),
            "transitions": .object(transitions.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(JSONValue.string))) }),
            "contentSchema": .string(contentSchema),
        ]
        return Hash.sha256(Array("pacspace:layout-digest:v1".utf8) + [0] + ((try? JSONWriter.canonical(rules)) ?? []))
    }
}
