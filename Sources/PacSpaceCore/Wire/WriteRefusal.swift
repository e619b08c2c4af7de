/// A write the store refused, as the wire says it: the status, `error.code`,
/// `error.message`, `error.details` and the members a client acts on beside the code
/// (`recordKid`, `claimKid`: docs/records.md). This file is the one table from the write
/// refusals of deltas (``IngestOutcome``) and records (``RecordRefusal``) to their wire
/// errors; the delta answer (``IngestAnswer``) and the Records API both send them as built here.
public struct WriteRefusal: Sendable {
    public let status: Int
    public let code: ErrorCode
    public let message: String
    public var details: [JSONValue] = []
    public var extra: [(String, JSONValue)] = []

    init(status: Int, code: ErrorCode, message: String, details: [JSONValue] = [], extra: [(String, JSONValue)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.extra = extra
    }

    /// The refusal's error envelope.
    public var envelope: JSONValue {
        WireEnvelope.failure(status: status, code: code.rawValue, message: message, details: details, extra: extra)
    }
}

// MARK: Deltas

extension WriteRefusal {
    static let nothingToStore = WriteRefusal(status: 400, code: .validationError, message: "Nothing to store.")

    static let deltasInsufficientCredits = WriteRefusal(
        status: 402,
        code: .insufficientCredits,
        message: "The tenant's available credits cannot cover this production write; nothing was stored. Add credits and retry."
    )

    /// The refusal a delta's outcome is, or nil for a stored (or repeated) delta.
    public init?(_ outcome: IngestOutcome) {
        switch outcome {
        case .queued, .duplicate:
            return nil
        case .referenceConflict(let reference):
            self.init(
                status: 409,
                code: .idempotencyConflict,
                message: "referenceId \(reference) already exists for this customer with different content."
            )
        case .unknownAdjusts(let reference):
            self.init(
                status: 400,
                code: .validationError,
                message: "adjusts names referenceId \(reference), which no delta of this customer has.",
                details: [["field": "adjusts", "problem": "unknown"]]
            )
        case .insufficientCredits:
            self = .deltasInsufficientCredits
        // Past a customer's or the environment's bound. The environment's is named as such
        // (issue 25): a provider whose environment reaches it is told which total, and that
        // deltas back toward zero are still taken — the bound keeps every sum a read takes
        // inside 64 bits, so it is kept rather than widened (docs/api.md, "Amounts").
        case .totalOutOfRange(.customer):
            self.init(
                status: 422,
                code: .balanceOutOfRange,
                message: "This delta would take the customer's balance (the sum of every accepted delta) beyond ±\(Amount.maxTotal); "
                    + "nothing was stored."
            )
        case .totalOutOfRange(.environment):
            self.init(
                status: 422,
                code: .balanceOutOfRange,
                message: "This delta would take the environment's total (the sum of every delta accepted in it, over all its customers) "
                    + "beyond ±\(Amount.maxTotal), the widest total the server keeps (GET /api/v1/balance/limits: maxRunningTotal); "
                    + "nothing was stored. Deltas that bring the total back toward zero are still accepted."
            )
        }
    }
}

// MARK: Records

extension WriteRefusal {
    /// The wire error of a record append's refusal.
    public init(_ refusal: RecordRefusal) {
        switch refusal {
        case .referenceReused(let seq, nil):
            self.init(
                status: 409,
                code: .idempotencyConflict,
                message: "This referenceId already names entry \(seq + 1) of the record, with other content. Use a new referenceId for a new entry."
            )
        case .referenceReused(let seq, let claimKid?):
            self.init(
                status: 409,
                code: .idempotencyConflict,
                message: "This referenceId already names entry \(seq + 1) of the record, sealed under the key version claimKid names.",
                extra: [("claimKid", .string(claimKid))]
            )
        case .encryptionMismatch(let recordEncrypted):
            self.init(
                status: 409,
                code: .recordEncryptionMismatch,
                message: recordEncrypted
                    ? "This record is encrypted: write its entries encrypted, with the workspace secret."
                    : "This record is plaintext: write its entries in plaintext (encrypt=False), or start a new record."
            )
        case .encryptionVersionMismatch(let recordKid):
            self.init(
                status: 409,
                code: .recordEncryptionVersionMismatch,
                message: "This record's entries are sealed under another key version (recordKid); seal the entry under that version.",
                extra: [("recordKid", .string(recordKid))]
            )
        case .notAGenesisWord(let allowed):
            self.init(status: 409, code: .recordLifecycleInvalid, message: "A record's first entry is \(allowed.joined(separator: " or ")).")
        case .amendsInvalid(let why):
            self.init(status: 400, code: .recordAmendsInvalid, message: why + ".")
        case .recordFull:
            self.init(status: 409, code: .recordFull, message: "This record has as many entries as its layout can number; start a new record.")
        case .holdersUnconfirmed(let kid, let holders):
            var refusal = Self.holdersUnconfirmed(holders)
            refusal.extra.append(("kid", .string(kid)))
            self = refusal
        // 400, as the SDK expects them: it resends under the other version once, and keeps to it.
        case .recordHashVersion(expected: .v3):
            self.init(
                status: 400,
                code: .recordFormatRetired,
                message: "Record hash version 2 is retired for this record; send the entry's version 3 record hash (recordHashVersion: 3).",
                extra: [("recordHashVersion", .int(3))]
            )
        case .recordHashVersion(expected: .v2):
            self.init(
                status: 400,
                code: .recordHashVersionNotEnabled,
                message: "This record was begun under record hash version 2 and keeps to it; send the entry's version 2 record hash.",
                extra: [("recordHashVersion", .int(2))]
            )
        case .insufficientCredits:
            self.init(
                status: 402,
                code: .insufficientCredits,
                message: "A production record entry costs credits this workspace does not have available; nothing was stored."
            )
        }
    }

    /// A write under a key version its required holders have not all confirmed.
    public static func holdersUnconfirmed(_ holders: [String]) -> WriteRefusal {
        WriteRefusal(
            status: 409,
            code: .recordsHoldersUnconfirmed,
            message: "This key version waits for its required holders to confirm their wraps (holdersNeedingConfirmation); write once they have.",
            extra: [("holdersNeedingConfirmation", .array(holders.map(JSONValue.string)))]
        )
    }
}
