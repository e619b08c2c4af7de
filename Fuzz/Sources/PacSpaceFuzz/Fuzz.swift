import Foundation
import PacSpaceCore

/// One libFuzzer entry point; `PACSPACE_FUZZ_TARGET` picks the parser under test:
/// `json`, `amount`, `note`, `checkpoint` or `receipt`. Besides "never crashes", each
/// target checks a property of what it accepts (a round trip, or idempotent JCS).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    switch target {
    case "json": json(bytes)
    case "amount": amount(bytes)
    case "note": note(bytes)
    case "checkpoint": checkpoint(bytes)
    case "receipt": receipt(bytes)
    default: fatalError("set PACSPACE_FUZZ_TARGET to json, amount, note, checkpoint or receipt")
    }
    return 0
}

let target = ProcessInfo.processInfo.environment["PACSPACE_FUZZ_TARGET"] ?? ""

/// A fixed verifier key (Go's note example) for the note, checkpoint and receipt targets.
let verifier = try! NoteVerifier(verifierKey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")

func json(_ bytes: [UInt8]) {
    guard let value = try? JSONParser.parse(bytes) else { return }
    let written = JSONWriter.serialize(value)
    guard let again = try? JSONParser.parse(written), again == value else { fatalError("JSON round trip changed \(value)") }
    if let canonical = try? JSONWriter.canonical(value) {
        guard let reparsed = try? JSONParser.parse(canonical), (try? JSONWriter.canonical(reparsed)) == canonical else {
            fatalError("JCS is not idempotent for \(String(decoding: canonical, as: UTF8.self))")
        }
    }
}

func amount(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self), let value = try? Amount(parsing: text) else { return }
    guard (try? Amount(parsing: value.description)) == value else { fatalError("Amount round trip changed \(text) → \(value)") }
}

func note(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? NoteVerifier(verifierKey: text)
    if let note = try? SignedNote(parsing: text) { _ = try? note.verified(by: verifier) }
}

func checkpoint(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    if let parsed = try? Checkpoint(body: text) {
        guard (try? Checkpoint(body: parsed.body)) == parsed else { fatalError("checkpoint round trip changed \(text)") }
    }
    _ = try? Checkpoint.open(text, verifier: verifier)
}

func receipt(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self), let proof = try? TlogProof(parsing: text) else { return }
    _ = try? proof.verify(leafData: Array("pacspace leaf 0".utf8), verifier: verifier)
}

/// SwiftPM links an executable's `main` to `<Target>_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("PacSpaceFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
