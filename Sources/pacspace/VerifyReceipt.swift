import ArgumentParser
import Foundation
import PacSpaceCore

/// `pacspace verify-receipt`: checks a delta's receipt offline — no server, no database.
struct VerifyReceipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: "Verify a delta's receipt offline.",
        discussion: """
            --delta is the delta as GET /api/v1/balance/delta/:recordId returns it (the data object or the whole answer); \
            --receipt is its receipt (the proof.receipt text, or GET /api/v1/log/:contractId/receipt/:receiptId); \
            --key is the environment's verifier key (publicKey in GET /dashboard/contracts), as text or a file holding it. \
            Exit status 0 when every check passes, 1 when one fails (with the reason).
            """)

    @Option(help: "JSON file with the delta's fields.") var delta: String
    @Option(help: "File with the receipt (C2SP tlog-proof text).") var receipt: String
    @Option(help: "Verifier key text (<name>+<key id>+<key>), or a file holding it.") var key: String

    func run() throws {
        let deltaJSON: JSONValue
        do {
            deltaJSON = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: delta)))
        } catch {
            throw ValidationError("cannot read \(delta) as JSON: \(error)")
        }
        guard let receiptText = try? String(contentsOfFile: receipt, encoding: .utf8) else { throw ValidationError("cannot read \(receipt)") }
        let keyText = FileManager.default.fileExists(atPath: key) ? ((try? String(contentsOfFile: key, encoding: .utf8)) ?? "") : key
        do {
            let report = try OfflineVerification.verify(delta: deltaJSON, receipt: receiptText, verifierKey: keyText)
            print("✓ content hash \(report.contentHash.prefixedHex) recomputed from the delta's fields")
            print("✓ checkpoint signed by \(report.keyName): tree size \(report.checkpoint.size), root \(report.checkpoint.root.prefixedHex)")
            print("✓ entry \(report.logIndex) is included in that tree")
            print("receipt verified")
        } catch {
            FileHandle.standardError.write(Data("✗ \(error)\nreceipt NOT verified\n".utf8))
            throw ExitCode.failure
        }
    }
}
