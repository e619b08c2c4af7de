import ArgumentParser
import Foundation
import PacSpaceCore

/// `pacspace verify-receipt`: checks a delta's or a period's receipt offline — no
/// server, no database.
struct VerifyReceipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: "Verify a delta's, a sealed period's or a record entry's receipt offline.",
        discussion: """
            A delta: --delta (as GET /api/v1/balance/delta/:recordId returns it). \
            A period: --checkpoint (as POST /api/v1/balance/checkpoint returns it) and --deltas (the period's deltas: \
            an array, or GET /api/v1/balance/derive's answer); its proofRoot is recomputed from the deltas. \
            A record entry: --record-entry (its receipt, as GET /api/v1/records/:type/:id/receipts/:seq returns it, \
            or one receipt of a history); its record hash is recomputed from the revealed fields, and --receipt may be \
            left out (the receipt's own logCheckpoint.receipt is used). \
            --receipt is the entry's receipt (proof.receipt or logCheckpoint.receipt, a C2SP tlog-proof); \
            --key is the environment's verifier key (publicKey in GET /dashboard/contracts), as text or a file holding it. \
            With --policy (a c2sp.org/tlog-policy file: the server log's key and the witnesses you trust), the receipt's \
            checkpoint must also be an entry of the server log, under a checkpoint cosigned by the policy's quorum \
            (docs/witnesses.md): --server-log-receipt, or the file's own proof.witnessed / logCheckpoint.witnessed. \
            Exit status 0 when every check passes, 1 when one fails (with the reason).
            """
    )

    @Option(help: "JSON file with the delta's fields.") var delta: String?
    @Option(help: "JSON file with the checkpoint.") var checkpoint: String?
    @Option(help: "JSON file with the period's deltas.") var deltas: String?
    @Option(name: .customLong("record-entry"), help: "JSON file with a record entry's receipt (semantic-receipt/v3 to v6).")
    var recordEntry: String?
    @Option(help: "File with the receipt (C2SP tlog-proof text).") var receipt: String?
    @Option(help: "Verifier key text (<name>+<key id>+<key>), or a file holding it.") var key: String
    @Option(help: "A c2sp.org/tlog-policy file: check the witnesses too.") var policy: String?
    @Option(name: .customLong("server-log-receipt"), help: "File with the server-log receipt (C2SP tlog-proof with cosignatures).")
    var serverLogReceipt: String?

    func validate() throws {
        let chosen = [delta != nil, checkpoint != nil, recordEntry != nil].filter { $0 }.count
        guard chosen == 1, (checkpoint != nil) == (deltas != nil) else {
            throw ValidationError("give one of --delta, --checkpoint with --deltas, or --record-entry")
        }
        guard receipt != nil || recordEntry != nil else { throw ValidationError("--receipt is required for a delta or a period") }
        guard serverLogReceipt == nil || policy != nil else { throw ValidationError("--server-log-receipt goes with --policy") }
    }

    func run() throws {
        let keyText = FileManager.default.fileExists(atPath: key) ? ((try? String(contentsOfFile: key, encoding: .utf8)) ?? "") : key
        do {
            if let recordEntry {
                try verify(recordEntry: recordEntry, keyText: keyText)
                return
            }
            guard let receipt, let receiptText = try? String(contentsOfFile: receipt, encoding: .utf8) else {
                throw ValidationError("cannot read \(receipt ?? "the receipt")")
            }
            if let delta {
                let file = try json(delta)
                let report = try OfflineVerification.verify(delta: file, receipt: receiptText, verifierKey: keyText)
                print("✓ content hash \(report.contentHash.prefixedHex) recomputed from the delta's fields")
                print("✓ checkpoint signed by \(report.keyName): tree size \(report.checkpoint.size), root \(report.checkpoint.root.prefixedHex)")
                print("✓ entry \(report.logIndex) is included in that tree")
                try witnesses(of: receiptText, stated: (file["data"] ?? file)["proof"]?["witnessed"])
            } else if let checkpoint, let deltas {
                let report = try OfflineVerification.verifyPeriod(
                    checkpoint: try json(checkpoint),
                    deltas: try list(json(deltas)),
                    receipt: receiptText,
                    verifierKey: keyText
                )
                print("✓ proofRoot \(report.proofRoot.prefixedHex) recomputed from \(report.deltaCount) deltas (net change \(report.netChange))")
                print("✓ checkpoint signed by \(report.keyName): tree size \(report.checkpoint.size), root \(report.checkpoint.root.prefixedHex)")
                print("✓ the checkpoint entry \(report.logIndex) is included in that tree")
                try witnesses(of: receiptText, stated: (try json(checkpoint)["data"] ?? json(checkpoint))["logCheckpoint"]?["witnessed"])
            }
            print("receipt verified")
        } catch let error as OfflineVerification.Failure {
            FileHandle.standardError.write(Data("✗ \(error)\nreceipt NOT verified\n".utf8))
            throw ExitCode.failure
        }
    }

    /// A record entry: its receipt file (the receipt, or an answer holding it) and its tlog-proof.
    private func verify(recordEntry path: String, keyText: String) throws {
        let file = try json(path)
        let entry = file["data"]?["receipt"] ?? file["receipt"] ?? file
        let tlog: String
        if let receipt {
            guard let text = try? String(contentsOfFile: receipt, encoding: .utf8) else { throw ValidationError("cannot read \(receipt)") }
            tlog = text
        } else {
            guard case .string(let text)? = entry["logCheckpoint"]?["receipt"] else {
                throw ValidationError("the entry has no logCheckpoint.receipt (not committed yet?); give --receipt")
            }
            tlog = text
        }
        let report = try OfflineVerification.verify(recordEntry: entry, tlogProof: tlog, verifierKey: keyText)
        if let fields = report.fields {
            print("✓ record hash \(report.recordHash.prefixedHex) recomputed from \(fields) revealed fields")
        } else {
            print("· record hash \(report.recordHash.prefixedHex) as stated: the entry is encrypted; whoever holds its key checks it on opening")
        }
        print("✓ entry seq \(report.seq) of record \(report.recordKey.prefixedHex): its leaf recomputed from the committed fields")
        print("✓ checkpoint signed by \(report.keyName): tree size \(report.checkpoint.size), root \(report.checkpoint.root.prefixedHex)")
        print("✓ entry \(report.logIndex) is included in that tree")
        try witnesses(of: tlog, stated: entry["logCheckpoint"]?["witnessed"])
        print("receipt verified")
    }

    /// With --policy: the chain from the receipt's checkpoint to the witnesses, and the quorum.
    /// `stated` is the file's own `witnessed` member, used when --server-log-receipt is not given.
    private func witnesses(of receiptText: String, stated: JSONValue?) throws {
        guard let policy else { return }
        let policyText: String
        do { policyText = try String(contentsOfFile: policy, encoding: .utf8) } catch { throw ValidationError("cannot read \(policy)") }
        let parsed: WitnessPolicy
        do { parsed = try WitnessPolicy(parsing: policyText) } catch { throw ValidationError("\(policy): \(error)") }
        let serverLogText: String
        if let serverLogReceipt {
            guard let text = try? String(contentsOfFile: serverLogReceipt, encoding: .utf8) else {
                throw ValidationError("cannot read \(serverLogReceipt)")
            }
            serverLogText = text
        } else {
            guard case .string(let text)? = stated?["serverLogReceipt"] else {
                throw OfflineVerification.Failure("the receipt is not witnessed yet (no server-log receipt in the file); give --server-log-receipt")
            }
            serverLogText = text
        }
        let environmentCheckpoint: String
        do { environmentCheckpoint = try TlogProof(parsing: receiptText).checkpoint } catch {
            throw OfflineVerification.Failure("the receipt is not a valid tlog-proof: \(error)")
        }
        let report = try OfflineVerification.verifyWitnesses(
            environmentCheckpoint: environmentCheckpoint,
            serverLogReceipt: serverLogText,
            policy: parsed
        )
        let name = report.serverLogVerifierKey.split(separator: "+").first.map(String.init) ?? ""
        print("✓ the checkpoint is entry \(report.serverLogIndex) of the server log \(name), tree size \(report.serverLogCheckpoint.size)")
        for witness in report.witnesses { print(witness.summary) }
        guard report.quorumMet else { throw OfflineVerification.Failure("the valid cosignatures do not meet the policy's quorum") }
        print("✓ the policy's quorum is met")
    }

    private func json(_ path: String) throws -> JSONValue {
        do { return try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ValidationError("cannot read \(path) as JSON: \(error)")
        }
    }

    /// An array of deltas, a derive answer `{deltas: [...]}`, or its envelope.
    private func list(_ value: JSONValue) throws -> [JSONValue] {
        switch value {
        case .array(let items): return items
        case _ where value["data"] != nil: return try list(value["data"] ?? .null)
        case _ where value["deltas"] != nil: return try list(value["deltas"] ?? .null)
        default: throw ValidationError("--deltas must hold an array of deltas or a derive answer")
        }
    }
}
