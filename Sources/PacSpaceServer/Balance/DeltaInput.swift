import PacSpaceCore
import PacSpaceStore

/// Validation of one delta as docs/api.md §5 defines it, for `POST /delta` and each item of
/// `POST /delta/batch`. Every rule failure is a 400 naming the field.
enum DeltaInput {
    static let fields: Set<String> = ["customerId", "delta", "reason", "referenceId", "metadata", "adjusts"]
    static let maxMagnitude = Amount(micros: 1_000_000_000 * 1_000_000)
    static let maxMetadataBytes = 16 * 1024
    static let customerIDCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")

    static func submission(_ body: RequestBody) throws -> DeltaSubmission {
        DeltaSubmission(
            customerID: try customerID(body),
            amount: try amount(body),
            reason: try body.string("reason", maxLength: 500),
            referenceID: try body.optionalString("referenceId", maxLength: 255),
            metadata: try metadata(body),
            adjusts: try adjusts(body)
        )
    }

    static func customerID(_ body: RequestBody) throws -> String {
        try customerID(body.secret("customerId", maxBytes: 128))
    }

    /// A customerId given as text (a query parameter): 1 to 128 of `A-Za-z0-9_-.:`.
    static func customerID(_ text: String) throws -> String {
        guard (1...128).contains(text.utf8.count), text.allSatisfy(customerIDCharacters.contains) else {
            throw APIError.invalid("customerId", "format", "customerId may hold only letters, digits and _ - . : (1 to 128 characters).")
        }
        return text
    }

    static func amount(_ body: RequestBody) throws -> Amount {
        guard let value = body["delta"], value != .null else { throw APIError.invalid("delta", "required", "delta is required.") }
        guard case .number(let text) = value else {
            throw APIError.invalid("delta", "type", "delta must be a JSON number, not \(value.typeName).")
        }
        let amount: Amount
        do {
            amount = try Amount(parsing: text)
        } catch .tooPrecise {
            throw APIError.invalid("delta", "precision", "delta must have at most 6 decimal places.")
        } catch {
            throw APIError.invalid("delta", "range", "delta must be at most 1000000000 in absolute value.")
        }
        guard amount != .zero else { throw APIError.invalid("delta", "zero", "delta must not be zero.") }
        guard amount.micros.magnitude <= maxMagnitude.micros.magnitude else {
            throw APIError.invalid("delta", "range", "delta must be at most 1000000000 in absolute value.")
        }
        return amount
    }

    /// The metadata object with its canonical JSON (worked out here, once), at most 16 KiB.
    static func metadata(_ body: RequestBody) throws -> CanonicalJSON? {
        switch body["metadata"] {
        case nil, .null?: return nil
        case let value? where value.typeName == "object":
            if let path = inexactNumber(in: value, path: "metadata") {
                throw APIError.invalid(
                    path,
                    "number",
                    "\(path) is a number a double cannot hold exactly (I-JSON, RFC 7493); it would be stored and hashed rounded. Send it as a string."
                )
            }
            let canonical: CanonicalJSON
            do { canonical = try CanonicalJSON(value) } catch {
                throw APIError.invalid("metadata", "number", "metadata: \(error).")
            }
            guard canonical.text.utf8.count <= maxMetadataBytes else {
                throw APIError.invalid("metadata", "too_large", "metadata must be at most \(maxMetadataBytes) bytes of JSON.")
            }
            return canonical
        case let value?:
            throw APIError.invalid("metadata", "type", "metadata must be a JSON object, not \(value.typeName).")
        }
    }

    /// The path (`metadata.invoice`, `metadata.lines[2]`) of the first number in `value`
    /// that does not keep its exact value through an IEEE-754 double; nil when all do.
    /// JCS writes numbers as doubles, so such a number would be changed, not kept.
    static func inexactNumber(in value: JSONValue, path: String) -> String? {
        switch value {
        case .number(let text): return ECMAScriptNumber.roundTrips(text) ? nil : path
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = inexactNumber(in: item, path: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let members):
            for (key, member) in members {
                if let found = inexactNumber(in: member, path: "\(path).\(key)") { return found }
            }
            return nil
        case .null, .bool, .string: return nil
        }
    }

    /// `adjusts: {referenceId}` → the referenceId.
    static func adjusts(_ body: RequestBody) throws -> String? {
        switch body["adjusts"] {
        case nil, .null?: return nil
        case .object(let pairs)?:
            do {
                return try RequestBody(object: pairs, allowed: ["referenceId"]).string("referenceId", maxLength: 255)
            } catch {
                throw APIError.invalid("adjusts", "format", "adjusts must be {\"referenceId\": \"…\"} naming an earlier delta of the customer.")
            }
        case let value?:
            throw APIError.invalid("adjusts", "type", "adjusts must be an object {\"referenceId\": \"…\"}, not \(value.typeName).")
        }
    }
}
