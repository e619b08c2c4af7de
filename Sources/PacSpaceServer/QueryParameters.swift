import Hummingbird
import PacSpaceCore

/// Query-string values read with precise 400s.
struct QueryParameters {
    let request: Request

    /// An optional integer in `range`; nil when absent. Given empty, given twice, or
    /// not an integer in range is 400: a client that sends `?limit=` meant something.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        let values = request.uri.queryParameters.getAll(name)
        guard !values.isEmpty else { return nil }
        guard values.count == 1, let value = Int(values[0]), range.contains(value) else {
            throw APIError.invalid(name, "range", "\(name) must be given once, as an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// An optional amount (at most 6 decimal places, read exactly).
    func amount(_ name: String) throws -> Amount? {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return nil }
        guard let value = try? Amount(parsing: String(text)) else {
            throw APIError.invalid(name, "format", "\(name) must be a number with at most 6 decimal places.")
        }
        return value
    }

    /// Dashboard list paging (api.md §1): `page` from 1, `limit` 1…100, default 20.
    func page() throws -> (page: Int, limit: Int) {
        (try integer("page", in: 1...1_000_000) ?? 1, try integer("limit", in: 1...100) ?? 20)
    }
}
