import Foundation
import PacSpaceCore

/// A customer's deltas as CSV (RFC 4180): CRLF line ends, every field quoted when it holds
/// a comma, a quote, CR or LF, quotes doubled. Amounts are written exactly as the API
/// writes them; times in ISO 8601 UTC; metadata as its canonical JSON text.
///
/// Text the provider's systems wrote (reason, referenceId, adjusts) that a spreadsheet
/// would run as a formula (it starts with `=`, `+`, `-`, `@`, tab or CR: OWASP's "CSV
/// injection") gets a leading `'`. The CSV is for reading; the exact record, for
/// recomputing a content hash, is the JSON of the receipt.
enum CustomerCSV {
    static let columns = [
        "sequenceNumber", "recordId", "receiptId", "createdAt", "verifiedAt", "delta", "reason", "referenceId", "adjusts", "metadata",
        "contentHash", "logIndex", "status",
    ]

    static let header = columns.joined(separator: ",") + "\r\n"

    static func row(_ delta: DeltaRecord) -> String {
        let fields = [
            String(delta.sequenceNumber), delta.recordID, delta.receiptID, Timestamp.iso8601(millis: delta.createdAt),
            delta.verifiedAt.map { Timestamp.iso8601(millis: $0) } ?? "", delta.amount.description, inert(delta.reason),
            inert(delta.referenceID ?? ""), inert(delta.adjusts ?? ""), delta.metadata?.text ?? "", delta.contentHash.prefixedHex,
            delta.logIndex.map(String.init) ?? "", delta.status.rawValue,
        ]
        return fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// Text that a spreadsheet would not run as a formula.
    static func inert(_ text: String) -> String {
        guard let first = text.first, "=+-@\t\r".contains(first) else { return text }
        return "'" + text
    }

    /// A field, quoted when RFC 4180 asks for it.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
