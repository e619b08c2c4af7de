import PacSpaceCore
import Testing

/// Keccak-256 and the record seal against the official SDK's pure-Python implementation
/// (`pacspace_sdk.keccak`, `record_seal.compute_seal_v1`; answers computed with 0.7.0).
@Suite struct RecordSealTests {
    @Test func keccakMatchesTheKnownAnswers() {
        #expect(Hex.encode(Keccak256.hash([])) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(Hex.encode(Keccak256.hash(Array("abc".utf8))) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        // 512 bytes: several blocks of the 136-byte rate, and a final partial one.
        let long = (0..<2).flatMap { _ in (0...255).map { UInt8($0) } }
        #expect(Hex.encode(Keccak256.hash(long)) == "f55ba327291604f0e5be6651752398b7be2331aad65f5763ce067df95cc13be1")
    }

    /// The known answers' inputs: layout 1 v1, digest ab…, lifecycle 2, an attempt, seq 5;
    /// record hash cd…, opening ef….
    static let seal = RecordSeal(
        layoutID: 1,
        layoutVersion: 1,
        layoutDigest: Hash(bytes: [UInt8](repeating: 0xab, count: 32)) ?? Hash.sha256([]),
        lifecycleValue: 2,
        attempt: true,
        seq: 5
    )
    static let recordHash = Hash(bytes: [UInt8](repeating: 0xcd, count: 32)) ?? Hash.sha256([])
    static let opening = Hash(bytes: [UInt8](repeating: 0xef, count: 32)) ?? Hash.sha256([])

    /// The seal and word under `version`, as hex.
    static func sealed(_ version: RecordHashVersion) -> (seal: String, word: String) {
        (
            seal.seal(recordHash: recordHash, version: version, opening: opening).prefixedHex,
            seal.word(recordHash: recordHash, version: version, opening: opening).prefixedHex
        )
    }

    @Test func theSealAndWordAreTheSDKs() {
        let (seal, word) = Self.sealed(.v2)
        #expect(seal == "0x569eb8ba08d95642a249ddc6c8a0bca59eb70c9ef6bcd5a87718a4e3223a728a")
        #expect(word == "0x000101020100000500000000c8a0bca59eb70c9ef6bcd5a87718a4e3223a728a")
    }

    /// Record hash version 3 seals over a wrapped hash (`seal_input_hash(3, …)`), so the same
    /// bytes sealed as version 2 and 3 give different words.
    @Test func aVersion3SealIsOverTheWrappedHash() {
        #expect(RecordHashVersion.v2.sealInput(Self.recordHash) == Self.recordHash)
        #expect(
            RecordHashVersion.v3.sealInput(Self.recordHash).prefixedHex
                == "0x15c40cf8d4cc493977d53e929a3e8daf6148210bc4d975cb2db44b327d913506"
        )
        let (seal, word) = Self.sealed(.v3)
        #expect(seal == "0xaf1f9f6a24054da2a9398fc154ceb3a9186b5cb852a70c597d3fdb2e3b575482")
        #expect(word == "0x00010102010000050000000054ceb3a9186b5cb852a70c597d3fdb2e3b575482")
    }
}
