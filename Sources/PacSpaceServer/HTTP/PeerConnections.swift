import NIOCore
import PacSpaceCore
import Synchronization

/// Open connections per client address (issue 25). The server's connection cap
/// (`PACSPACE_MAX_CONNECTIONS`) is shared by everyone, and one client holding every slot
/// left another address unanswered for 25 s; a connection past
/// `PACSPACE_MAX_CONNECTIONS_PER_ADDRESS` from one address is closed as soon as it opens.
/// A trusted proxy's connections are not counted: its clients are behind it, and the
/// request limits count them by `X-Forwarded-For`. IPv6 peers are counted by their /64, as
/// the rate limits count them.
final class PeerConnections: Sendable {
    let limit: Int
    let trusted: [NetworkRange]
    private let open = Mutex<[String: Int]>([:])

    init(limit: Int, trusted: [NetworkRange]) {
        self.limit = limit
        self.trusted = trusted
    }

    /// Counts a connection from `address`: its key, or nil when it is over the limit
    /// (nothing counted) or not counted at all (a trusted proxy, no address: "").
    func admit(_ address: String) -> String? {
        guard !address.isEmpty else { return "" }
        if let parsed = NetworkAddress.parse(address), trusted.contains(where: { $0.contains(parsed) }) { return "" }
        let key = RateLimiter.key(address: address)
        return open.withLock { open in
            let count = open[key] ?? 0
            guard count < limit else { return nil }
            open[key] = count + 1
            return key
        }
    }

    /// Uncounts a connection admitted under `key`.
    func release(_ key: String) {
        guard !key.isEmpty else { return }
        open.withLock { open in
            let left = (open[key] ?? 1) - 1
            open[key] = left > 0 ? left : nil
        }
    }

    /// Addresses with a connection open now (for tests of the bound).
    var addresses: Int { open.withLock { $0.count } }

    /// The handler each connection gets: counts it when it opens, closes it when its
    /// address is over the limit, uncounts it when it closes.
    func handler() -> Handler { Handler(connections: self) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        private let connections: PeerConnections
        private var key: String?

        init(connections: PeerConnections) { self.connections = connections }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { count(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            count(context)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            if let key { connections.release(key) }
            key = nil
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            if let key { connections.release(key) }
            key = nil
        }

        private func count(_ context: ChannelHandlerContext) {
            guard key == nil else { return }
            guard let admitted = connections.admit(context.channel.remoteAddress?.ipAddress ?? "") else {
                context.close(promise: nil)
                return
            }
            key = admitted
        }
    }
}
