/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address.
/// IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`) are matched as the IPv4 they carry.
public struct NetworkRange: Sendable, Equatable {
    public let bytes: [UInt8]
    public let prefixLength: Int

    /// Nil when `text` is not an address with an optional `/length` in range.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = NetworkAddress.parse(String(parts[0])) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let length, (0...bytes.count * 8).contains(length), parts.count == 1 || parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        self.bytes = bytes
        self.prefixLength = length
    }

    /// Whether `address` (4 or 16 bytes) lies in the range.
    public func contains(_ address: [UInt8]) -> Bool {
        let address = NetworkRange.unmapped(address)
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address, bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            guard a & mask == b & mask else { return false }
            remaining -= bits
        }
        return true
    }

    /// The IPv4 address an IPv4-mapped IPv6 address carries; any other address as it is.
    public static func unmapped(_ address: [UInt8]) -> [UInt8] {
        guard address.count == 16, address.prefix(10).allSatisfy({ $0 == 0 }), address[10] == 0xff, address[11] == 0xff else { return address }
        return Array(address.suffix(4))
    }
}
