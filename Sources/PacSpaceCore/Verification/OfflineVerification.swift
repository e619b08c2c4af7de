import Foundation

/// Offline verification of a delta's receipt (docs/verification.md, "Checking a delta without this server"):
/// three inputs — the delta's fields, the receipt (C2SP tlog-proof text) and the
/// environment's verifier key — and no server or database.
///
/// The steps, each of which can fail with a precise reason: recompute the content hash
/// from the fields (and compare it with the `contentHash` the file states, if any),
/// rebuild the log leaf, check the checkpoint's signature, check the inclusion proof.
public enum OfflineVerification {
    /// What was proved.
    public struct Report: Sendable, Equatable {
        public let contentHash: Hash
        public let logIndex: UInt64
        public let checkpoint: Checkpoint
        public let keyName: String
    }

    /// A precise reason for rejection.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Verifies `delta` (a status or emit answer: the `data` object, or the whole envelope).
    public static func verify(delta: JSONValue, receipt: String, verifierKey: String) throws(Failure) -> Report {
        let fields = delta["success"] != nil ? (delta["data"] ?? .null) : delta
        let content = try content(of: fields)
        let contentHash = content.contentHash()
        if let stated = fields["contentHash"] {
            guard case .string(let text) = stated, Hash(prefixedHex: text) == contentHash else {
                throw Failure("contentHash in the delta file does not match its fields (the fields hash to \(contentHash.prefixedHex))")
            }
        }
        guard case .string(let receiptID)? = fields["receiptId"] else { throw Failure("receiptId is missing from the delta file") }
        let leaf = LogEntry.delta(receiptID: receiptID, contentHash: contentHash).leafData
        let (index, checkpoint, name) = try inclusion(of: leaf, receipt: receipt, verifierKey: verifierKey)
        return Report(contentHash: contentHash, logIndex: index, checkpoint: checkpoint, keyName: name)
    }

    /// What a period check proved.
    public struct PeriodReport: Sendable, Equatable {
        public let proofRoot: Hash
        public let deltaCount: Int
        public let netChange: Amount
        public let logIndex: UInt64
        public let checkpoint: Checkpoint
        public let keyName: String
    }

    /// Verifies a sealed period: `checkpoint` (the checkpoint answer, or its envelope),
    /// `deltas` (the period's deltas as the API returns them, in log order, or with
    /// `logIndex` to order them), the checkpoint entry's receipt, and the verifier key.
    public static func verifyPeriod(checkpoint: JSONValue, deltas: [JSONValue], receipt: String, verifierKey: String) throws(Failure) -> PeriodReport
    {
        let fields = checkpoint["success"] != nil ? (checkpoint["data"] ?? .null) : checkpoint
        guard case .string(let checkpointID)? = fields["checkpointId"], case .string(let statedRoot)? = fields["proofRoot"],
            let scope = fields["scope"]
        else {
            throw Failure("the checkpoint file needs checkpointId, proofRoot and scope")
        }
        func logIndex(_ delta: JSONValue) -> Int64? { if case .number(let text)? = delta["logIndex"] { Int64(text) } else { nil } }
        let indexed = deltas.compactMap { delta in logIndex(delta).map { (index: $0, delta: delta) } }
        let ordered = indexed.count == deltas.count ? indexed.sorted { $0.index < $1.index }.map(\.delta) : deltas
        var hashes: [Hash] = []
        var net = Amount.zero
        for (position, delta) in ordered.enumerated() {
            let content: DeltaContent
            do { content = try Self.content(of: delta) } catch { throw Failure("delta \(position + 1): \(error)") }
            let hash = content.contentHash()
            if case .string(let stated)? = delta["contentHash"], Hash(prefixedHex: stated) != hash {
                throw Failure("delta \(position + 1) (\(content.recordID)): contentHash does not match its fields")
            }
            hashes.append(hash)
            guard let sum = net.adding(content.delta) else { throw Failure("the period's net change overflows") }
            net = sum
        }
        // The version is the one whose root the checkpoint states: v2 binds the log's
        // origin (the verifier key's name) and the scope; v1 is the deltas alone.
        let origin = verifierKey.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+").first.map(String.init) ?? ""
        var computed: [(PeriodRoot.Version, Hash)] = []
        for version in PeriodRoot.Version.allCases.reversed() {
            do { computed.append((version, try PeriodRoot.root(version, of: hashes, origin: origin, scope: scope))) } catch {
                throw Failure("the checkpoint's scope cannot be canonicalised: \(error)")
            }
        }
        guard let (version, root) = computed.first(where: { Hash(prefixedHex: statedRoot) == $0.1 }) else {
            let expected = computed.map { "\($0.1.prefixedHex) (v\($0.0.rawValue))" }.joined(separator: " or ")
            throw Failure(
                "the deltas give proofRoot \(expected), not the checkpoint's \(statedRoot) (a delta is missing, extra, changed or out of order)"
            )
        }
        if case .number(let count)? = fields["deltaCount"], Int(count) != hashes.count {
            throw Failure("the checkpoint says \(count) deltas; the file has \(hashes.count)")
        }
        if case .number(let text)? = fields["netChange"], (try? Amount(parsing: text)) != net {
            throw Failure("the checkpoint's netChange \(text) is not the deltas' sum \(net)")
        }
        let leaf: [UInt8]
        do {
            leaf = try LogEntry.checkpointLeaf(
                version,
                checkpointID: checkpointID,
                proofRoot: root,
                scope: scope,
                deltaCount: Int64(hashes.count),
                netChange: net
            )
        } catch { throw Failure("the checkpoint's scope cannot be canonicalised: \(error)") }
        let (index, signed, name) = try inclusion(of: leaf, receipt: receipt, verifierKey: verifierKey)
        return PeriodReport(proofRoot: root, deltaCount: hashes.count, netChange: net, logIndex: index, checkpoint: signed, keyName: name)
    }

