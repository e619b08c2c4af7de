import Hummingbird
import PacSpaceCore

/// Query-string values read with precise 400s.
struct QueryParameters {
    let request: Request

    /// A parameter's value; nil when absent. Given empty or more than once is 400 (a
    /// client that sends `?limit=` or two periods meant something): every query
    /// parameter is read through here.
    func string(_ name: String) throws -> String? {
        let values = request.uri.queryParameters.getAll(name)
        guard let value = values.first else { return nil }
        guard values.count == 1 else { throw APIError.invalid(name, "repeated", "\(name) must be given at most once.") }
        guard !value.isEmpty else { throw APIError.invalid(name, "required", "\(name) must not be empty; leave it out instead.") }
        return value
    }

    /// A parameter's value of at most `maxLength` characters; longer is 400 naming it.
    func string(_ name: String, maxLength: Int) throws -> String? {
        guard let value = try string(name) else { return nil }
        guard value.count <= maxLength else { throw APIError.invalid(name, "too_long", "\(name) must be at most \(maxLength) characters.") }
        return value
    }

    /// An optional value of a closed set, sent as its raw text.
    func choice<Value: CaseIterable & RawRepresentable>(_ name: String, of type: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = try string(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw APIError.invalid(name, "enum", "\(name) must be one of: \(Value.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }

    /// An optional integer in `range`.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalid(name, "range", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// An optional amount (at most 6 decimal places, read exactly).
    func amount(_ name: String) throws -> Amount? {
        guard let text = try string(name) else { return nil }
        guard let value = try? Amount(parsing: String(text)) else {
            throw APIError.invalid(name, "format", "\(name) must be a number with at most 6 decimal places.")
        }
        return value
    }

    /// The deepest row any list skips to (docs/api.md, "Budgets"): an OFFSET costs a scan of
    /// every row it skips, so a deeper read goes by a list's cursor (`fromSequence`,
    /// `fromSeq`) or its filters instead.
    static let maxOffset = 100_000

    /// `offset`, 0…``maxOffset``.
    func offset() throws -> Int { try integer("offset", in: 0...Self.maxOffset) ?? 0 }

    /// `limit` (1…`maxLimit`, by default `maxLimit`) and `offset`.
    func window(maxLimit: Int) throws -> (limit: Int, offset: Int) {
        (try integer("limit", in: 1...maxLimit) ?? maxLimit, try offset())
    }

    /// Dashboard list paging (docs/api.md §1): `page` from 1, `limit` 1…100, default 20, no
    /// deeper than ``maxOffset``.
    func page() throws -> (page: Int, limit: Int) {
        let limit = try integer("limit", in: 1...100) ?? 20
        return (try page("page", limit: limit), limit)
    }

    /// A page number `name` from 1 of pages of `limit` rows, no deeper than ``maxOffset``.
    func page(_ name: String, limit: Int) throws -> Int { try integer(name, in: 1...(Self.maxOffset / max(1, limit) + 1)) ?? 1 }
}
