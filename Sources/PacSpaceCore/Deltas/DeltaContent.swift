/// The fields of a delta that its content hash commits to (docs/verification.md, "Content
/// hash of a delta"), as the emit answer returns them.
public struct DeltaContent: Sendable, Equatable {
    public let recordID: String
    public let customerID: String
    public let sequenceNumber: Int64
    public let delta: Amount
    public let reason: String
    public let referenceID: String?
    /// Any JSON object, or nil when absent; hashed as its canonical text.
    public let metadata: CanonicalJSON?
    /// The `referenceId` of the delta this one adjusts.
    public let adjusts: String?
    /// Epoch milliseconds.
    public let createdAt: Int64

    /// Domain separation prefix of the hash.
    static let domain = Array("pacspace:delta:v1".utf8) + [0x00]

    public init(
        recordID: String,
        customerID: String,
        sequenceNumber: Int64,
        delta: Amount,
        reason: String,
        referenceID: String?,
        metadata: CanonicalJSON?,
        adjusts: String?,
        createdAt: Int64
    ) {
        self.recordID = recordID
        self.customerID = customerID
        self.sequenceNumber = sequenceNumber
        self.delta = delta
        self.reason = reason
        self.referenceID = referenceID
        self.metadata = metadata
        self.adjusts = adjusts
        self.createdAt = createdAt
    }

    /// `{recordId, customerId, sequenceNumber, delta, reason, referenceId?, metadata?, adjusts?, createdAt}`
    /// with `delta` as a decimal string and absent optional fields omitted.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("recordId", .string(recordID)), ("customerId", .string(customerID)), ("sequenceNumber", .int(sequenceNumber)),
            ("delta", .string(delta.description)), ("reason", .string(reason)),
        ]
        if let referenceID { members.append(("referenceId", .string(referenceID))) }
        if let metadata { members.append(("metadata", metadata.value)) }
        if let adjusts { members.append(("adjusts", ["referenceId": .string(adjusts)])) }
        members.append(("createdAt", .string(Timestamp.iso8601(millis: createdAt))))
        return .object(members)
    }

    /// `SHA-256("pacspace:delta:v1" ‖ 0x00 ‖ JCS(content))`.
    public func contentHash() -> Hash { sequenced().contentHash(sequenceNumber: sequenceNumber) }

    /// This content's hash under any sequence number: `sequenceNumber` sorts last among
    /// the members, so JCS(content) is always `<prefix><sequence number>}` (this
    /// content's own `sequenceNumber` is ignored). The writer prepares deltas before it
    /// knows their sequence numbers.
    ///
    /// The canonical JSON is written member by member in JCS order, with the metadata's
    /// canonical text as it is: nothing is canonicalised twice. Known-answer and property
    /// tests pin it to ``JSONWriter/canonical(_:)`` of ``json``.
    public func sequenced() -> SequencedContent {
        var out = Self.domain
        out.reserveCapacity(256 + (metadata?.text.utf8.count ?? 0))
        // Keys in UTF-16 order: adjusts, createdAt, customerId, delta, metadata, reason,
        // recordId, referenceId, sequenceNumber.
        out.append(UInt8(ascii: "{"))
        if let adjusts {
            out += Array(#""adjusts":{"referenceId":"#.utf8)
            JSONWriter.appendString(adjusts, to: &out)
            out += Array("},".utf8)
        }
        out += Array(#""createdAt":"#.utf8)
        JSONWriter.appendString(Timestamp.iso8601(millis: createdAt), to: &out)
        out += Array(#","customerId":"#.utf8)
        JSONWriter.appendString(customerID, to: &out)
        out += Array(#","delta":"#.utf8)
        JSONWriter.appendString(delta.description, to: &out)
        if let metadata {
            out += Array(#","metadata":"#.utf8)
            out += Array(metadata.text.utf8)
        }
        out += Array(#","reason":"#.utf8)
        JSONWriter.appendString(reason, to: &out)
        out += Array(#","recordId":"#.utf8)
        JSONWriter.appendString(recordID, to: &out)
        if let referenceID {
            out += Array(#","referenceId":"#.utf8)
            JSONWriter.appendString(referenceID, to: &out)
        }
        out += Array(#","sequenceNumber":"#.utf8)
        return SequencedContent(prefix: out)
    }
}

/// A delta's content hash as a function of its sequence number (``DeltaContent/sequenced()``).
public struct SequencedContent: Sendable {
    /// Domain and canonical JSON up to the sequence number's digits.
    let prefix: [UInt8]

    /// The content hash when the delta has sequence number `sequenceNumber`.
    public func contentHash(sequenceNumber: Int64) -> Hash {
        // JCS writes numbers as ECMAScript doubles do: digits as they are up to 2^53.
        let digits = sequenceNumber.magnitude <= 1 << 53 ? String(sequenceNumber) : ECMAScriptNumber.format(Double(sequenceNumber))
        return Hash.sha256(prefix + Array(digits.utf8) + [UInt8(ascii: "}")])
    }
}
