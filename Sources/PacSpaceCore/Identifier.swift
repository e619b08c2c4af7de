import Foundation

/// Opaque, prefixed, URL-safe identifiers with 124 random bits: `tnt_…`, `ctr_…`, `usr_…`.
public enum Identifier {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    /// Characters after the prefix: 24 base-36 characters ≈ 124 bits.
    public static let length = 24

    /// A new identifier from the system's secure generator, reading randomness 8 bytes at
    /// a time: bytes below 252 (= 7 × 36) map uniformly onto the 36 characters, others
    /// are skipped.
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var characters = Array(prefix.utf8) + [UInt8(ascii: "_")]
        let end = characters.count + length
        characters.reserveCapacity(end)
        while characters.count < end {
            var word = generator.next()
            for _ in 0..<8 where characters.count < end {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < 252 { characters.append(alphabetBytes[Int(byte % 36)]) }
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }

    private static let alphabetBytes = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// True when `text` has the shape of an identifier with `prefix`.
    public static func isWellFormed(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix + "_") else { return false }
        let body = text.dropFirst(prefix.count + 1)
        return body.count == length && body.allSatisfy { alphabet.contains($0) }
    }

    /// `count` bytes from the system's secure generator (tokens, keys, secrets).
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }

    /// A URL-safe random token (base64url without padding) of `bytes` random bytes.
    public static func token(bytes: Int = 32) -> String {
        Base64.encode(randomBytes(bytes))
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
