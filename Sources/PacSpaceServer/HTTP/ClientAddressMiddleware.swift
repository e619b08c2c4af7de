import Foundation
import HTTPTypes
import Hummingbird
import PacSpaceCore

/// Who sent the request, for rate limits and the sessions list: the peer, unless the peer
/// is a trusted proxy (`PACSPACE_TRUSTED_PROXIES`); then the nearest address named in
/// `X-Forwarded-For` that is not one of ours. Without trusted proxies the header is
/// ignored: anyone can write it, and a limit keyed by it would be no limit.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trusted: [NetworkRange]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.clientAddress = Self.client(peer: context.remoteIP, forwardedFor: request.headers[values: .forwardedFor], trusted: trusted)
        return try await next(request, context)
    }

    /// Walks `X-Forwarded-For` from the right (each proxy appends the address it saw) while
    /// the hops are trusted; the first untrusted hop is the client. A hop that is not an
    /// address ends the walk at the last trusted one.
    static func client(peer: String, forwardedFor: [String], trusted: [NetworkRange]) -> String {
        func isTrusted(_ text: String) -> Bool { NetworkAddress.parse(text).map { address in trusted.contains { $0.contains(address) } } ?? false }
        guard isTrusted(peer) else { return peer }
        var client = peer
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard NetworkAddress.parse(hop) != nil else { break }
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }
}
