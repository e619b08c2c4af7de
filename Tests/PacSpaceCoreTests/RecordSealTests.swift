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

    @Test func theSealAndWordAreTheSDKs() throws {
        let seal = RecordSeal(
            layoutID: 1,
            layoutVersion: 1,
            layoutDigest: try #require(Hash(prefixedHex: "0x" + String(repeating: "ab", count: 32))),
            lifecycleValue: 2,
            attempt: true,
            seq: 5
        )
        let recordHash = try #require(Hash(prefixedHex: "0x" + String(repeating: "cd", count: 32)))
        let opening = try #require(Hash(prefixedHex: "0x" + String(repeating: "ef", count: 32)))
        #expect(
            seal.seal(recordHash: recordHash, opening: opening).prefixedHex
                == "0x569eb8ba08d95642a249ddc6c8a0bca59eb70c9ef6bcd5a87718a4e3223a728a"
        )
        #expect(
            seal.word(recordHash: recordHash, opening: opening).prefixedHex
                == "0x000101020100000500000000c8a0bca59eb70c9ef6bcd5a87718a4e3223a728a"
        )
    }
}
