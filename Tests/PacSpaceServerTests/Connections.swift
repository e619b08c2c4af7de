import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization

/// Connections to a test server, one per request in flight: concurrent requests of a test
/// are concurrent on the wire too. HummingbirdTesting's `.live` client pipelines every
/// request down one connection, so a test's 80 "concurrent" emits were answered one after
/// another and the last waited out its fixed 20 s under a loaded run (CreditsTests failed
/// about 1 full run in 4 on PostgreSQL). `.ahc` would pool too but follows redirects,
/// which the page tests read.
final class Connections: Sendable {
    /// Longer than any single request should take (the server's own database deadline is
    /// 10 s): a failure here is a hang, not a slow machine.
    static let timeout = Duration.seconds(60)

    private let port: Int
    private let idle = Mutex<[TestClient]>([])
    private let all = Mutex<[TestClient]>([])

    init(port: Int) { self.port = port }

    /// Sends one request on an idle connection, or a new one. An idle connection the server
    /// has closed meanwhile (its idle timeout, 30 s: a test that sends one request at a time
    /// for longer leaves the others idle) fails the write before the request leaves, with
    /// `ioOnClosedChannel`; the request is then sent on a new connection.
    func execute(_ request: TestClient.Request) async throws -> TestClient.Response {
        if let reused = idle.withLock({ $0.popLast() }) {
            do { return try await send(request, on: reused) } catch ChannelError.ioOnClosedChannel {}
        }
        return try await send(request, on: open())
    }

    private func send(_ request: TestClient.Request, on client: TestClient) async throws -> TestClient.Response {
        do {
            let response = try await client.execute(request)
            idle.withLock { $0.append(client) }
            return response
        } catch {
            // A connection that failed is not reused (its pipeline may be out of step).
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes every connection.
    func close() async {
        for client in all.withLock({ $0 }) { try? await client.shutdown() }
    }

    private func open() -> TestClient {
        let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: Self.timeout))
        client.connect()
        all.withLock { $0.append(client) }
        return client
    }
}
