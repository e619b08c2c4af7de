/// A delta as a request asks for it, validated (docs/api.md §5): what the writer
/// stores once it has given it ids, an acceptance time and a sequence number.
public struct DeltaSubmission: Sendable, Equatable {
    public let customerID: String
    public let amount: Amount
    public let reason: String
    public let referenceID: String?
    public let metadata: CanonicalJSON?
    /// The `referenceId` of the delta this one adjusts.
    public let adjusts: String?

    public init(customerID: String, amount: Amount, reason: String, referenceID: String?, metadata: CanonicalJSON?, adjusts: String?) {
        self.customerID = customerID
        self.amount = amount
        self.reason = reason
        self.referenceID = referenceID
        self.metadata = metadata
        self.adjusts = adjusts
    }

    /// Whether `record` holds this content: a repeat of its referenceId is then a
    /// duplicate (the original answers), otherwise a conflict.
    public func sameContent(as record: DeltaRecord) -> Bool {
        record.amount == amount && record.reason == reason && record.metadata == metadata && record.adjusts == adjusts
    }
}

/// What storing one submission did.
public enum IngestOutcome: Sendable, Equatable {
    /// Stored, QUEUED.
    case queued(DeltaRecord)
    /// Its referenceId exists with the same content: the original record, nothing stored.
    case duplicate(DeltaRecord)
    /// Its referenceId exists with different content: nothing stored.
    case referenceConflict(String)
    /// `adjusts` names no delta of the customer: nothing stored.
    case unknownAdjusts(String)
    /// The tenant's available credits cannot cover the request: nothing of it stored.
    case insufficientCredits
    /// The delta would take a running total (the customer's, or the whole environment's)
    /// past ±``Amount/maxTotal``: nothing stored.
    case totalOutOfRange(TotalScope)

    /// Whose running total a delta would take out of range.
    public enum TotalScope: String, Sendable, Equatable {
        case customer
        case environment
    }
}