    /// Checks that the entry whose clear leaf is `opening` is in the tree the receipt's
    /// signed checkpoint commits to: as a commitment to it, or in clear (a leaf written
    /// before commitments, ``LeafCommitment``).
    static func inclusion(of opening: [UInt8], receipt: String, verifierKey: String) throws(Failure) -> (UInt64, Checkpoint, String) {
        let verifier: NoteVerifier
        do { verifier = try NoteVerifier(verifierKey: verifierKey.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            throw Failure("the verifier key is not usable: \(error)")
        }
        let proof: TlogProof
        do { proof = try TlogProof(parsing: receipt) } catch { throw Failure("the receipt is not a valid tlog-proof: \(error)") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.open(proof.checkpoint, verifier: verifier) } catch {
            throw Failure("the receipt's checkpoint is not validly signed by \(verifier.name): \(error)")
        }
        guard checkpoint.origin == verifier.name else {
            throw Failure("the checkpoint's origin \(checkpoint.origin) is not the key's log \(verifier.name)")
        }
        guard LeafCommitment.leaf(opening: opening, index: proof.index, size: checkpoint.size, proof: proof.hashes, root: checkpoint.root) != nil
        else {
            throw Failure("the inclusion proof does not lead from this entry (\(proof.index)) to the signed root of size \(checkpoint.size)")
        }
        return (proof.index, checkpoint, verifier.name)
    }

    /// The hashed content, read strictly from the delta's JSON fields.
    static func content(of fields: JSONValue) throws(Failure) -> DeltaContent {
        func string(_ name: String) throws(Failure) -> String {
            guard case .string(let text)? = fields[name] else { throw Failure("\(name) is missing from the delta file or not a string") }
            return text
        }
        func optionalString(_ name: String) throws(Failure) -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw Failure("\(name) must be a string or null")
            }
        }
        guard case .number(let sequenceText)? = fields["sequenceNumber"], let sequence = Int64(sequenceText) else {
            throw Failure("sequenceNumber is missing from the delta file or not an integer")
        }
        let amount: Amount
        switch fields["delta"] {
        case .number(let text)?, .string(let text)?:
            do { amount = try Amount(parsing: text) } catch { throw Failure("delta \(text) is not an amount: \(error)") }
        default: throw Failure("delta is missing from the delta file")
        }
        guard let createdAt = Timestamp.parse(try string("createdAt")) else {
            throw Failure("createdAt must be an ISO 8601 UTC time with milliseconds, as the API returns it")
        }
        var metadata: CanonicalJSON?
        switch fields["metadata"] {
        case nil, .null?: metadata = nil
        case let value? where value.typeName == "object":
            do { metadata = try CanonicalJSON(value) } catch { throw Failure("the delta's metadata cannot be canonicalised: \(error)") }
        default: throw Failure("metadata must be an object or null")
        }
        var adjusts: String?
        switch fields["adjusts"] {
        case nil, .null?: adjusts = nil
        case .object(let members)? where members.count == 1:
            guard case .string(let reference)? = fields["adjusts"]?["referenceId"] else {
                throw Failure("adjusts must be {\"referenceId\": \"…\"}")
            }
            adjusts = reference
        default: throw Failure("adjusts must be {\"referenceId\": \"…\"} or null")
        }
        return DeltaContent(
            recordID: try string("recordId"),
            customerID: try string("customerId"),
            sequenceNumber: sequence,
            delta: amount,
            reason: try string("reason"),
            referenceID: try optionalString("referenceId"),
            metadata: metadata,
            adjusts: adjusts,
            createdAt: createdAt
        )
    }
}
