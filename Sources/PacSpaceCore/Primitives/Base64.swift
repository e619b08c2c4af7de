/// Standard base64 (RFC 4648 §4) with padding, strict on decode.
///
/// Signed notes and checkpoints are byte-exact formats: a decoder that accepted
/// non-canonical text would let two different texts carry the same signature.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    /// Encodes bytes as padded standard base64.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(chunk >> UInt32(shift) & 0x3f)]) }
            index += 3
        }
        let rest = input.count - index
        if rest == 1 {
            let chunk = UInt32(input[index]) << 16
            out += [alphabet[Int(chunk >> 18 & 0x3f)], alphabet[Int(chunk >> 12 & 0x3f)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out += [alphabet[Int(chunk >> 18 & 0x3f)], alphabet[Int(chunk >> 12 & 0x3f)], alphabet[Int(chunk >> 6 & 0x3f)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes unpadded base64url (RFC 4648 §5), as the SDK writes envelopes and tags; nil
    /// unless the text is the canonical encoding of its bytes.
    public static func decodeURL(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard !bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=") }) else { return nil }
        let standard = bytes.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 }
        return decode(String(decoding: standard, as: UTF8.self) + String(repeating: "=", count: (4 - bytes.count % 4) % 4))
    }

    /// Decodes padded standard base64; nil unless the text is the canonical encoding of its bytes.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var index = 0
        while index < chars.count {
            let isLast = index + 4 == chars.count
            var values = [UInt32]()
            var padding = 0
            for offset in 0..<4 {
                let char = chars[index + offset]
                if char == UInt8(ascii: "=") {
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    values.append(0)
                } else {
                    guard padding == 0 else { return nil }
                    let value = reverse[Int(char)]
                    guard value != 0xff else { return nil }
                    values.append(UInt32(value))
                }
            }
            let chunk = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
            out.append(UInt8(chunk >> 16 & 0xff))
            if padding < 2 { out.append(UInt8(chunk >> 8 & 0xff)) }
            if padding < 1 { out.append(UInt8(chunk & 0xff)) }
            // Canonical form: the bits dropped by padding must be zero.
            if padding == 1, chunk & 0xff != 0 { return nil }
            if padding == 2, chunk & 0xffff != 0 { return nil }
            index += 4
        }
        return out
    }
}
