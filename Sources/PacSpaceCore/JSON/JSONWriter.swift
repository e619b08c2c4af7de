/// Serialises ``JSONValue``: as written (API answers keep member order) or canonically
/// per RFC 8785 (JCS), which is what every hash in PacSpace is computed over.
public enum JSONWriter {
    /// Compact JSON with members in their stored order and numbers as stored.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, canonical: false, into: &out)
        return out
    }

    /// RFC 8785 canonical JSON: members sorted by UTF-16 code units, numbers in
    /// ECMAScript form, minimal string escaping. Throws for numbers outside IEEE 754 range.
    public static func canonical(_ value: JSONValue) throws(JCSError) -> [UInt8] {
        var out: [UInt8] = []
        try checkNumbers(value)
        write(value, canonical: true, into: &out)
        return out
    }

    private static func checkNumbers(_ value: JSONValue) throws(JCSError) {
        switch value {
        case .number(let text):
            guard let double = Double(text), double.isFinite else { throw JCSError(number: text) }
        case .array(let items): for item in items { try checkNumbers(item) }
        case .object(let members): for (_, member) in members { try checkNumbers(member) }
        default: break
        }
    }

    private static func write(_ value: JSONValue, canonical: Bool, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .number(let text):
            // `canonical` checked every number first (checkNumbers): the fallback is never taken.
            out += Array((canonical ? Double(text).map(ECMAScriptNumber.format) ?? text : text).utf8)
        case .string(let text): appendString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, canonical: canonical, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            let ordered = canonical ? members.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) } : members
            out.append(UInt8(ascii: "{"))
            for (index, (key, member)) in ordered.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member, canonical: canonical, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` as a JSON string literal, escaped as RFC 8785 requires (only `"`,
    /// `\\` and control characters; everything else as UTF-8): the same bytes in plain
    /// and canonical output.
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        // Runs without an escape are copied whole: byte by byte, this was a tenth of the
        // sequencer's CPU (perf, 10,000-delta batches: every node hash and leaf is a string).
        text.withUTF8 { bytes in
            var run = 0
            for (offset, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[run..<offset])
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0a: out.append(UInt8(ascii: "n"))
                case 0x0c: out.append(UInt8(ascii: "f"))
                case 0x0d: out.append(UInt8(ascii: "r"))
                default: out.append(contentsOf: Array("u00".utf8) + Array(Hex.encode([byte]).utf8))
                }
                run = offset + 1
            }
            out.append(contentsOf: bytes[run...])
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// A number JCS cannot represent (outside the IEEE 754 double range).
public struct JCSError: Error, Equatable, Sendable, CustomStringConvertible {
    public let number: String
    public var description: String { "the number \(number) is outside the range JSON canonicalisation (RFC 8785) allows" }
}

extension ECMAScriptNumber {
    /// Whether JSON number text keeps its exact value through an IEEE-754 double (I-JSON,
    /// RFC 7493 §2.2): `0.1`, `1.0`, `1e3` do; `12345678901234567891`, `1e400` and
    /// `1.00000000000000000001` do not. Linear in the text; exponents of any length.
    public static func roundTrips(_ text: String) -> Bool {
        guard let double = Double(text), double.isFinite, let exact = DecimalText(text) else { return false }
        return DecimalText(format(double)) == exact
    }
}

/// `Number.prototype.toString()` of ECMAScript (ECMA-262 §6.1.6.1.20), as RFC 8785 requires.
public enum ECMAScriptNumber {
    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        let sign = value < 0 ? "-" : ""
        // Swift's description prints the shortest round-trip digits; re-lay them out.
        let text = value.magnitude.description
        let parts = text.split(separator: "e")
        // Swift writes a finite double's exponent as a small integer (e-324…e+308).
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(mantissa[0]) + (mantissa.count == 2 ? Array(mantissa[1]) : [])
        var point = mantissa[0].count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let n = point
        let s = String(digits)
        if k <= n && n <= 21 { return sign + s + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return sign + String(digits[..<n]) + "." + String(digits[n...]) }
        if -6 < n && n <= 0 { return sign + "0." + String(repeating: "0", count: -n) + s }
        let e = n - 1
        let exp = (e < 0 ? "-" : "+") + String(e.magnitude)
        if k == 1 { return sign + s + "e" + exp }
        return sign + String(digits[0]) + "." + String(digits[1...]) + "e" + exp
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }

    /// An integer as a JSON number.
    public static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }

    /// A string, or null when absent.
    public static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}
