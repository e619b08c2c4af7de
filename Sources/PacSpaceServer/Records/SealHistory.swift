import PacSpaceCore
import PacSpaceStore

/// A record's seal history, `record-seal-history/v1` (docs/records.md, "Shared Record
/// links"): each committed entry's record hash and the word that seals it, with where its
/// log leaf is. The SDK checks a link's disclosure against it up to each entry's record hash
/// and seal (`records.open`); the leaf's inclusion is the receipt's to prove.
enum SealHistory {
    static let schema = "record-seal-history/v1"
    /// The most entries one seal history carries: a record's first 10,000 (the history
    /// bundle of 10,000 entries took 4.2 s on the bench machine).
    static let maxEntries = 10_000

    /// The chain a disclosure names: the environment's chain id, and as its address the first
    /// 20 bytes of SHA-256 over `pacspace:log-address:v1`, 0x00 and the log's origin (this
    /// server has a log where the hosted service has a contract).
    static func chain(environment: EnvironmentName, origin: String) -> JSONValue {
        let address = Hash.sha256(Array("pacspace:log-address:v1".utf8) + [0] + Array(origin.utf8)).bytes.prefix(20)
        return ["chainId": .int(Int64(environment.chainID)), "contractAddress": .string("0x" + Hex.encode(address))]
    }

    /// The layout a record's words are sealed under: the first published layout of its type.
    static func layout(of recordType: String) -> RecordLayout? { RecordLayout.layouts(of: recordType).first }

    /// An entry's word under `layout`, sealed with its `opening`.
    static func word(_ entry: RecordEntry, layout: RecordLayout, opening: Hash) -> Hash {
        RecordSeal(layout: layout, lifecycle: entry.lifecycle, attempt: entry.attempted != nil, seq: entry.seq)
            .word(recordHash: entry.recordHash, version: entry.recordHashVersion, opening: opening)
    }

    /// The document: `entries` are the committed ones with their proofs, in seq order, read
    /// from seq 0 (a word names the one before it). `recordHashVersion: 3` for a record under
    /// version 3 only: the SDK reads its absence as version 2 and refuses any value but 3.
    static func document(
        summary: RecordSummary,
        layout: RecordLayout,
        chain: JSONValue,
        origin: String,
        entries: [(RecordEntry, Receipt?)]
    ) -> JSONValue {
        var previous = "0x" + String(repeating: "0", count: 64)
        var served: [JSONValue] = []
        for (entry, proof) in entries {
            guard let opening = entry.recordOpening else { continue }
            let word = word(entry, layout: layout, opening: opening).prefixedHex
            defer { previous = word }
            guard let proof else { continue }
            served.append([
                "seq": .int(entry.seq), "lifecycle": .string(entry.lifecycle), "previousWord": .string(previous),
                "newWord": .string(word), "recordHash": .string(entry.recordHash.prefixedHex), "recordOpening": .string(opening.prefixedHex),
                "itemIndex": .int(Int64(proof.logIndex)), "itemOpening": .string(Merkle.leafHash(proof.leafData).prefixedHex),
                "merkleProof": .array(proof.inclusionProof.map { .string($0.prefixedHex) }), "batchId": .int(Int64(proof.treeSize)),
                "checkpoint": .string(proof.checkpoint),
            ])
        }
        let document: JSONValue = [
            "schema": .string(schema), "recordType": .string(summary.recordType), "entityId": .string(summary.entityID),
            "recordKey": .string(summary.recordKey.prefixedHex), "logOrigin": .string(origin),
            "chain": chain,
            "layout": [
                "layoutId": .int(Int64(layout.layoutID)), "layoutVersion": .int(Int64(layout.layoutVersion)),
                "layoutDigest": .string(layout.digest.prefixedHex),
            ],
            "entries": .array(served),
        ]
        guard summary.recordHashVersion == .v3, case .object(let members) = document else { return document }
        return .object(members + [("recordHashVersion", .int(3))])
    }
}
