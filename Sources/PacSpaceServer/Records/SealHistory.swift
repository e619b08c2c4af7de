import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// A record's seal history, `record-seal-history/v1` (docs/records.md, "Shared Record
/// links"): each committed entry's record hash and the word that seals it, with where its
/// log leaf is. The SDK checks a link's disclosure against it up to each entry's record hash
/// and seal (`records.open`); the leaf's inclusion is the receipt's to prove.
enum SealHistory {
    static let schema = "record-seal-history/v1"
    /// The most entries one seal history carries: a record's first 10,000. The SDK reads the
    /// document in one request (`X-Record-Entries: all`), so it is not paged: it is streamed.
    static let maxEntries: Int64 = 10_000
    /// Entries read, proved and written per step of the stream. At 10,000 entries the whole
    /// document built at once took +156 MB per 200 entries (issue 25); a step of 250 outlines
    /// holds about 0.5 MB of JSON and the stored hashes their proofs need.
    static let step = 250

    /// The chain a disclosure names: the environment's chain id, and as its address the first
    /// 20 bytes of SHA-256 over `pacspace:log-address:v1`, 0x00 and the log's origin (this
    /// server has a log where the hosted service has a contract).
    static func chain(environment: EnvironmentName, origin: String) -> JSONValue {
        let address = Hash.sha256(Array("pacspace:log-address:v1".utf8) + [0] + Array(origin.utf8)).bytes.prefix(20)
        return ["chainId": .int(Int64(environment.chainID)), "contractAddress": .string("0x" + Hex.encode(address))]
    }

    /// The document's members before its entries. `recordHashVersion: 3` for a record under
    /// version 3 only: the SDK reads its absence as version 2 and refuses any value but 3.
    /// `witnessed`: the chain of the checkpoint every entry is proved against to the
    /// witnesses, or null (docs/witnesses.md, "Witnessed receipts").
    static func head(summary: RecordSummary, layout: RecordLayout, chain: JSONValue, origin: String, witnessed: JSONValue) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("schema", .string(schema)), ("recordType", .string(summary.recordType)), ("entityId", .string(summary.entityID)),
            ("recordKey", .string(summary.recordKey.prefixedHex)), ("logOrigin", .string(origin)), ("chain", chain),
            (
                "layout",
                [
                    "layoutId": .int(Int64(layout.layoutID)), "layoutVersion": .int(Int64(layout.layoutVersion)),
                    "layoutDigest": .string(layout.digest.prefixedHex),
                ]
            ),
        ]
        if summary.recordHashVersion == .v3 { members.append(("recordHashVersion", .int(3))) }
        members.append(("witnessed", witnessed))
        return .object(members)
    }

    /// The document, written to `writer` a step at a time: `entries` are the entries a
    /// signed checkpoint covered when the answer began, with their proofs against that one
    /// checkpoint, in seq order from seq 0 (a word names the one before it).
    static func write(
        head: JSONValue,
        summary: RecordSummary,
        layout: RecordLayout,
        checkpoint: SignedCheckpoint?,
        records: RecordStore,
        receipts: ReceiptReader,
        environmentID: String,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        var opening = JSONWriter.serialize(head)
        opening.removeLast()  // the head's closing brace: the entries follow
        opening += Array(",\"entries\":[".utf8)
        try await writer.write(ByteBuffer(bytes: opening))
        var previous = "0x" + String(repeating: "0", count: 64)
        var from: Int64 = 0
        var first = true
        while from < maxEntries {
            let outlines = try await records.outlines(
                environmentID: environmentID,
                recordKey: summary.recordKey,
                from: from,
                limit: Int(min(Int64(step), maxEntries - from))
            )
            guard let last = outlines.last else { break }
            let covered = outlines.compactMap { outline -> (Int64, [UInt8])? in
                guard outline.status == .verified, let index = outline.logIndex, let checkpoint, index < checkpoint.treeSize else { return nil }
                return (index, outline.committed(recordType: summary.recordType).leaf)
            }
            let proofs = try await receipts.proofs(environmentID: environmentID, entries: covered, against: checkpoint)
            let byIndex = Dictionary(uniqueKeysWithValues: zip(covered.map(\.0), proofs))
            var chunk: [UInt8] = []
            for outline in outlines {
                guard let entryOpening = outline.recordOpening else { continue }
                let word = outline.word(layout: layout, opening: entryOpening).prefixedHex
                defer { previous = word }
                guard let index = outline.logIndex, let proof = byIndex[index] else { continue }
                let entry: JSONValue = [
                    "seq": .int(outline.seq), "lifecycle": .string(outline.lifecycle), "previousWord": .string(previous),
                    "newWord": .string(word), "recordHash": .string(outline.recordHash.prefixedHex),
                    "recordOpening": .string(entryOpening.prefixedHex), "itemIndex": .int(Int64(proof.logIndex)),
                    "itemOpening": .string(Merkle.leafHash(proof.leafData).prefixedHex),
                    "merkleProof": .array(proof.inclusionProof.map { .string($0.prefixedHex) }), "batchId": .int(Int64(proof.treeSize)),
                    "checkpoint": .string(proof.checkpoint),
                ]
                if !first { chunk.append(UInt8(ascii: ",")) }
                first = false
                chunk += JSONWriter.serialize(entry)
            }
            if !chunk.isEmpty { try await writer.write(ByteBuffer(bytes: chunk)) }
            from = last.seq + 1
            if outlines.count < step { break }
        }
        try await writer.write(ByteBuffer(bytes: Array("]}".utf8)))
        try await writer.finish(nil)
    }
}
