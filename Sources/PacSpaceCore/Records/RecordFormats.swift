/// The string formats of record content (docs/records.md, "Layouts"), checked byte by byte.
public enum RecordFormats {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLowerHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= 0x61 && byte <= 0x66) }
    static func isHex(_ byte: UInt8) -> Bool { isLowerHex(byte) || (byte >= 0x41 && byte <= 0x46) }

    /// `0x` and 64 hex digits (either case when `anyCase`).
    public static func isBytes32(_ text: String, anyCase: Bool) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 66 && bytes[0] == 0x30 && bytes[1] == 0x78 && bytes[2...].allSatisfy(anyCase ? isHex : isLowerHex)
    }

    static func matches(_ format: String, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        switch format {
        case "rfc3339-utc": return isUTCTimestamp(bytes)
        case "signed-decimal": return isSignedDecimal(bytes)
        case "iso-4217": return bytes.count == 3 && bytes.allSatisfy { $0 >= 0x41 && $0 <= 0x5a }
        case "lowercase-hyphen":
            // [a-z0-9]+(-[a-z0-9]+)*
            let words = text.split(separator: "-", omittingEmptySubsequences: false)
            return !words.isEmpty && words.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { isDigit($0) || ($0 >= 0x61 && $0 <= 0x7a) } }
        default: return true
        }
    }

    /// `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z`, the SDK's pattern (shape, not calendar).
    private static func isUTCTimestamp(_ bytes: [UInt8]) -> Bool {
        let shape = Array("dddd-dd-ddTdd:dd:dd".utf8)
        guard bytes.count >= shape.count + 1, bytes.last == UInt8(ascii: "Z") else { return false }
        for (index, expected) in shape.enumerated() {
            if expected == UInt8(ascii: "d") { guard isDigit(bytes[index]) else { return false } } else if bytes[index] != expected { return false }
        }
        let fraction = bytes[shape.count..<(bytes.count - 1)]
        guard let dot = fraction.first else { return true }
        return dot == UInt8(ascii: ".") && fraction.count > 1 && fraction.dropFirst().allSatisfy(isDigit)
    }

    /// `-?\d+(\.\d+)?`
    private static func isSignedDecimal(_ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        let parts = rest.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(isDigit) else { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty && parts[1].allSatisfy(isDigit)
    }
}
