import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import SQLKit
import Synchronization
import Testing

/// Where a test's server keeps its data.
enum Backend: Sendable, CustomTestStringConvertible {
    case sqlite
    /// A shared PostgreSQL database; tests stay apart by using fresh accounts.
    case postgres(String)

    /// SQLite always; PostgreSQL too when `PACSPACE_TEST_POSTGRES_URL` (or `DATABASE_URL`) is set.
    static let all: [Backend] = {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["PACSPACE_TEST_POSTGRES_URL"] ?? environment["DATABASE_URL"], !url.isEmpty else { return [.sqlite] }
        return [.sqlite, .postgres(url)]
    }()

    var testDescription: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }
}

/// Records every log line, so tests can check what the server logs (and what it must not).
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "pacspace-test") { _ in RecordingHandler(recorder: self) }
        logger.logLevel = .debug
        return logger
    }

    struct RecordingHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(
                "\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            )
        }
    }
}

/// A real server on a loopback port with its own data directory.
struct TestServer {
    static let jwtSecret = Array("test-jwt-secret-0123456789abcdef-0123".utf8)
    static let publicURL = "https://pacspace.test"
    static let masterKey = Array(repeating: UInt8(42), count: 32)

    var configuration = ServerConfiguration()
    let logs = LogRecorder()
    let backend: Backend

    init(_ backend: Backend = .sqlite, dataDirectory: String? = nil) {
        self.backend = backend
        configuration.port = 0
        configuration.dataDirectory =
            dataDirectory
            ?? Scratch.path("server")
        if case .postgres(let url) = backend { configuration.databaseURL = url }
        configuration.jwtSecrets = [Self.jwtSecret]
        configuration.masterKeys = [Self.masterKey]
        configuration.bcryptCost = 4
        configuration.publicURL = Self.publicURL
        configuration.sequencerInterval = .milliseconds(10)
    }

    /// Gives this server a PostgreSQL database of its own (SQLite servers have one
    /// already). For tests whose background work is not per tenant and whose server
    /// configuration differs from the others', such as webhook delivery: servers sharing a
    /// database deliver each other's webhooks, with their own settings.
    mutating func isolateDatabase() async throws {
        guard case .postgres(let url) = backend, var components = URLComponents(string: url) else { return }
        // Named with the time it was made: databases of runs over an hour old are dropped here.
        // Left behind, they filled the test cluster (207 after a few runs, checkpoints syncing
        // 24,044 files) until every statement stalled for seconds and the suite timed out.
        let now = Int(Date().timeIntervalSince1970)
        let name = "pacspace_t\(now)_\(UUID().uuidString.prefix(8).lowercased())"
        try await withDatabase { database in
            let stale = try await database.read { db in
                try await db.raw("SELECT datname FROM pg_database WHERE datname LIKE 'pacspace\\_t%'").all()
                    .map { try $0.decode(column: "datname", as: String.self) }
            }.filter { datname in
                datname.split(separator: "_").dropFirst().first.flatMap { Int($0.dropFirst()) }.map { now - $0 > 3_600 } ?? false
            }
            for old in stale {
                _ = try? await database.read { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: old) WITH (FORCE)").run() }
            }
            try await database.read { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        }
        components.path = "/\(name)"
        configuration.databaseURL = components.string
    }

    /// Runs `body` with the server's database opened directly (server not running).
    func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let database = try await openDatabase(configuration, logger: logs.logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await database.run()
                return nil
            }
            defer { group.cancelAll() }
            _ = try await Migrations.apply(to: database, logger: logs.logger, now: 0)
            return try await body(database)
        }
    }

    /// Starts the server, runs `body` against it over HTTP, stops it.
    func run<T: Sendable>(_ body: @Sendable (API) async throws -> T) async throws -> T {
        let built = try await buildApplication(configuration, logger: logs.logger)
        let outbox = (configuration.dataDirectory as NSString).appendingPathComponent("outbox")
        let routes = built.routes
        return try await built.application.test(.live) { client in
            guard let port = client.port else { throw TestFailure("the test server has no port") }
            let connections = Connections(port: port)
            do {
                let result = try await body(API(client: client, connections: connections, outbox: outbox, routes: routes, logs: logs))
                await connections.close()
                return result
            } catch {
                await connections.close()
                throw error
            }
        }
    }
}

/// An answer: status, headers and the parsed JSON body.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    let json: JSONValue
    /// The body as sent (a binary answer, such as a tile).
    let bytes: [UInt8]

    var data: JSONValue { json["data"] ?? .null }
    var errorCode: String? { json["error"]?["code"]?.string }
    var errorMessage: String? { json["error"]?["message"]?.string }
}

