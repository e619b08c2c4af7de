import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PacSpaceCore
import PacSpaceStore
import Synchronization

/// Asks a host outside — a webhook delivery, an add-checkpoint request to a witness, a
/// monitor's read of a log's tiles:
/// resolves the host, keeps only the addresses the ``OutboundPolicy`` permits, connects to
/// the first that answers, sends the request and reads the answer (its status, content type
/// and up to `answerLimit` bytes of its body). One connection per request (`Connection:
/// close`); redirects are not followed. Connecting may take ``connectTimeout``, the answer's
/// status line ``firstByteTimeout`` from then, the whole exchange ``timeout``: a receiver
/// that accepts and never answers holds a slot for seconds, not for the whole budget.
struct OutboundClient: Sendable {
    let policy: OutboundPolicy
    /// docs/api.md §7: 10 s.
    let timeout: Duration
    let connectTimeout: Duration
    let firstByteTimeout: Duration
    private let tls: NIOSSLContext?

    init(
        policy: OutboundPolicy,
        timeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(3),
        firstByteTimeout: Duration = .seconds(5)
    ) {
        self.policy = policy
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.firstByteTimeout = firstByteTimeout
        self.tls = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// What came back: the status (nil when no answer came: refused, timeout, blocked), the
    /// answer's content type and body (at most the limit asked), or why it failed.
    struct Exchange: Sendable {
        let status: Int?
        let contentType: String?
        let body: [UInt8]
        let latencyMillis: Int64
        let error: String?

        /// A webhook delivery attempt's outcome.
        var attempt: AttemptOutcome { AttemptOutcome(statusCode: status, latencyMillis: latencyMillis, error: error) }
    }

    /// The request's parts besides the target and the body.
    struct Head: Sendable {
        /// POST (with a body of `contentType`) or GET (no body).
        var method: HTTPMethod = .POST
        var contentType = "application/octet-stream"
        let userAgent: String
        var headers: [(String, String)] = []
        /// The most bytes of the answer's body kept (0: none are).
        var answerLimit = 0
    }

    /// Sends the request (`body` only with POST); never throws: every failure is an outcome.
    func send(_ target: WebhookTarget, _ head: Head, body: [UInt8] = []) async -> Exchange {
        let started = ContinuousClock.now
        func outcome(_ answer: Answer?, _ error: String?) -> Exchange {
            let elapsed = ContinuousClock.now - started
            let millis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            return Exchange(status: answer?.status, contentType: answer?.contentType, body: answer?.body ?? [], latencyMillis: millis, error: error)
        }
        let addresses: [SocketAddress]
        do {
            addresses = try await Self.resolve(target.host, port: target.port)
        } catch {
            return outcome(nil, "cannot resolve \(target.host): \(error)")
        }
        let permitted = addresses.filter { policy.permits(target, address: $0) }
        guard !permitted.isEmpty else {
            return outcome(
                nil,
                "refused: \(target.host) resolves only to loopback, private or link-local addresses (not in PACSPACE_WEBHOOK_ALLOWED_HOSTS)"
            )
        }
        if target.secure && tls == nil { return outcome(nil, "TLS is not available on this server") }
        var lastError = "no address answered"
        for address in permitted {
            do {
                let answer = try await exchange(target, address: address, head: head, body: body)
                return outcome(answer, (200..<300).contains(answer.status) ? nil : "HTTP \(answer.status)")
            } catch let error as DeliveryTimeout {
                return outcome(nil, error.description)
            } catch {
                lastError = Self.describe(error)
            }
        }
        return outcome(nil, lastError)
    }

    /// An answer as read.
    private struct Answer: Sendable {
        var status: Int
        var contentType: String?
        var body: [UInt8] = []
    }

    /// Whether any part of the answer arrived (set by the reader, read by the timer).
    private final class AnswerSeen: Sendable {
        private let flag = Mutex(false)
        var seen: Bool { flag.withLock { $0 } }
        func mark() { flag.withLock { $0 = true } }
    }

    private struct DeliveryTimeout: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout.components.seconds) s" }
    }

    private func exchange(_ target: WebhookTarget, address: SocketAddress, head: Head, body: [UInt8]) async throws -> Answer {
        let tls = target.secure ? self.tls : nil
        let sniName = NetworkAddress.parse(target.host) == nil ? target.host : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(connectTimeout))
            .connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: sniName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let posting = head.method != .GET
        var requestHead = HTTPRequestHead(version: .http1_1, method: head.method, uri: target.target)
        requestHead.headers.add(name: "Host", value: target.hostHeader)
        if posting {
            requestHead.headers.add(name: "Content-Type", value: head.contentType)
            requestHead.headers.add(name: "Content-Length", value: String(body.count))
        }
        requestHead.headers.add(name: "User-Agent", value: head.userAgent)
        requestHead.headers.add(name: "Connection", value: "close")
        for (name, value) in head.headers { requestHead.headers.add(name: name, value: value) }
        let request = requestHead
        let limit = head.answerLimit
        let timeout = self.timeout
        let firstByteTimeout = self.firstByteTimeout
        let answered = AnswerSeen()
        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(.head(request))
                    if posting { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    var answer: Answer?
                    for try await part in inbound {
                        answered.mark()
                        switch part {
                        case .head(let response) where response.status.code >= 200 || answer != nil:
                            answer = Answer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"))
                        case .head: continue  // 1xx interim answers
                        case .body(let buffer):
                            let room = max(0, limit - (answer?.body.count ?? 0))
                            if room > 0 { answer?.body += buffer.readableBytesView.prefix(room) }
                        case .end: return answer
                        }
                    }
                    return answer
                }
            }
            group.addTask {
                try await Task.sleep(for: firstByteTimeout)
                if !answered.seen {
                    channel.channel.close(promise: nil)
                    throw DeliveryTimeout(timeout: firstByteTimeout)
                }
                try await Task.sleep(for: timeout - firstByteTimeout)
                channel.channel.close(promise: nil)
                throw DeliveryTimeout(timeout: timeout)
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() ?? nil else { throw ChannelError.eof }
            return answer
        }
    }

    /// Every address of `host` (a literal is its own), via `getaddrinfo` off the event loops.
    static func resolve(_ host: String, port: Int) async throws -> [SocketAddress] {
        if NetworkAddress.parse(host) != nil { return [try SocketAddress(ipAddress: host, port: port)] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0 else { throw ResolveError(message: String(cString: gai_strerror(status))) }
            defer { freeaddrinfo(list) }
            var addresses: [SocketAddress] = []
            var next = list
            while let info = next?.pointee {
                if let pointer = info.ai_addr {
                    switch Int32(info.ai_family) {
                    case AF_INET:
                        addresses.append(pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                    case AF_INET6:
                        addresses.append(pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: host) })
                    default: break
                    }
                }
                next = info.ai_next
            }
            return addresses
        }
    }

    struct ResolveError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// A short sentence for the delivery log.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return "cannot connect: \(first.error)"
        }
        if let error = error as? IOError { return "connection failed: \(error.description)" }
        if error is ChannelError { return "the connection closed before an answer" }
        return String(String(describing: error).prefix(300))
    }
}
