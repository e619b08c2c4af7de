import Foundation
import NIOCore
import PacSpaceCore

/// A webhook URL, checked: `http` or `https`, a host, no credentials or fragment, at
/// most 2048 characters. Which addresses it may reach is the ``OutboundPolicy``'s call.
struct WebhookTarget: Sendable, Equatable {
    let url: String
    let secure: Bool
    /// The host as written (IPv6 without brackets), lowercased.
    let host: String
    let port: Int
    /// Path and query, at least `/`.
    let target: String

    static let maxLength = 2048
    static let hostCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.:".unicodeScalars)

    /// Parses `text`; the error says what to fix.
    init(_ text: String) throws(APIError) {
        let invalid = { (problem: String, message: String) in APIError.invalid("url", problem, message) }
        guard text.count <= Self.maxLength else { throw invalid("too_long", "url must be at most \(Self.maxLength) characters.") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw invalid("format", "url must not contain spaces or control characters.")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw invalid("format", "url must be an absolute http:// or https:// URL.")
        }
        guard scheme == "http" || scheme == "https" else { throw invalid("scheme", "url must use http or https, not \(scheme).") }
        guard let rawHost = components.host, !rawHost.isEmpty else { throw invalid("format", "url must name a host.") }
        guard components.user == nil, components.password == nil else {
            throw invalid("credentials", "url must not carry a user name or password; authenticate with the signature.")
        }
        guard components.fragment == nil else { throw invalid("format", "url must not have a #fragment.") }
        if let port = components.port, !(1...65535).contains(port) { throw invalid("format", "url has an invalid port.") }
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // After percent-decoding: a host name's letters, digits, `-`, `_` and `.`, or an IPv6
        // literal's. `%00` decoded to NUL once made deliveries unrecordable on PostgreSQL.
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ Self.hostCharacters.contains($0) }) else {
            throw invalid("format", "url's host may hold only letters, digits, '-', '_', '.' (or an IPv6 address in brackets).")
        }
        self.url = text
        self.secure = scheme == "https"
        self.host = host
        self.port = components.port ?? (secure ? 443 : 80)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
    }

    /// The `Host` header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }
}

/// Which destinations outbound requests may reach (SSRF guard, docs/api.md §7): public
/// addresses, plus the hosts and addresses an operator lists in
/// `PACSPACE_WEBHOOK_ALLOWED_HOSTS`. Checked when a URL is saved (literal addresses and
/// `localhost`) and again on every delivery against what the name resolves to then; the
/// connection goes to the address that was checked, so a name cannot be re-pointed
/// between check and use.
struct OutboundPolicy: Sendable {
    let allowedHosts: Set<String>

    /// Refuses, at save time, a URL whose host is plainly internal.
    func check(_ target: WebhookTarget) throws(APIError) {
        guard !allowedHosts.contains(target.host) else { return }
        if let bytes = NetworkAddress.parse(target.host), !NetworkAddress.isPublic(bytes) {
            throw APIError.invalid(
                "url",
                "private_address",
                "url points at a loopback, private or link-local address (\(target.host)); webhooks go to public addresses only."
            )
        }
        if target.host == "localhost" || target.host.hasSuffix(".localhost") || target.host.hasSuffix(".local") || target.host.hasSuffix(".internal")
        {
            throw APIError.invalid(
                "url",
                "private_address",
                "url points at an internal host name (\(target.host)); webhooks go to public addresses only."
            )
        }
    }

    /// True when a connection to `address` (resolved from `target`) is allowed.
    func permits(_ target: WebhookTarget, address: SocketAddress) -> Bool {
        if allowedHosts.contains(target.host) { return true }
        guard let bytes = address.addressBytes else { return false }
        if let text = address.ipAddress, allowedHosts.contains(text.lowercased()) { return true }
        return NetworkAddress.isPublic(bytes)
    }
}

extension SocketAddress {
    /// The raw 4 or 16 address bytes of an IP address.
    var addressBytes: [UInt8]? {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .v6(let address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}
