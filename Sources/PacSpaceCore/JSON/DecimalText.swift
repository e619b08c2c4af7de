/// JSON number text read exactly as sign × significant digits × 10^exponent, in time
/// linear in the text, whatever it holds: a megabyte of zeros, an exponent of any length.
/// ``Amount`` and the I-JSON check (``ECMAScriptNumber/roundTrips(_:)``) both read numbers
/// through it.
struct DecimalText: Equatable {
    /// Exponents past this magnitude are held at it: beyond any double and any amount,
    /// and still far from overflow when a fraction's length (at most the text's) is added.
    static let saturation = 1_000_000_000

    let negative: Bool
    /// The significant digits (ASCII), without leading or trailing zeros; empty for zero.
    let digits: [UInt8]
    /// value = digits × 10^exponent (0 for zero).
    let exponent: Int

    /// Nil unless `text` is `-?digits(.digits)?([eE][+-]?digits)?`.
    init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let e = bytes.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? bytes.endIndex
        var exponent = 0
        if e < bytes.endIndex {
            var tail = bytes[(e + 1)...]
            let down = tail.first == UInt8(ascii: "-")
            if down || tail.first == UInt8(ascii: "+") { tail = tail.dropFirst() }
            guard !tail.isEmpty, tail.allSatisfy(isDigit) else { return nil }
            for digit in tail.drop(while: { $0 == UInt8(ascii: "0") }) {
                exponent = min(Self.saturation, exponent * 10 + Int(digit - UInt8(ascii: "0")))
            }
            if down { exponent = -exponent }
        }
        let mantissa = bytes[..<e]
        let point = mantissa.firstIndex(of: UInt8(ascii: "."))
        let whole = mantissa[..<(point ?? mantissa.endIndex)]
        let fraction = point.map { mantissa[($0 + 1)...] } ?? []
        guard !whole.isEmpty, whole.allSatisfy(isDigit), point == nil || (!fraction.isEmpty && fraction.allSatisfy(isDigit)) else { return nil }
        var significant = (Array(whole) + Array(fraction))[...].drop { $0 == UInt8(ascii: "0") }
        var trailing = 0
        while significant.last == UInt8(ascii: "0") {
            significant = significant.dropLast()
            trailing += 1
        }
        digits = Array(significant)
        self.exponent = digits.isEmpty ? 0 : exponent - fraction.count + trailing
    }

    /// The same value: zero equals zero whatever its sign.
    static func == (lhs: DecimalText, rhs: DecimalText) -> Bool {
        lhs.digits == rhs.digits && lhs.exponent == rhs.exponent && (lhs.digits.isEmpty || lhs.negative == rhs.negative)
    }
}
