/// The fields of a delta that its content hash commits to (verification.md, "Delta
/// content hash"), as the emit answer returns them.
public struct DeltaContent: Sendable, Equatable {
    public let recordID: String
    public let customerID: String
    public let sequenceNumber: Int64
    public let delta: Amount
    public let reason: String
    public let referenceID: String?
    /// Any JSON object, or nil when absent.
    public let metadata: JSONValue?
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
        metadata: JSONValue?,
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
        if let metadata { members.append(("metadata", metadata)) }
        if let adjusts { members.append(("adjusts", ["referenceId": .string(adjusts)])) }
        members.append(("createdAt", .string(Timestamp.iso8601(millis: createdAt))))
        return .object(members)
    }

    /// `SHA-256("pacspace:delta:v1" ‖ 0x00 ‖ JCS(content))`.
    public func contentHash() throws(JCSError) -> Hash {
        Hash.sha256(Self.domain + (try JSONWriter.canonical(json)))
    }

    /// This content's hash under any sequence number, with the canonical JSON written
    /// once: `sequenceNumber` sorts last among the members, so JCS(content) is always
    /// `<prefix><sequence number>}` (this content's own `sequenceNumber` is ignored).
    /// The writer prepares deltas before it knows their sequence numbers.
    public func sequenced() throws(JCSError) -> SequencedContent {
        let canonical = try JSONWriter.canonical(json)
        let ending = Array(#""sequenceNumber":\#(sequenceNumber)}"#.utf8)
        precondition(
            canonical.count > ending.count && Array(canonical.suffix(ending.count)) == ending,
            "sequenceNumber must be the last member in canonical order"
        )
        let sequenceKey = Array(#""sequenceNumber":"#.utf8)
        return SequencedContent(prefix: Self.domain + canonical.dropLast(ending.count) + sequenceKey)
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

/// The data of log leaves (verification.md, "Log entries"): JCS bytes of a small object.
public enum LogEntry {
    /// `{"type":"delta","v":1,"receiptId":…,"contentHash":…}` in canonical form: the
    /// members in JCS order, written directly (the sequencer writes one per delta; the
    /// known-answer test pins it to ``JSONWriter/canonical(_:)``).
    public static func delta(receiptID: String, contentHash: Hash) -> [UInt8] {
        var out = Array(#"{"contentHash":"0x"#.utf8)
        out.reserveCapacity(160)
        Hex.append(contentHash.bytes, to: &out)
        out += Array(#"","receiptId":"#.utf8)
        JSONWriter.appendString(receiptID, to: &out)
        out += Array(#","type":"delta","v":1}"#.utf8)
        return out
    }
}
