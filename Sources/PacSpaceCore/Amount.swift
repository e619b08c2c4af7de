/// A money amount: a signed count of micro-units (10⁻⁶) in 64 bits.
///
/// Amounts are parsed from JSON number text digit by digit, never through `Double`;
/// more than six decimal places is an error, never a rounding. Sums report overflow.
public struct Amount: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Decimal places kept.
    public static let scale = 6
    static let unit: Int64 = 1_000_000

    /// The value in micro-units.
    public let micros: Int64

    public init(micros: Int64) { self.micros = micros }

    public static let zero = Amount(micros: 0)

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

    /// Parses JSON number text (`-12.5`, `1e-05`, `3E+2`) exactly.
    public init(parsing text: String) throws(ParseError) {
        var chars = Substring(text)
        let negative = chars.first == "-"
        if negative { chars = chars.dropFirst() }
        var exponent = 0
        if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var expText = chars[chars.index(after: e)...]
            if expText.first == "+" { expText = expText.dropFirst() }
            guard let value = Int(expText), expText.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { throw .notANumber }
            guard abs(value) < 1000 else { throw value < 0 ? .tooPrecise : .outOfRange }
            exponent = value
            chars = chars[..<e]
        }
        let pieces = chars.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count), !pieces[0].isEmpty, pieces.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              pieces.count == 1 || !pieces[1].isEmpty else { throw .notANumber }
        var digits = Array((pieces[0] + (pieces.count == 2 ? pieces[1] : "")).utf8).map { Int64($0 - UInt8(ascii: "0")) }
        // value = digits × 10^(exponent − fraction digits); shift to micro-units.
        var shift = exponent - (pieces.count == 2 ? pieces[1].count : 0) + Self.scale
        while shift < 0 {
            guard digits.last == 0 else { throw .tooPrecise }
            digits.removeLast()
            shift += 1
        }
        while let first = digits.first, first == 0, digits.count > 1 { digits.removeFirst() }
        if digits == [0] { self.init(micros: 0); return }
        guard digits.count + shift <= 18 else { throw .outOfRange }
        var micros: Int64 = 0
        for digit in digits { micros = micros * 10 + digit }
        for _ in 0..<shift { micros *= 10 }
        self.init(micros: negative ? -micros : micros)
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

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.micros < rhs.micros }
}
