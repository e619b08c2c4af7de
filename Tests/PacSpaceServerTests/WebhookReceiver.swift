import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore
import Synchronization

/// A real local HTTP receiver for webhook deliveries: records every POST to `/hook` and
/// answers with the status set by the test.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let headers: HTTPFields
        let body: [UInt8]
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
        var eventID: String { headers[HTTPField.Name("X-Event-ID") ?? .via] ?? "" }
        var event: String { headers[HTTPField.Name("X-Webhook-Event") ?? .via] ?? "" }
        var signature: String { headers[HTTPField.Name("X-PacSpace-Signature") ?? .via] ?? "" }
        var timestamp: Int64 { Int64(headers[HTTPField.Name("X-PacSpace-Timestamp") ?? .via] ?? "") ?? 0 }

        /// True when the signature header verifies under `secret`.
        func verifies(_ secret: String) -> Bool {
            WebhookSignature.verify(header: signature, secret: secret, timestamp: timestamp, body: body)
        }
    }

    private let state = Mutex<(status: HTTPResponse.Status, deliveries: [Delivery])>((.ok, []))

    /// What the receiver answers from now on.
    func answer(_ status: HTTPResponse.Status) { state.withLock { $0.status = status } }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// Waits until a delivery satisfies `match` (up to 15 s).
    func wait(for what: String, _ match: @Sendable (Delivery) -> Bool) async throws -> Delivery {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(15) {
            if let found = deliveries.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("the receiver got no \(what); it got \(deliveries.map(\.event))")
    }

    /// Runs the receiver on a free loopback port while `body` runs with its URL.
    func run<T: Sendable>(_ body: @Sendable (_ url: String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return self.state.withLock {
                $0.deliveries.append(Delivery(headers: request.headers, body: Array(bytes.readableBytesView)))
                return Response(status: $0.status)
            }
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("the receiver did not start") }
            return try await body("http://127.0.0.1:\(port)/hook")
        }
    }
}
