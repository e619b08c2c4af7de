import Crypto
import Testing

@testable import PacSpaceCore

/// Go's `golang.org/x/mod/sumdb/note` documentation example key.
let goSignerSeed = Array((Base64.decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz") ?? []).dropFirst())
let goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"

@Suite struct SignedNoteTests {
    func goSigner() throws -> NoteSigner {
        try NoteSigner(name: "PeterNeumann", privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: goSignerSeed))
    }

    @Test func keyIDAndVerifierKeyMatchGo() throws {
        let signer = try goSigner()
        #expect(signer.verifierKey == goVerifierKey)
        let verifier = try NoteVerifier(verifierKey: goVerifierKey)
        #expect(verifier.keyID == 0xc74f_20a3)
    }

    @Test func signatureMatchesGoExample() throws {
        let note = try goSigner().sign(goText)
        #expect(note == goText + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
        #expect(try SignedNote(parsing: note).verified(by: NoteVerifier(verifierKey: goVerifierKey)) == goText)
    }

    @Test func everyByteChangeIsRejected() throws {
        let verifier = try NoteVerifier(verifierKey: goVerifierKey)
        let note = Array(try goSigner().sign(goText).utf8)
        for index in note.indices {
            var bad = note
            bad[index] ^= 0x01
            guard let text = String(validating: bad, as: UTF8.self) else { continue }
            #expect(throws: NoteError.self, "byte \(index)") { try SignedNote(parsing: text).verified(by: verifier) }
        }
    }

    @Test func malformedVerifierKeys() {
        for key in [
            "", "a+b", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ] {
            #expect(throws: NoteError.self, "\(key)") { try NoteVerifier(verifierKey: key) }
        }
    }

    @Test func checkpointRoundTrip() throws {
        let signer = try NoteSigner(name: "pacspace.example/tnt_x/testnet", privateKey: .init())
        let checkpoint = Checkpoint(origin: signer.name, size: 0, root: Merkle.emptyRoot)
        #expect(checkpoint.body == "pacspace.example/tnt_x/testnet\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
        let note = try signer.sign(checkpoint.body)
        #expect(try Checkpoint.open(note, verifier: NoteVerifier(verifierKey: signer.verifierKey)) == checkpoint)
        for bad in [
            "o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "o\n1\nAAAA\n", "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "o\n1\n",
        ] {
            #expect(throws: NoteError.self) { try Checkpoint(body: bad) }
        }
    }

    @Test func tlogProofRoundTripAndTamper() async throws {
        let signer = try NoteSigner(name: "pacspace.example/tnt_x/testnet", privateKey: .init())
        let verifier = try NoteVerifier(verifierKey: signer.verifierKey)
        let log = MemoryLog(leaves: referenceLeaves)
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 8, root: log.frontier.root).body)
        let proof = TlogProof(index: 5, hashes: try await Merkle.inclusionProof(index: 5, size: 8, read: log.reader), checkpoint: note)
        #expect(try TlogProof(parsing: proof.text) == proof)
        #expect(try proof.verify(leafData: referenceLeaves[5], verifier: verifier).size == 8)
        #expect(throws: NoteError.self) { try proof.verify(leafData: referenceLeaves[4], verifier: verifier) }
        let bytes = Array(proof.text.utf8)
        for index in bytes.indices {
            var bad = bytes
            bad[index] ^= 0x01
            guard let text = String(validating: bad, as: UTF8.self) else { continue }
            #expect(throws: NoteError.self, "byte \(index)") { try TlogProof(parsing: text).verify(leafData: referenceLeaves[5], verifier: verifier) }
        }
    }
}
