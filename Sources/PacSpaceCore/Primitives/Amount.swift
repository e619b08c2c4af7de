/// A money amount: a signed count of micro-units (10⁻⁶) in 64 bits.
///
/// Amounts are parsed from JSON number text digit by digit, never through `Double`;
/// more than six decimal places is an error, never a rounding. Sums are taken in
/// `Int128` (see ``Amount/init(exactly:)``) or report overflow.
public struct Amount: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Decimal places kept.
    public static let scale = 6
    static let unit: Int64 = 1_000_000

    /// The widest running total the server keeps: a customer's, and an environment's,
    /// sum of every accepted delta stays within ±4,000,000,000,000 (4 × 10¹⁸ micro-units).
    ///
    /// Half the 64-bit range on purpose: the change between any two running totals (a
    /// period's net change, a window's sum) is then within ±8 × 10¹⁸ and still fits, so no
    /// read of a period can overflow once ingest keeps totals inside this bound.
    public static let maxTotal = Amount(micros: 4_000_000_000_000 * 1_000_000)

    /// The value in micro-units.
    public let micros: Int64

    public init(micros: Int64) { self.micros = micros }

    /// The amount of `micros` when it fits 64 bits, nil otherwise (a sum taken in `Int128`).
    public init?(exactly micros: Int128) {
        guard let narrow = Int64(exactly: micros) else { return nil }
        self.init(micros: narrow)
    }

    public static let zero = Amount(micros: 0)

    /// Whether the amount lies within ±``maxTotal``.
    public var isWithinTotalBound: Bool { micros.magnitude <= Self.maxTotal.micros.magnitude }

    /// Why a number is not an amount.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case notANumber
        case tooPrecise
        case outOfRange

        public var description: String {
            switch self {
            case .notANumber: "must be a number"
            case .tooPrecise: "must have at most 6 decimal places"
            case .outOfRange: "is too large"
            }
        }
    }

    /// Parses JSON number text (`-12.5`, `1e-05`, `3E+2`) exactly, in time linear in the
    /// text (a megabyte of zeros, an exponent of any length: ``DecimalText``).
    public init(parsing text: String) throws(ParseError) {
        guard let number = DecimalText(text) else { throw .notANumber }
        guard !number.digits.isEmpty else {
            self.init(micros: 0)
            return
        }
        // value = digits × 10^shift micro-units; the digits carry no trailing zeros, so a
        // negative shift is a seventh decimal place.
        let shift = number.exponent + Self.scale
        guard shift >= 0 else { throw .tooPrecise }
        // At most 18 digits: below 10¹⁸, inside Int64 with room to spare.
        guard number.digits.count + shift <= 18 else { throw .outOfRange }
        var micros: Int64 = 0
        for digit in number.digits { micros = micros * 10 + Int64(digit - UInt8(ascii: "0")) }
        for _ in 0..<shift { micros *= 10 }
        self.init(micros: number.negative ? -micros : micros)
    }

    /// Decimal text with no exponent and no trailing zeros: `12.5`, `-0.000001`, `100`.
    public var description: String {
        let magnitude = micros.magnitude
        let whole = magnitude / UInt64(Self.unit)
        var fraction = String(magnitude % UInt64(Self.unit))
        fraction = String(repeating: "0", count: Self.scale - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return (micros < 0 ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The amount as a JSON number.
    public var json: JSONValue { .number(description) }

    /// The sum, or nil on overflow.
    public func adding(_ other: Amount) -> Amount? {
        let (sum, overflow) = micros.addingReportingOverflow(other.micros)
        return overflow ? nil : Amount(micros: sum)
    }

    /// The difference, or nil on overflow.
    public func subtracting(_ other: Amount) -> Amount? {
        let (difference, overflow) = micros.subtractingReportingOverflow(other.micros)
        return overflow ? nil : Amount(micros: difference)
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.micros < rhs.micros }
}

extension Sequence where Element == Amount {
    /// The exact sum in micro-units: `Int128` cannot overflow for any count of amounts a
    /// process can hold (2⁶⁴ amounts of the largest magnitude are still below 2¹²⁷).
    public var exactSum: Int128 { reduce(0) { $0 + Int128($1.micros) } }
}
