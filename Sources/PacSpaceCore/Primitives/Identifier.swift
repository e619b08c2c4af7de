import Foundation

/// Opaque, prefixed, URL-safe identifiers: `tnt_…`, `ctr_…`, `usr_…`.
///
/// Two shapes, both with at least 96 random bits (docs/api.md):
/// - ``make(_:)``: 24 random base-36 characters (≈ 124 bits);
/// - ``makeOrdered(_:millis:)``: the time in 9 base-36 characters, then 19 random ones
///   (≈ 98 bits). Ids made later sort later, so an index on them grows at its end
///   instead of taking inserts all over (deltas' record and receipt ids, measured:
///   random ids dirty one index page per delta and per index).
public enum Identifier {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    /// Characters after the prefix of a random identifier: 24 base-36 characters ≈ 124 bits.
    public static let length = 24
    /// Time characters of an ordered identifier: 36⁹ ms reach past the year 100,000.
    static let timeLength = 9
    /// Random characters of an ordered identifier: 19 base-36 characters ≈ 98 bits.
    static let orderedRandomLength = 19

    /// A new identifier from the system's secure generator, reading randomness 8 bytes at
    /// a time: bytes below 252 (= 7 × 36) map uniformly onto the 36 characters, others
    /// are skipped.
    public static func make(_ prefix: String) -> String {
        var characters = Array(prefix.utf8) + [UInt8(ascii: "_")]
        appendRandom(length, to: &characters)
        return String(decoding: characters, as: UTF8.self)
    }

    /// A new time-ordered identifier: `millis` (Unix milliseconds, ≥ 0) in base 36,
    /// zero-padded to 9 characters, then 19 random characters.
    public static func makeOrdered(_ prefix: String, millis: Int64) -> String {
        var characters = Array(prefix.utf8) + [UInt8(ascii: "_")]
        var time = [UInt8](repeating: alphabetBytes[0], count: timeLength)
        var rest = UInt64(max(0, millis))
        for position in time.indices.reversed() {
            time[position] = alphabetBytes[Int(rest % 36)]
            rest /= 36
        }
        characters += time
        appendRandom(orderedRandomLength, to: &characters)
        return String(decoding: characters, as: UTF8.self)
    }

    private static func appendRandom(_ count: Int, to characters: inout [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let end = characters.count + count
        characters.reserveCapacity(end)
        while characters.count < end {
            var word = generator.next()
            for _ in 0..<8 where characters.count < end {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < 252 { characters.append(alphabetBytes[Int(byte % 36)]) }
            }
        }
    }

    private static let alphabetBytes = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    /// True when `text` has the shape of an identifier with `prefix`, random or ordered.
    public static func isWellFormed(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix + "_") else { return false }
        let body = text.dropFirst(prefix.count + 1)
        return (body.count == length || body.count == timeLength + orderedRandomLength) && body.allSatisfy { alphabet.contains($0) }
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
