import Foundation

/// Offline verification of a delta's receipt (verification.md, "Receipts and checks"):
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
        init(_ description: String) { self.description = description }
    }

    /// Verifies `delta` (a status or emit answer: the `data` object, or the whole envelope).
    public static func verify(delta: JSONValue, receipt: String, verifierKey: String) throws(Failure) -> Report {
        let fields = delta["success"] != nil ? (delta["data"] ?? .null) : delta
        let content = try content(of: fields)
        let contentHash: Hash
        do { contentHash = try content.contentHash() } catch { throw Failure("the delta's metadata cannot be canonicalised: \(error)") }
        if let stated = fields["contentHash"] {
            guard case .string(let text) = stated, Hash(prefixedHex: text) == contentHash else {
                throw Failure("contentHash in the delta file does not match its fields (the fields hash to \(contentHash.prefixedHex))")
            }
        }
        guard case .string(let receiptID)? = fields["receiptId"] else { throw Failure("receiptId is missing from the delta file") }
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
        let leaf = LogEntry.delta(receiptID: receiptID, contentHash: contentHash)
        guard Merkle.verifyInclusion(leaf: Merkle.leafHash(leaf), index: proof.index, size: checkpoint.size, proof: proof.hashes, root: checkpoint.root) else {
            throw Failure("the inclusion proof does not lead from this delta (entry \(proof.index)) to the signed root of size \(checkpoint.size)")
        }
        return Report(contentHash: contentHash, logIndex: proof.index, checkpoint: checkpoint, keyName: verifier.name)
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
        var metadata: JSONValue?
        switch fields["metadata"] {
        case nil, .null?: metadata = nil
        case let value? where value.typeName == "object": metadata = value
        default: throw Failure("metadata must be an object or null")
        }
        var adjusts: String?
        switch fields["adjusts"] {
        case nil, .null?: adjusts = nil
        case .object(let members)? where members.count == 1:
            guard case .string(let reference)? = fields["adjusts"]?["referenceId"] else { throw Failure("adjusts must be {\"referenceId\": \"…\"}") }
            adjusts = reference
        default: throw Failure("adjusts must be {\"referenceId\": \"…\"} or null")
        }
        return DeltaContent(recordID: try string("recordId"), customerID: try string("customerId"), sequenceNumber: sequence,
                            delta: amount, reason: try string("reason"), referenceID: try optionalString("referenceId"),
                            metadata: metadata, adjusts: adjusts, createdAt: createdAt)
    }
}
