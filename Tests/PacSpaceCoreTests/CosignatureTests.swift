import Crypto
import Foundation
import PacSpaceCore
import Testing

/// Witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) and trust policies
/// (c2sp.org/tlog-policy).
@Suite struct CosignatureTests {
    static let vkey = "witness.test/w1+63686739+BOpKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs"
    static let note = "example.com/log\n5\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n"
    static let line =
        "— witness.test/w1 Y2hnOQAAAABlU/EAgBitpJ61OJLAuXPA2HAW9ewLdVVXmQ7sxQWczdAzlIcKZvE2Rho2K2tgB7htlBOJupB1wUTjIzITfmFn2ZuUBQ==\n"

    /// Known answer from Python's `cryptography` (Ed25519 seed 32 × 0x07, time 1700000000),
    /// written independently of this code: the vkey, the key ID and the line, byte for byte.
    @Test func knownAnswer() throws {
        let signer = try Cosignature.Signer(name: "witness.test/w1", privateKey: .init(rawRepresentation: [UInt8](repeating: 7, count: 32)))
        #expect(signer.verifierKey == Self.vkey)
        #expect(try signer.cosign(Self.note, time: 1_700_000_000) == Self.line)
        let cosigner = try Cosignature.Cosigner(verifierKey: Self.vkey)
        #expect(cosigner.timestamp(of: Self.line, cosigning: Self.note) == 1_700_000_000)
    }

    /// Another checkpoint, another name, a changed byte of the line or a note key (type 0x01): no.
    @Test func onlyTheCosignedCheckpointVerifies() throws {
        let cosigner = try Cosignature.Cosigner(verifierKey: Self.vkey)
        #expect(cosigner.timestamp(of: Self.line, cosigning: Self.note.replacingOccurrences5()) == nil)
        #expect(cosigner.timestamp(of: Self.line.replacingOccurrences(of: "w1 ", with: "w2 "), cosigning: Self.note) == nil)
        var bytes = Array(Self.line.utf8)
        for index in stride(from: 22, to: bytes.count - 3, by: 7) {
            let original = bytes[index]
            bytes[index] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(cosigner.timestamp(of: String(decoding: bytes, as: UTF8.self), cosigning: Self.note) == nil, "byte \(index)")
            bytes[index] = original
        }
        let signer = try NoteSigner(name: "witness.test/w1", privateKey: .init())
        #expect(throws: NoteError.unsupportedAlgorithm(1)) { try Cosignature.Cosigner(verifierKey: signer.verifierKey) }
        #expect(throws: NoteError.keyIDMismatch) {
            try Cosignature.Cosigner(verifierKey: Self.vkey.replacingOccurrences(of: "63686739", with: "63686738"))
        }
    }

    /// The spec's example policy, with real keys: groups of groups, thresholds, all and any.
    @Test func policiesAndQuorums() throws {
        let keys = (0..<6).map { try? Cosignature.Signer(name: "w\($0).test", privateKey: .init()).verifierKey }.compactMap { $0 }
        let log = try NoteSigner(name: "log.test/server-log", privateKey: .init()).verifierKey
        let text = """
            # the spec's example
            log \(log) https://log.test/api/v1/server-log

            witness X1 \(keys[0]) http://127.0.0.1:1/
            witness X2 \(keys[1])
            witness X3 \(keys[2])
            group X-witnesses 2 X1 X2 X3
            \twitness Y1 \(keys[3])
            witness Y2 \(keys[4])
            witness Y3 \(keys[5])
            group Y-witnesses any Y1 Y2 Y3

            group X-and-Y all X-witnesses Y-witnesses
            quorum X-and-Y
            """
        let policy = try WitnessPolicy(parsing: text)
        #expect(policy.logs.count == 1 && policy.logs[0].url == "https://log.test/api/v1/server-log")
        #expect(policy.witnesses.map(\.name) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"] && policy.witnesses[0].url == "http://127.0.0.1:1/")
        #expect(policy.isMet(by: ["X1", "X3", "Y2"]))
        #expect(!policy.isMet(by: ["X1", "Y2"]) && !policy.isMet(by: ["X1", "X2", "X3"]) && !policy.isMet(by: []))
        #expect(try WitnessPolicy(parsing: "quorum none\n").isMet(by: []))
    }

    /// Each rule of the format refused with its line.
    @Test func malformedPoliciesAreRefusedWithTheirLine() throws {
        let key = try Cosignature.Signer(name: "w.test", privateKey: .init()).verifierKey
        let other = try Cosignature.Signer(name: "v.test", privateKey: .init()).verifierKey
        let cases: [(String, Int)] = [
            ("witness A \(key)\nquorum B\n", 2),
            ("group G any A\nwitness A \(key)\nquorum G\n", 1),
            ("witness A \(key)\nwitness A \(other)\nquorum A\n", 2),
            ("witness A \(key)\nwitness B \(key)\nquorum A\n", 2),
            ("witness A \(key)\ngroup G 2 A\nquorum G\n", 2),
            ("witness A \(key)\ngroup G 01 A\nquorum G\n", 2),
            ("witness A \(key)\ngroup G any A A\nquorum G\n", 2),
            ("witness A \(key)\ngroup G any none\nquorum G\n", 2),
            ("witness A \(key)\nquorum A\nquorum A\n", 3),
            ("witness A \(key)\n", 0),
            ("witnesses A \(key)\nquorum A\n", 1),
            ("quorum none\u{7}\n", 1),
            ("log \(key)\nquorum none\n", 1),
        ]
        for (text, line) in cases {
            #expect(throws: WitnessPolicy.Refusal.self, "\(text)") { try WitnessPolicy(parsing: text) }
            do { _ = try WitnessPolicy(parsing: text) } catch { #expect(error.line == line, "\(text): \(error)") }
        }
    }
}

extension String {
    /// The known-answer note with another size.
    fileprivate func replacingOccurrences5() -> String { replacingOccurrences(of: "\n5\n", with: "\n6\n") }
}
