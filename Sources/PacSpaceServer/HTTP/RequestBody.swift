import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore

/// The members of a JSON object request body, read with precise errors.
///
/// Bodies are parsed with ``JSONParser`` (strict, numbers kept as text), must be JSON
/// objects, at most ``maxBytes``, and may only carry the members the route knows:
/// an unknown member is a 400 naming it, as with Stripe.
struct RequestBody {
    /// docs/api.md §1: bodies over 1 MiB are 413 `PAYLOAD_TOO_LARGE`.
    static let maxBytes = 1 << 20

    private let members: [String: JSONValue]
    /// The body as parsed (nil for a batch item).
    private var parsed: JSONValue?

    /// SHA-256 (hex) of the body's canonical JSON: what an idempotency key is bound to,
    /// so that whitespace or member order do not make a retry "different". Computed when
    /// asked (only a request with an Idempotency-Key asks): canonical JSON and its hash were
    /// 1.5 % of the CPU of single emits that never used them (issue 28).
    var digest: String {
        guard let parsed else { return "" }
        return Hex.encode(Hash.sha256((try? JSONWriter.canonical(parsed)) ?? JSONWriter.serialize(parsed)).bytes)
    }

    /// Reads and parses the body of `request`, allowing only members named in `allowed`.
    static func decode(_ request: Request, allowed: Set<String>) async throws -> RequestBody {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, .unsupportedMediaType, "Send the body as JSON with Content-Type: application/json.")
        }
        let tooLarge = APIError(.contentTooLarge, .payloadTooLarge, "The request body is larger than \(maxBytes) bytes.")
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBytes { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, .validationError, "The request body must be a JSON object.")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw APIError(.badRequest, .validationError, "The request body is not valid JSON: \(error).")
        }
        guard case .object(let pairs) = value else {
            throw APIError(.badRequest, .validationError, "The request body must be a JSON object, not \(value.typeName).")
        }
        var body = try RequestBody(object: pairs, allowed: allowed)
        body.parsed = value
        return body
    }

    /// The members of a JSON object already parsed (a batch item), allowing only `allowed`.
    init(object pairs: [(String, JSONValue)], allowed: Set<String>) throws {
        if let unknown = pairs.first(where: { !allowed.contains($0.0) })?.0 {
            throw APIError.invalid(unknown, "unknown", "Unknown field \(unknown); allowed: \(allowed.sorted().joined(separator: ", ")).")
        }
        self.members = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    /// The raw value of a member.
    subscript(name: String) -> JSONValue? { members[name] }

    /// The whole body as one JSON object (its members' order is not kept: for canonical forms).
    var json: JSONValue { .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }

    /// Like ``decode(_:allowed:)``, but an empty body (no body at all) is nil instead of an error.
    static func decodeOptional(_ request: Request, allowed: Set<String>) async throws -> RequestBody? {
        if request.headers[.contentLength] == "0" || (request.headers[.contentLength] == nil && request.headers[.contentType] == nil) {
            return nil
        }
        return try await decode(request, allowed: allowed)
    }

    /// A required string of `1...maxLength` characters, trimmed of surrounding whitespace.
    func string(_ name: String, maxLength: Int, minLength: Int = 1) throws -> String {
        guard let value = try optionalString(name, maxLength: maxLength, minLength: minLength) else {
            throw APIError.invalid(name, "required", "\(name) is required.")
        }
        return value
    }

    /// An optional string; null counts as absent.
    func optionalString(_ name: String, maxLength: Int, minLength: Int = 1) throws -> String? {
        switch members[name] {
        case nil, .null?: return nil
        case .string(let raw)?:
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count >= minLength else {
                throw APIError.invalid(
                    name,
                    minLength <= 1 ? "required" : "too_short",
                    minLength <= 1 ? "\(name) must not be empty." : "\(name) must be at least \(minLength) characters."
                )
            }
            guard text.count <= maxLength else { throw APIError.invalid(name, "too_long", "\(name) must be at most \(maxLength) characters.") }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw APIError.invalid(name, "invalid", "\(name) must not contain control characters.")
            }
            return text
        case let other?:
            throw APIError.invalid(name, "type", "\(name) must be a string, not \(other.typeName).")
        }
    }

    /// A secret (password, token) taken exactly as sent, not trimmed.
    func secret(_ name: String, minBytes: Int = 1, maxBytes: Int) throws -> String {
        switch members[name] {
        case nil, .null?: throw APIError.invalid(name, "required", "\(name) is required.")
        case .string(let text)?:
            guard text.utf8.count >= minBytes else {
                throw APIError.invalid(
                    name,
                    "too_short",
                    minBytes <= 1 ? "\(name) must not be empty." : "\(name) must be at least \(minBytes) characters."
                )
            }
            guard text.utf8.count <= maxBytes else { throw APIError.invalid(name, "too_long", "\(name) must be at most \(maxBytes) bytes.") }
            return text
        case let other?:
            throw APIError.invalid(name, "type", "\(name) must be a string, not \(other.typeName).")
        }
    }

    /// An optional string from a fixed set of values; null counts as absent.
    func optionalChoice<Value: CaseIterable & RawRepresentable>(_ name: String, of type: Value.Type) throws -> Value?
    where Value.RawValue == String {
        switch members[name] {
        case nil, .null?: return nil
        default: return try choice(name, of: type)
        }
    }

    /// An optional amount: a JSON number with at most 6 decimal places, read exactly.
    func optionalAmount(_ name: String) throws -> Amount? {
        switch members[name] {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let amount = try? Amount(parsing: text) else {
                throw APIError.invalid(name, "precision", "\(name) must have at most 6 decimal places and fit the amount range.")
            }
            return amount
        case let other?: throw APIError.invalid(name, "type", "\(name) must be a number, not \(other.typeName).")
        }
    }

    /// An optional boolean.
    func optionalBool(_ name: String) throws -> Bool? {
        switch members[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw APIError.invalid(name, "type", "\(name) must be true or false, not \(other.typeName).")
        }
    }

    /// An optional integer in `range`.
    func optionalInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        switch members[name] {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let value = Self.integral(text), range.contains(value) else {
                throw APIError.invalid(name, "range", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
            }
            return value
        case let other?: throw APIError.invalid(name, "type", "\(name) must be an integer, not \(other.typeName).")
        }
    }

    /// The value of a JSON number that is a whole number, however written (`187`,
    /// `187.0`, `1.87e2`: JSON Schema's integers), read exactly; nil otherwise.
    static func integral(_ text: String) -> Int? {
        if let value = Int(text) { return value }
        guard text.count <= 40, let decimal = Decimal(string: text), decimal.isFinite else { return nil }
        var value = decimal
        var whole = Decimal()
        NSDecimalRound(&whole, &value, 0, .plain)
        guard whole == decimal, whole.magnitude <= Decimal(Int.max) else { return nil }
        return NSDecimalNumber(decimal: whole).intValue
    }

    /// A required value of a closed set, sent as its raw text.
    func choice<Value: CaseIterable & RawRepresentable>(_ name: String, of type: Value.Type) throws -> Value where Value.RawValue == String {
        let list = Value.allCases.map(\.rawValue).joined(separator: ", ")
        switch members[name] {
        case nil, .null?: throw APIError.invalid(name, "required", "\(name) is required; use one of: \(list).")
        case .string(let text)?:
            guard let value = Value(rawValue: text) else { throw APIError.invalid(name, "enum", "\(name) must be one of: \(list).") }
            return value
        case let other?: throw APIError.invalid(name, "type", "\(name) must be a string (one of: \(list)), not \(other.typeName).")
        }
    }

    /// A required email address, lowercased.
    func email(_ name: String = "email") throws -> String {
        let text = try string(name, maxLength: 254).lowercased()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !text.contains(where: { $0.isWhitespace })
        else {
            throw APIError.invalid(name, "format", "\(name) must be an email address like name@example.com.")
        }
        return text
    }
}
