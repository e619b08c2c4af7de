import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// A page of a record's history or bundle (docs/records.md, "Reading a record"), written to
/// the answer a part at a time: the page is sized by its entries' stored footprints first
/// (at most ``RecordsController/pageBytes``), then loaded, proved and written in parts of
/// ``partBytes``, so a 6 MiB page never sits in memory as one `JSONValue` — built whole,
/// the page took +35 MiB of peak memory (scripts/pacspace_budgets.py, issue 25).
struct RecordHistory: Sendable {
    /// The footprint one part of the stream loads at most (always at least one entry).
    static let partBytes: Int64 = 256 * 1_024
    static let partEntries = 100

    let summary: RecordSummary
    let environmentID: String
    let origin: String
    /// The page's seqs, as ``RecordStore/pageEnd(environmentID:recordKey:from:through:limit:maxBytes:)`` cut it.
    let seqs: Range<Int64>
    let generatedAt: Int64
    /// A bundle (a file to keep) ends with `bundleDigest`: SHA-256 of the RFC 8785 text of
    /// the rest of the document.
    let bundle: Bool

    /// Writes the document: its head, its receipts a part at a time, then (for an encrypted
    /// record) the `refused` list and (for a bundle) the digest. Every receipt is proved
    /// against one checkpoint, chosen once the page's entries are known
    /// (``ReceiptReader/basis(environmentID:through:)``): the witnessed one holding the page's
    /// last logged entry, whose chain to the witnesses the head then carries (`witnessed`),
    /// else the latest; an entry it does not cover is queued in the answer.
    func write(records: RecordStore, receipts: ReceiptReader, links: VerifyLinks, to writer: inout any ResponseBodyWriter) async throws {
        let outlines = try await records.outlines(
            environmentID: environmentID,
            recordKey: summary.recordKey,
            from: seqs.lowerBound,
            limit: seqs.count
        )
        let lastLogged = outlines.filter { $0.status == .verified }.compactMap(\.logIndex).max()
        let (checkpoint, chain) = try await receipts.basis(environmentID: environmentID, through: lastLogged)
        let treeSize = checkpoint?.treeSize
        let head = summary.historyHead(
            outlines.map { ($0, $0.status == .verified && ($0.logIndex.map { $0 < treeSize ?? 0 } ?? false)) },
            origin: origin,
            witnessed: chain?.json ?? .null,
            generatedAt: generatedAt
        )
        var digest = bundle ? try CanonicalDigest(members: head, streaming: "receipts") : nil
        var opening = JSONWriter.serialize(.object(head))
        opening.removeLast()  // the head's closing brace: the receipts follow
        try await writer.write(ByteBuffer(bytes: opening + Array(",\"receipts\":[".utf8)))
        let record = RecordIdentity(recordType: summary.recordType, entityID: summary.entityID)
        var refused: [JSONValue] = []
        var next = seqs.lowerBound
        var first = true
        while next < seqs.upperBound {
            let part = try await records.page(
                environmentID: environmentID,
                recordKey: summary.recordKey,
                from: next,
                through: seqs.upperBound - 1,
                limit: Self.partEntries,
                maxBytes: Self.partBytes
            ).map { $0.seen(atTreeSize: treeSize) }
            guard let last = part.last else { break }
            let covered = part.compactMap { entry in entry.logIndex.map { ($0, entry.committed(recordType: record.recordType).leaf) } }
            let proofs = try await receipts.proofs(environmentID: environmentID, entries: covered, against: checkpoint)
            let byIndex = Dictionary(uniqueKeysWithValues: zip(covered.map(\.0), proofs))
            var text: [UInt8] = []
            for entry in part {
                let receipt = entry.receipt(record: record, proof: entry.logIndex.flatMap { byIndex[$0] }?.json, verifyUrl: links.page(of: entry))
                if !first { text.append(UInt8(ascii: ",")) }
                first = false
                text += JSONWriter.serialize(receipt)
                try digest?.append(receipt)
                if let item = entry.refused { refused.append(item) }
            }
            try await writer.write(ByteBuffer(bytes: text))
            next = last.seq + 1
        }
        // Each refused envelope is counted in its entry's footprint: the list is within the page's bytes.
        var late: [(String, JSONValue)] = []
        if summary.encryptionKid != nil { late.append(("refused", .array(refused))) }
        var closing: [UInt8] = [UInt8(ascii: "]")]
        for (name, value) in late {
            closing += Array(",\"\(name)\":".utf8) + JSONWriter.serialize(value)
        }
        if let digest {
            closing += Array(",\"bundleDigest\":\"\(try digest.finish(adding: late).prefixedHex)\"".utf8)
        }
        try await writer.write(ByteBuffer(bytes: closing + [UInt8(ascii: "}")]))
        try await writer.finish(nil)
    }
}
