import PacSpaceCore
import SQLKit

/// A sum of money that does not fit what the API can state: a read whose result lies
/// outside the 64-bit micro-unit range. Answered 422, never a trap or a 500.
public struct AmountOutOfRange: Error, Sendable, CustomStringConvertible {
    /// What could not be represented, for the answer's message.
    public let what: String

    public init(_ what: String) { self.what = what }

    public var description: String { "\(what) lies outside the range an amount can state (±9,223,372,036,854.775807)" }
}

/// Sums of a micro-unit column taken in the database without overflow on either engine.
///
/// SQLite's `SUM` fails with "integer overflow" past Int64 (and `+` silently turns into a
/// REAL); PostgreSQL's returns `numeric`, which no longer fits a BIGINT. Summing whole
/// units and the sub-unit remainders apart keeps both parts small for any realistic row
/// count (10⁹ rows of the largest delta give a whole part of 10¹⁸), and the two are
/// joined exactly in `Int128`.
enum ExactSum {
    /// The select-list terms for `column`, named `<name>_whole` and `<name>_part`.
    static func terms(_ column: String = "amount", as name: String) -> SQLQueryString {
        """
        CAST(COALESCE(SUM(\(unsafeRaw: column) / 1000000), 0) AS BIGINT) AS \(unsafeRaw: name)_whole, \
        CAST(COALESCE(SUM(\(unsafeRaw: column) % 1000000), 0) AS BIGINT) AS \(unsafeRaw: name)_part
        """
    }

    /// The exact sum in micro-units.
    static func decode(_ row: any SQLRow, _ name: String) throws -> Int128 {
        let whole = try row.decode(column: "\(name)_whole", as: Int64.self)
        let part = try row.decode(column: "\(name)_part", as: Int64.self)
        return Int128(whole) * 1_000_000 + Int128(part)
    }

    /// The exact sum as an amount, or ``AmountOutOfRange`` naming `what`.
    static func amount(_ row: any SQLRow, _ name: String, what: String) throws -> Amount {
        guard let amount = Amount(exactly: try decode(row, name)) else { throw AmountOutOfRange(what) }
        return amount
    }
}
