import PacSpaceCore

/// The most bytes an entry's receipt takes on the wire, stored with the entry
/// (`record_entries.footprint`) so that a page of a history, a bundle or a dashboard page is
/// sized by a sum over this column before any entry is loaded (docs/api.md, "Budgets").
///
/// A plaintext receipt reveals every leaf as `{"pointer", "value", "salt"}`: the values are
/// the content's own bytes, and each leaf adds its pointer and about 110 bytes of names, a
/// 66-character salt and punctuation. An encrypted receipt carries its envelopes as stored.
/// 4 KiB covers the rest: ids, the committed leaf and an inclusion proof of up to 63 hashes.
public enum RecordFootprint {
    static let fixed: Int64 = 4_096
    static let perLeaf: Int64 = 110

    /// A plaintext entry's footprint: its canonical content and its leaves.
    public static func plaintext(contentBytes: Int, leaves: [RecordHash.Leaf]) -> Int64 {
        leaves.reduce(fixed + Int64(contentBytes)) { $0 + perLeaf + Int64($1.pointer.utf8.count) }
    }

    /// An encrypted entry's footprint: its outside copies and its envelopes' stored bytes.
    public static func sealed(contentBytes: Int, envelopeBytes: Int) -> Int64 {
        fixed + Int64(contentBytes) + Int64(envelopeBytes)
    }
}
