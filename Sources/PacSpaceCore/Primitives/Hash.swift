import Crypto

/// A SHA-256 hash: a leaf hash, an interior node, a tree root or a content hash.
public struct Hash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 32 raw bytes; returns nil for any other length.
    public init?(bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        guard array.count == 32 else { return nil }
        self.bytes = array
    }

    init(digest: SHA256.Digest) {
        self.bytes = Array(digest)
    }

    /// 32 bytes the caller built as such (a Keccak-256 digest, a seal word).
    init(composed bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// An HMAC-SHA256 code: 32 bytes by construction.
    init(mac: HashedAuthenticationCode<SHA256>) {
        self.bytes = Array(mac)
    }

    /// SHA-256 of `data`.
    public static func sha256(_ data: some Sequence<UInt8>) -> Hash {
        var hasher = SHA256()
        hasher.update(data: Array(data))
        return Hash(digest: hasher.finalize())
    }

    /// Lowercase hex with the `0x` prefix, as hashes travel in the API.
    public var prefixedHex: String { "0x" + Hex.encode(bytes) }

    /// Standard base64, as hashes appear in checkpoints and receipts.
    public var base64: String { Base64.encode(bytes) }

    /// Parses `0x`-prefixed lowercase or uppercase hex of 32 bytes.
    public init?(prefixedHex text: String) {
        guard text.hasPrefix("0x"), let raw = Hex.decode(String(text.dropFirst(2))) else { return nil }
        self.init(bytes: raw)
    }

    /// Parses standard base64 of 32 bytes.
    public init?(base64 text: String) {
        guard let raw = Base64.decode(text) else { return nil }
        self.init(bytes: raw)
    }

    public var description: String { prefixedHex }
}

/// Lowercase hexadecimal encoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the lowercase hex of `bytes` to `out`.
    public static func append(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
    }

    /// Decodes hex (either case); nil on odd length or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = value(chars[index]), let low = value(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