extension Reply: CustomStringConvertible {
    /// What a failed expectation prints: the status and the start of the body.
    var description: String { "\(status.code) \(text.prefix(300))" }
}

/// A verified account with a live session.
struct Account: Sendable {
    let email: String
    let password: String
    let userID: String
    let tenantID: String
    let accessToken: String
    let refreshToken: String
}

/// The HTTP client of a test, with the steps most tests share.
struct API: Sendable {
    let client: any TestClientProtocol
    /// What requests go through: a connection each while in flight.
    let connections: Connections
    let outbox: String
    /// The server's registered routes, `METHOD /path/:param`.
    let routes: [String]
    /// What the server logged, for failure messages.
    let logs: LogRecorder

    /// Sends `body` as raw text (so malformed JSON can be sent too).
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: String? = nil,
        token: String? = nil,
        contentType: String? = "application/json",
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, let contentType { headers[.contentType] = contentType }
        let response = try await connections.execute(
            TestClient.Request(path, method: method, authority: "localhost", headers: headers, body: body.map { ByteBuffer(string: $0) })
        )
        let bytes = Array((response.body ?? ByteBuffer()).readableBytesView)
        let text = String(decoding: bytes, as: UTF8.self)
        let json = (try? JSONParser.parse(Array(text.utf8))) ?? .null
        return Reply(status: response.status, headers: response.headers, text: text, json: json, bytes: bytes)
    }

    /// The token of the newest mail to `email` whose body contains `marker` (polls the outbox).
    func mailToken(to email: String, marker: String = "token=") async throws -> String {
        for _ in 0..<500 {  // up to 10 s
            if let token = try mailTokens(to: email, marker: marker).last { return token }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("no mail to \(email) containing \(marker)")
    }

    /// The tokens of every mail to `email` whose body contains `marker`, oldest first.
    func mailTokens(to email: String, marker: String) throws -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
        return files.sorted().compactMap { file in
            guard let text = try? String(contentsOfFile: "\(outbox)/\(file)", encoding: .utf8), text.contains("To: \(email)\r\n"),
                let range = text.range(of: marker)
            else { return nil }
            return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
    }

    /// Registers a new account; returns its email.
    func register(
        email: String = "user-\(UUID().uuidString.prefix(8).lowercased())@example.com",
        password: String = "correct horse battery"
    ) async throws -> Reply {
        try await call(
            .post,
            "/dashboard/auth/register",
            body: """
                {"email":"\(email)","password":"\(password)","firstName":"Ann","lastName":"Lee","companyName":"Acme GPU"}
                """
        )
    }

    /// Registers, verifies through the mailed link and logs in.
    func account(password: String = "correct horse battery") async throws -> Account {
        let email = "user-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let registered = try await register(email: email, password: password)
        #expect(registered.status == .created)
        let token = try await mailToken(to: email)
        #expect(try await call(.get, "/dashboard/auth/verify?token=\(token)").status == .ok)
        let login = try await call(.post, "/dashboard/auth/login", body: #"{"email":"\#(email)","password":"\#(password)"}"#)
        #expect(login.status == .ok)
        return Account(
            email: email,
            password: password,
            userID: login.data["user"]?["id"]?.string ?? "",
            tenantID: login.data["user"]?["tenantId"]?.string ?? "",
            accessToken: login.data["accessToken"]?.string ?? "",
            refreshToken: login.data["refreshToken"]?.string ?? ""
        )
    }

    /// Logs the account in again (e.g. after a restart); the same account with a new session.
    func login(_ account: Account) async throws -> Account {
        let login = try await call(.post, "/dashboard/auth/login", body: #"{"email":"\#(account.email)","password":"\#(account.password)"}"#)
        return Account(
            email: account.email,
            password: account.password,
            userID: account.userID,
            tenantID: account.tenantID,
            accessToken: login.data["accessToken"]?.string ?? "",
            refreshToken: login.data["refreshToken"]?.string ?? ""
        )
    }

    /// Provisions `environment` for the account and creates a key for it; returns the full key.
    func apiKey(_ account: Account, environment: String = "testnet") async throws -> String {
        _ = try await call(.post, "/dashboard/contracts/provision", body: #"{"environment":"\#(environment)"}"#, token: account.accessToken)
        _ = try await waitForEnvironment(account, environment)
        let keyEnvironment = environment == "testnet" ? "test" : "live"
        let created = try await call(.post, "/dashboard/api-keys", body: #"{"environment":"\#(keyEnvironment)"}"#, token: account.accessToken)
        guard let key = created.data["fullKey"]?.string else { throw TestFailure("no key: \(created.text)") }
        return key
    }

    /// The log origin of the account's `environment` (contracts list).
    func logOrigin(_ account: Account, environment: String = "testnet") async throws -> String {
        let contracts = try await call(.get, "/dashboard/contracts", token: account.accessToken)
        guard case .array(let items) = contracts.data,
            let origin = items.first(where: { $0["environment"]?.string == environment })?["logOrigin"]?.string
        else {
            throw TestFailure("no log origin: \(contracts.text)")
        }
        return origin
    }

    /// A Balance API call with `X-Api-Key`; `path` follows `/api/v1/balance`.
    func balance(
        _ method: HTTPRequest.Method,
        _ path: String,
        key: String,
        body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        try await keyed(method, "/api/v1/balance" + path, key: key, body: body, headers: extra)
    }

    /// A Records API call with `X-Api-Key`; `path` follows `/api/v1/records/`.
    func record(_ method: HTTPRequest.Method, _ path: String, key: String, body: String? = nil) async throws -> Reply {
        try await keyed(method, "/api/v1/records/" + path, key: key, body: body)
    }

    /// A call with `X-Api-Key`.
    func keyed(
        _ method: HTTPRequest.Method,
        _ path: String,
        key: String,
        body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        headers[HTTPField.Name("X-Api-Key") ?? .via] = key
        return try await call(method, path, body: body, headers: headers)
    }

    /// Polls a record's entry until it is committed; returns its receipt answer.
    func waitForRecordEntry(_ record: String, seq: Int, key: String, type: String = "machine-action-record") async throws -> Reply {
        let start = ContinuousClock.now
        var pause = PollingPause()
        while ContinuousClock.now - start < .seconds(10) {
            let reply = try await self.record(.get, "\(type)/\(record)/receipts/\(seq)", key: key)
            if reply.data["receipt"]?["status"]?.string == "committed" { return reply }
            try await pause.wait()
        }
        throw TestFailure("\(record) entry seq \(seq) not committed after 10 s")
    }

    /// Polls a delta until it leaves QUEUED.
    func waitForDelta(_ recordID: String, key: String, within limit: Duration = .seconds(10)) async throws -> Reply {
        let start = ContinuousClock.now
        var pause = PollingPause()
        while ContinuousClock.now - start < limit {
            let reply = try await balance(.get, "/delta/\(recordID)", key: key)
            if reply.data["status"]?.string != "QUEUED" { return reply }
            try await pause.wait()
        }
        // Why, as far as the server knows: its sequencer's halts and errors.
        let notable = logs.all.filter { !$0.hasPrefix("debug") && !$0.hasPrefix("info") && !$0.hasPrefix("trace") }.suffix(15)
        throw TestFailure("\(recordID) still QUEUED after \(limit); the server's last notable log lines:\n\(notable.joined(separator: "\n"))")
    }

    /// Polls the status route until `environment` leaves `provisioning`; returns its entry and the time taken.
    func waitForEnvironment(_ account: Account, _ environment: String) async throws -> (JSONValue, Duration) {
        let start = ContinuousClock.now
        var pause = PollingPause()
        while ContinuousClock.now - start < .seconds(10) {
            let status = try await call(.get, "/dashboard/contracts/\(account.tenantID)/status", token: account.accessToken)
            if case .array(let entries)? = status.data["environments"],
                let entry = entries.first(where: { $0["environment"]?.string == environment }),
                entry["status"]?.string != "provisioning"
            {
                return (entry, ContinuousClock.now - start)
            }
            try await pause.wait()
        }
        throw TestFailure("\(environment) still provisioning after 10 s")
    }
}

/// The wait between two polls of a server for work it does in the background: 5 ms at
/// first, doubling up to 100 ms. A fixed 5 ms made the ~30 tests waiting at once in a full
/// run on 2 cores (CI's size) send thousands of requests a second, and the sequencers they
/// waited for got too little of the CPU to finish within the tests' limits.
struct PollingPause {
    private var next: Duration = .milliseconds(5)

    mutating func wait() async throws {
        try await Task.sleep(for: next)
        next = min(next * 2, .milliseconds(100))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var keys: Set<String> {
        if case .object(let members) = self { return Set(members.map(\.0)) }
        return []
    }

    var count: Int {
        switch self {
        case .array(let items): items.count
        case .object(let members): members.count
        default: 0
        }
    }
}

/// `count` calls at once (`call` gets its index); their replies, in the order they came.
func concurrently(_ count: Int, _ call: @escaping @Sendable (Int) async throws -> Reply) async throws -> [Reply] {
    try await withThrowingTaskGroup(of: Reply.self) { group in
        for index in 0..<count { group.addTask { try await call(index) } }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}
