import Foundation
import PacSpaceCore

/// One libFuzzer entry point; `PACSPACE_FUZZ_TARGET` picks the parser under test:
/// `json`, `amount`, `number`, `scope`, `note`, `checkpoint` or `receipt`. Besides "never
/// crashes", each target checks a property of what it accepts (a round trip, idempotent
/// JCS, a window inside its bounds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    switch target {
    case "json": json(bytes)
    case "amount": amount(bytes)
    case "number": number(bytes)
    case "scope": scope(bytes)
    case "note": note(bytes)
    case "checkpoint": checkpoint(bytes)
    case "receipt": receipt(bytes)
    default: fatalError("set PACSPACE_FUZZ_TARGET to json, amount, number, scope, note, checkpoint or receipt")
    }
    return 0
}

let target = ProcessInfo.processInfo.environment["PACSPACE_FUZZ_TARGET"] ?? ""

/// A fixed verifier key (Go's note example) for the note, checkpoint and receipt targets.
let verifier: NoteVerifier = {
    do {
        return try NoteVerifier(verifierKey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    } catch {
        fatalError("the fixed verifier key does not parse: \(error)")
    }
}()

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

/// Amounts: never traps (exponents of any length, megabytes of digits); what is accepted
/// is below 10¹⁸ micro-units, prints without exponent, and parses back to itself; a
/// sum of accepted amounts is exact in Int128.
func amount(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self), let value = try? Amount(parsing: text) else { return }
    guard value.micros.magnitude < 1_000_000_000_000_000_000 else { fatalError("Amount accepted \(text) beyond 10^18 micro-units") }
    guard !value.description.contains("e"), (try? Amount(parsing: value.description)) == value else {
        fatalError("Amount round trip changed \(text) → \(value)")
    }
    let sum = [value, value, Amount(micros: .max), Amount(micros: .min)].exactSum
    guard sum == Int128(value.micros) * 2 - 1 else { fatalError("exactSum is wrong for \(value)") }
}

/// I-JSON numbers: never traps; a number said to round-trip keeps its value through JCS.
func number(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self), ECMAScriptNumber.roundTrips(text) else { return }
    guard let canonical = try? JSONWriter.canonical(.number(text)),
        ECMAScriptNumber.roundTrips(String(decoding: canonical, as: UTF8.self))
    else {
        fatalError("\(text) round-trips, but its JCS form does not")
    }
}

/// Scope resolution: six newline-separated fields (period, timePreset, startDate,
/// endDate, startingCheckpoint, startingCheckpointType; empty = absent), at a fixed
/// `now`. Never traps; an accepted window has start < end, start ≤ now, at most the
/// maximum width, and both ends between 0000-01-01 and 10000-01-02 (offsets ±24 h).
func scope(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? nil : String($0) }
    while parts.count < 6 { parts.append(nil) }
    let fields = Scope.Fields(
        period: parts[0],
        timePreset: parts[1],
        startDate: parts[2],
        endDate: parts[3],
        startingCheckpoint: parts[4],
        startingCheckpointType: parts[5]
    )
    let now: Int64 = 1_795_000_000_000
    let maxDays = 366
    guard case .window(let start, let end)? = try? Scope.resolve(fields, now: now, maxDays: maxDays) else { return }
    let earliest: Int64 = -62_167_219_200_000 - 86_400_000  // 0000-01-01 less a day of offset
    let latest: Int64 = 253_402_300_800_000 + 2 * 86_400_000  // 10000-01-01 plus offsets
    guard start < end, start <= now, (start...latest).contains(end), start >= earliest else {
        fatalError("scope \(fields) resolved to an impossible window [\(start), \(end))")
    }
    guard fields.period != nil || fields.timePreset == "current_month" || end - start <= Int64(maxDays) * 86_400_000 else {
        fatalError("scope \(fields) is wider than \(maxDays) days")
    }
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
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("PacSpaceFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
