import Crypto
import Foundation
import Testing

@testable import PacSpaceCore

/// Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note` (Debian `golang-go` +
/// `golang-golang-x-mod-dev`) must agree with us both ways. Runs wherever `go` is
/// installed; under CI its absence is a failure, not a skip.
@Suite(
    .enabled(
        if: GoCrossCheck.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
        "needs go and golang-golang-x-mod-dev (scripts/test installs them)"
    )
)
struct GoCrossCheckTests {
    static let leafCount = 64

    static func leaf(_ index: Int) -> [UInt8] { Array("pacspace leaf \(index)".utf8) }

    @Test func goVerifiesOurProofsAndNotes() async throws {
        let log = MemoryLog(leaves: (0..<Self.leafCount).map(Self.leaf))
        let signer = try NoteSigner(name: "pacspace.test/tnt_crosscheck/testnet", privateKey: .init())
        var roots: [(String, JSONValue)] = []
        var inclusion: [JSONValue] = []
        var consistency: [JSONValue] = []
        var notes: [JSONValue] = []
        for size in UInt64(1)...UInt64(Self.leafCount) {
            let root = try await Merkle.root(size: size, read: log.reader)
            roots.append((String(size), .string(root.base64)))
            notes.append(.string(try signer.sign(Checkpoint(origin: signer.name, size: size, root: root).body)))
            for index in 0..<size {
                let proof = try await Merkle.inclusionProof(index: index, size: size, read: log.reader)
                inclusion.append(["index": .int(index), "size": .int(size), "proof": .array(proof.map { .string($0.base64) })])
            }
            for old in 1...size {
                let proof = try await Merkle.consistencyProof(oldSize: old, newSize: size, read: log.reader)
                consistency.append(["old": .int(old), "new": .int(size), "proof": .array(proof.map { .string($0.base64) })])
            }
        }
        let vectors: JSONValue = [
            "leaves": .int(Self.leafCount), "roots": .object(roots), "inclusion": .array(inclusion),
            "consistency": .array(consistency), "verifierKey": .string(signer.verifierKey), "notes": .array(notes),
        ]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pacspace-vectors-\(UUID().uuidString).json")
        try Data(JSONWriter.serialize(vectors)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try GoCrossCheck.run(["verify", file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" 0 disagreements"), "\(output)")
    }

    @Test func weAgreeWithGosProofsAndNotes() async throws {
        let (status, output) = try GoCrossCheck.run(["generate", "40"])
        try #require(status == 0, "\(output)")
        let vectors = try JSONParser.parse(Array(output.utf8))
        let log = MemoryLog(leaves: (0..<40).map(Self.leaf))
        guard case .object(let roots)? = vectors["roots"], case .array(let inclusion)? = vectors["inclusion"],
            case .array(let consistency)? = vectors["consistency"], case .array(let notes)? = vectors["notes"],
            case .string(let verifierKey)? = vectors["verifierKey"], case .string(let signerKey)? = vectors["signerKey"]
        else {
            throw GoCrossCheck.Failure("unexpected vectors from go")
        }
        func number(_ value: JSONValue?) -> UInt64 { if case .number(let text)? = value { return UInt64(text)! } else { return .max } }
        func hashes(_ value: JSONValue?) -> [Hash] {
            guard case .array(let items)? = value else { return [] }
            return items.compactMap { if case .string(let text) = $0 { Hash(base64: text) } else { nil } }
        }
        for (size, root) in roots {
            #expect(JSONValue.string(try await Merkle.root(size: UInt64(size)!, read: log.reader).base64) == root, "root of \(size)")
        }
        for entry in inclusion {
            let (index, size, proof) = (number(entry["index"]), number(entry["size"]), hashes(entry["proof"]))
            #expect(try await Merkle.inclusionProof(index: index, size: size, read: log.reader) == proof, "inclusion \(index) in \(size)")
            #expect(
                Merkle.verifyInclusion(
                    leaf: Merkle.leafHash(Self.leaf(Int(index))),
                    index: index,
                    size: size,
                    proof: proof,
                    root: try await Merkle.root(size: size, read: log.reader)
                )
            )
        }
        for entry in consistency {
            let (old, new, proof) = (number(entry["old"]), number(entry["new"]), hashes(entry["proof"]))
            #expect(try await Merkle.consistencyProof(oldSize: old, newSize: new, read: log.reader) == proof, "consistency \(old) → \(new)")
            #expect(
                Merkle.verifyConsistency(
                    oldSize: old,
                    newSize: new,
                    oldRoot: try await Merkle.root(size: old, read: log.reader),
                    newRoot: try await Merkle.root(size: new, read: log.reader),
                    proof: proof
                )
            )
        }
        // Go's notes open with our verifier, and our signer with Go's key writes the same bytes.
        let verifier = try NoteVerifier(verifierKey: verifierKey)
        // PRIVATE+KEY+<name>+<key id>+<base64>: the base64 may itself contain "+".
        let seed = Array(Base64.decode(String(signerKey.split(separator: "+", maxSplits: 4).last!))!.dropFirst())
        let signer = try NoteSigner(name: verifier.name, privateKey: Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        #expect(signer.verifierKey == verifierKey)
        for case .string(let note) in notes {
            let checkpoint = try Checkpoint.open(note, verifier: verifier)
            #expect(try await Merkle.root(size: checkpoint.size, read: log.reader) == checkpoint.root)
            #expect(try signer.sign(checkpoint.body) == note)
        }
        #expect(notes.count == 40)
    }
}

/// Runs `Tests/crosscheck/main.go` with the Debian Go toolchain in GOPATH mode.
enum GoCrossCheck {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static let goPath = "/usr/share/gocode"
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/go")
            && FileManager.default.fileExists(atPath: goPath + "/src/golang.org/x/mod/sumdb/tlog/tlog.go")
    }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("crosscheck/main.go").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/go")
        process.arguments = ["run", source] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GO111MODULE"] = "off"
        environment["GOPATH"] = goPath
        environment["GOCACHE"] = environment["GOCACHE"] ?? FileManager.default.temporaryDirectory.appendingPathComponent("pacspace-gocache").path
        environment.removeValue(forKey: "GOFLAGS")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
