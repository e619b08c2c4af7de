import Foundation
import Logging
import NIOPosix
import PacSpaceCore

/// Everything the server reads from flags and environment variables, with defaults
/// that run out of the box (README, "Configuration").
public struct ServerConfiguration: Sendable {
    /// How verification and reset mails leave the server.
    public enum MailTransport: Sendable, Equatable {
        /// Write the message to the log and to `<data dir>/outbox/`.
        case log
        /// Pipe an RFC 5322 message to a sendmail-compatible program.
        case sendmail(path: String)
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    /// `postgres://…`; nil means SQLite at `<data dir>/pacspace.sqlite`.
    public var databaseURL: String?
    /// Base of links in mails, and the host part of new log origins.
    public var publicURL = "http://localhost:8080"
    /// The master key ring, current key first, each 32 bytes (``KeySealer``): from
    /// `PACSPACE_MASTER_KEY` and `PACSPACE_MASTER_KEY_RETIRED`, else from
    /// `<data dir>/master.key` (one hex key per line), generated there if absent.
    public var masterKeys: [[UInt8]] = []
    /// The HS256 keys of access tokens, current first, each ≥ 32 bytes: from
    /// `PACSPACE_JWT_SECRET` and `PACSPACE_JWT_SECRET_RETIRED`, else from `<data dir>/jwt.key`.
    public var jwtSecrets: [[UInt8]] = []
    public var mailTransport = MailTransport.log
    /// Whether `PACSPACE_MAIL_TRANSPORT` was set: the `log` default is for loopback only.
    public var mailTransportChosen = false
    public var bcryptCost = 12
    /// The threads bcrypt runs on; nil: half the cores, shared by every server of the
    /// process (``Passwords/threads``). A pool of its own isolates one server's hashing.
    public var passwordThreads: NIOThreadPool?
    /// Access token lifetime, seconds.
    public var accessTokenSeconds: Int64 = 15 * 60
    /// Refresh token lifetime, seconds.
    public var refreshTokenSeconds: Int64 = 30 * 24 * 3600
    /// Rate limits (`PACSPACE_RATE_LIMIT_*`).
    public var rateLimits = RateLimits()
    /// Proxies whose `X-Forwarded-For` names the client (`PACSPACE_TRUSTED_PROXIES`, CIDRs
    /// separated by commas). Empty: the peer is the client and the header is ignored.
    public var trustedProxies: [NetworkRange] = []
    /// Browser origins allowed to call the API (`PACSPACE_CORS_ORIGINS`, exact
    /// `scheme://host[:port]` values separated by commas). Empty: none.
    public var corsOrigins: Set<String> = []
    /// Origins whose pages may frame the public verification pages
    /// (`PACSPACE_EMBED_ORIGINS`, as ``corsOrigins``). Empty: no page of ours is framed.
    public var embedOrigins: Set<String> = []
    /// The bearer token `/metrics` asks for (`PACSPACE_METRICS_TOKEN`, at least 16
    /// characters); unset, `/metrics` answers 404.
    public var metricsToken: String?
    /// Days an Idempotency-Key's answer is kept (`PACSPACE_IDEMPOTENCY_DAYS`; docs/api.md asks ≥ 30).
    public var idempotencyDays = 30
    /// The shortest time between two sequencer batches of one environment (`SEQUENCER_INTERVAL`, ms).
    public var sequencerInterval: Duration = .milliseconds(200)
    /// How often the environments that moved are published into the server log
    /// (`PACSPACE_PUBLISH_INTERVAL`, ms; docs/witnesses.md): one server-log checkpoint, and so
    /// one request per witness, per interval at most.
    public var publishInterval: Duration = .seconds(2)
    /// The witnesses asked to cosign the server log, and the quorum that makes a checkpoint
    /// witnessed (`PACSPACE_WITNESS_POLICY`: a c2sp.org/tlog-policy file; docs/witnesses.md).
    public var witnessPolicy: WitnessPolicy?
    /// The most witnesses with a URL a policy may name: each one's cosignature rides in
    /// every witnessed receipt.
    public static let maxAskedWitnesses = 32
    /// Credits one production (mainnet) delta costs (`PACSPACE_CREDITS_PER_DELTA`).
    public var creditsPerDelta = Amount(micros: 1_000_000)
    /// Credits granted to each new tenant at registration (`PACSPACE_FREE_CREDITS`).
    public var freeCredits = Amount.zero
    /// `credits.low` is announced when a production write takes the available credits
    /// below this (`PACSPACE_CREDITS_LOW_THRESHOLD`).
    public var creditsLowThreshold = Amount(micros: 100_000_000)
    /// Webhook retries: backoff base and cap, and how long a delivery is retried (and an
    /// endpoint may fail straight before it is disabled); docs/api.md §7 asks for ≥ 3 days.
    /// `PACSPACE_WEBHOOK_BACKOFF_MS` (`base` or `base,cap`), `PACSPACE_WEBHOOK_RETRY_WINDOW` (seconds).
    public var webhookSchedule = RetrySchedule.standard
    /// Hosts or addresses webhooks may reach although they are loopback or private
    /// (`PACSPACE_WEBHOOK_ALLOWED_HOSTS`, comma-separated). Empty: public addresses only.
    public var webhookAllowedHosts: Set<String> = []
    /// The widest scope window a request may ask for, in days (`PACSPACE_MAX_SCOPE_DAYS`).
    public var maxScopeDays = 366
    /// PostgreSQL pool size (stack-notes: size it explicitly).
    public var postgresConnections = 8
    /// QUEUED entries an environment may hold before its writes answer 503 with
    /// Retry-After (`PACSPACE_MAX_BACKLOG`). 100,000 is about 17 s of the sequencer's
    /// measured 5.7–6k deltas/s: the VERIFIED latency a client can be made to wait.
    public var maxBacklog: Int64 = 100_000
    /// An HTTP connection with no request part for this long is closed, and so is one
    /// whose request head does not arrive in time (`PACSPACE_HTTP_IDLE_TIMEOUT`, seconds).
    public var httpIdleTimeout: Duration = .seconds(30)
    /// The longest time a request may take to arrive whole, head to last body byte
    /// (`PACSPACE_HTTP_REQUEST_TIMEOUT`, seconds): a body trickled byte by byte cannot hold
    /// a connection longer.
    public var httpRequestTimeout: Duration = .seconds(60)
    /// Open connections accepted at once (`PACSPACE_MAX_CONNECTIONS`); past it new ones wait
    /// in the kernel's backlog. Default: 4,096, or less to stay 128 below the process's
    /// open-file limit (`ulimit -n`), which the database and log files share.
    public var maxConnections = ServerConfiguration.defaultMaxConnections()
    /// Open connections one client address may hold (`PACSPACE_MAX_CONNECTIONS_PER_ADDRESS`);
    /// nil: an eighth of ``maxConnections``, at least 16 (PeerConnections).
    public var maxConnectionsPerAddress: Int?
    /// Milliseconds since the epoch; injected so tests control time.
    public var now: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public init() {}

    /// Reads `PACSPACE_*`, `DATABASE_URL` and `PUBLIC_URL` from `environment`.
    public mutating func apply(environment: [String: String]) throws {
        if let value = environment["PACSPACE_HOST"] { host = value }
        if let value = environment["PACSPACE_PORT"] {
            guard let port = Int(value), (0...65535).contains(port) else { throw ConfigurationError("PACSPACE_PORT must be a port number") }
            self.port = port
        }
        if let value = environment["PACSPACE_DATA_DIR"] { dataDirectory = value }
        if let value = environment["DATABASE_URL"], !value.isEmpty { databaseURL = value }
        if let value = environment["PUBLIC_URL"] { publicURL = value }
        if let value = environment["PACSPACE_MASTER_KEY"] {
            masterKeys = [try Self.key(value, name: "PACSPACE_MASTER_KEY", exactly: 32)]
            // Retired keys open values sealed before a rotation (hex and base64 hold no commas).
            for retired in (environment["PACSPACE_MASTER_KEY_RETIRED"] ?? "").split(separator: ",") {
                masterKeys.append(try Self.key(retired.trimmingCharacters(in: .whitespaces), name: "PACSPACE_MASTER_KEY_RETIRED", exactly: 32))
            }
        } else if environment["PACSPACE_MASTER_KEY_RETIRED"] != nil {
            throw ConfigurationError("PACSPACE_MASTER_KEY_RETIRED needs PACSPACE_MASTER_KEY (the current key)")
        }
        if let value = environment["PACSPACE_JWT_SECRET"] {
            jwtSecrets = [try Self.jwtSecret(value, name: "PACSPACE_JWT_SECRET")]
            // One retired secret: its tokens live at most the access-token lifetime.
            if let retired = environment["PACSPACE_JWT_SECRET_RETIRED"] {
                jwtSecrets.append(try Self.jwtSecret(retired, name: "PACSPACE_JWT_SECRET_RETIRED"))
            }
        } else if environment["PACSPACE_JWT_SECRET_RETIRED"] != nil {
            throw ConfigurationError("PACSPACE_JWT_SECRET_RETIRED needs PACSPACE_JWT_SECRET (the current secret)")
        }
        if let value = environment["PACSPACE_MAIL_TRANSPORT"] {
            mailTransportChosen = true
            switch value {
            case "log": mailTransport = .log
            case "sendmail": mailTransport = .sendmail(path: environment["PACSPACE_SENDMAIL_PATH"] ?? "/usr/sbin/sendmail")
            default: throw ConfigurationError("PACSPACE_MAIL_TRANSPORT must be log or sendmail")
            }
        }
        try rateLimits.apply(environment: environment)
        if let value = environment["PACSPACE_TRUSTED_PROXIES"] {
            trustedProxies = try value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
                guard let range = NetworkRange(parsing: $0) else {
                    throw ConfigurationError("PACSPACE_TRUSTED_PROXIES must be addresses or CIDR ranges separated by commas, not \($0)")
                }
                return range
            }
        }
        if let value = environment["PACSPACE_CORS_ORIGINS"] { corsOrigins = try Self.origins(value, name: "PACSPACE_CORS_ORIGINS") }
        if let value = environment["PACSPACE_EMBED_ORIGINS"] { embedOrigins = try Self.origins(value, name: "PACSPACE_EMBED_ORIGINS") }
        if let value = environment["PACSPACE_METRICS_TOKEN"] {
            guard value.utf8.count >= 16, value.utf8.count <= 256, value.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
                throw ConfigurationError("PACSPACE_METRICS_TOKEN must be 16 to 256 visible ASCII characters")
            }
            metricsToken = value
        }
        if let value = environment["PACSPACE_IDEMPOTENCY_DAYS"] {
            guard let days = Int(value), (30...3650).contains(days) else { throw ConfigurationError("PACSPACE_IDEMPOTENCY_DAYS must be 30...3650") }
            idempotencyDays = days
        }
        if let value = environment["SEQUENCER_INTERVAL"] {
            guard let millis = Int(value), (1...60_000).contains(millis) else {
                throw ConfigurationError("SEQUENCER_INTERVAL must be 1...60000 (milliseconds)")
            }
            sequencerInterval = .milliseconds(millis)
        }
        if let value = environment["PACSPACE_PUBLISH_INTERVAL"] {
            guard let millis = Int(value), (50...3_600_000).contains(millis) else {
                throw ConfigurationError("PACSPACE_PUBLISH_INTERVAL must be 50...3600000 (milliseconds)")
            }
            publishInterval = .milliseconds(millis)
        }
        if let path = environment["PACSPACE_WITNESS_POLICY"], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("PACSPACE_WITNESS_POLICY names \(path), which cannot be read")
            }
            do { witnessPolicy = try WitnessPolicy(parsing: String(decoding: data, as: UTF8.self)) } catch {
                throw ConfigurationError("PACSPACE_WITNESS_POLICY \(path): \(error)")
            }
            // A receipt carries the cosignatures of every witness asked: 32 keep a witnessed
            // receipt within 8 KiB (RouteBudget.witnessChain), and no quorum needs more.
            guard (witnessPolicy?.witnesses.filter { $0.url != nil }.count ?? 0) <= Self.maxAskedWitnesses else {
                throw ConfigurationError("PACSPACE_WITNESS_POLICY \(path): at most \(Self.maxAskedWitnesses) witnesses with a URL")
            }
            for witness in witnessPolicy?.witnesses ?? [] {
                guard let url = witness.url else { continue }
                do { _ = try WebhookTarget(url) } catch {
                    throw ConfigurationError("PACSPACE_WITNESS_POLICY \(path): witness \(witness.name)'s URL \(url) is not an http(s) URL")
                }
            }
        }
        if let value = environment["PACSPACE_CREDITS_PER_DELTA"] {
            // Bounded so that a batch's cost (1,000 deltas) and a sequencer batch's (10,000) fit 64 bits.
            guard let cost = try? Amount(parsing: value), cost >= .zero, cost.micros <= 1_000_000 * 1_000_000 else {
                throw ConfigurationError("PACSPACE_CREDITS_PER_DELTA must be a number from 0 to 1000000")
            }
            creditsPerDelta = cost
        }
        if let value = environment["PACSPACE_FREE_CREDITS"] {
            guard let grant = try? Amount(parsing: value), grant >= .zero else {
                throw ConfigurationError("PACSPACE_FREE_CREDITS must be a number ≥ 0")
            }
            freeCredits = grant
        }
        if let value = environment["PACSPACE_MAX_SCOPE_DAYS"] {
            guard let days = Int(value), (1...36_600).contains(days) else { throw ConfigurationError("PACSPACE_MAX_SCOPE_DAYS must be 1...36600") }
            maxScopeDays = days
        }
        if let value = environment["PACSPACE_CREDITS_LOW_THRESHOLD"] {
            guard let threshold = try? Amount(parsing: value), threshold >= .zero else {
                throw ConfigurationError("PACSPACE_CREDITS_LOW_THRESHOLD must be a number ≥ 0")
            }
            creditsLowThreshold = threshold
        }
        if let value = environment["PACSPACE_WEBHOOK_BACKOFF_MS"] {
            let parts = value.split(separator: ",").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(parts.count), let base = parts[0], (1...86_400_000).contains(base),
                let cap = parts.count == 2 ? parts[1] : max(base, RetrySchedule.standard.cap), cap >= base
            else {
                throw ConfigurationError("PACSPACE_WEBHOOK_BACKOFF_MS must be base or base,cap in milliseconds (1...86400000, cap ≥ base)")
            }
            webhookSchedule = RetrySchedule(base: base, cap: cap, window: webhookSchedule.window)
        }
        if let value = environment["PACSPACE_WEBHOOK_RETRY_WINDOW"] {
            guard let seconds = Int64(value), (1...30 * 86_400).contains(seconds) else {
                throw ConfigurationError("PACSPACE_WEBHOOK_RETRY_WINDOW must be 1...2592000 (seconds)")
            }
            webhookSchedule = RetrySchedule(base: webhookSchedule.base, cap: webhookSchedule.cap, window: seconds * 1000)
        }
        if let value = environment["PACSPACE_WEBHOOK_ALLOWED_HOSTS"] {
            webhookAllowedHosts = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        if let value = environment["PACSPACE_MAX_BACKLOG"] {
            guard let count = Int64(value), (1...100_000_000).contains(count) else {
                throw ConfigurationError("PACSPACE_MAX_BACKLOG must be 1...100000000 (queued entries per environment)")
            }
            maxBacklog = count
        }
        if let value = environment["PACSPACE_HTTP_IDLE_TIMEOUT"] {
            guard let seconds = Int(value), (1...3600).contains(seconds) else {
                throw ConfigurationError("PACSPACE_HTTP_IDLE_TIMEOUT must be 1...3600 (seconds)")
            }
            httpIdleTimeout = .seconds(seconds)
        }
        if let value = environment["PACSPACE_HTTP_REQUEST_TIMEOUT"] {
            guard let seconds = Int(value), (1...3600).contains(seconds) else {
                throw ConfigurationError("PACSPACE_HTTP_REQUEST_TIMEOUT must be 1...3600 (seconds)")
            }
            httpRequestTimeout = .seconds(seconds)
        }
        if let value = environment["PACSPACE_MAX_CONNECTIONS"] {
            guard let count = Int(value), (1...1_000_000).contains(count) else {
                throw ConfigurationError("PACSPACE_MAX_CONNECTIONS must be 1...1000000")
            }
            maxConnections = count
        }
        if let value = environment["PACSPACE_MAX_CONNECTIONS_PER_ADDRESS"] {
            guard let count = Int(value), (1...1_000_000).contains(count) else {
                throw ConfigurationError("PACSPACE_MAX_CONNECTIONS_PER_ADDRESS must be 1...1000000")
            }
            maxConnectionsPerAddress = count
        }
        if let value = environment["PACSPACE_BCRYPT_COST"] {
            guard let cost = Int(value), (4...31).contains(cost) else { throw ConfigurationError("PACSPACE_BCRYPT_COST must be 4...31") }
            bcryptCost = cost
        }
    }

    /// 4,096 connections, or 128 fewer than the open-file limit when that is lower.
    static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let files = UInt64(limit.rlim_cur)
        return Int(max(64, min(4096, files > 128 ? files - 128 : 64)))
    }

    /// A 32-byte key given as 64 hex digits or base64.
    static func jwtSecret(_ text: String, name: String) throws -> [UInt8] {
        guard text.utf8.count >= 32 else { throw ConfigurationError("\(name) must be at least 32 bytes") }
        return Array(text.utf8)
    }

    static func key(_ text: String, name: String, exactly count: Int) throws -> [UInt8] {
        if let bytes = Hex.decode(text), bytes.count == count { return bytes }
        if let bytes = Base64.decode(text), bytes.count == count { return bytes }
        throw ConfigurationError("\(name) must be \(count) bytes as \(count * 2) hex digits or base64")
    }

    /// The database for messages: the PostgreSQL URL without its password, or the SQLite file.
    public var databaseDescription: String {
        guard let databaseURL else { return "SQLite at \((dataDirectory as NSString).appendingPathComponent("pacspace.sqlite"))" }
        guard var url = URLComponents(string: databaseURL) else { return "PostgreSQL" }
        if url.password != nil { url.password = "***" }
        return "PostgreSQL at \(url.string ?? "?")"
    }

    /// Refuses the `log` mail transport by default when ``publicURL`` is not loopback: it
    /// keeps live reset tokens in a file, a development default that a public server must
    /// not fall into unasked (setting `PACSPACE_MAIL_TRANSPORT=log` says it is wanted).
    public func checkMailTransport() throws {
        guard case .log = mailTransport, !mailTransportChosen, !Self.isLoopback(publicURL) else { return }
        throw ConfigurationError(
            """
            PUBLIC_URL \(publicURL) is not a loopback address: set PACSPACE_MAIL_TRANSPORT=sendmail to send mail, \
            or PACSPACE_MAIL_TRANSPORT=log to write it (live tokens included) to <data dir>/outbox
            """
        )
    }

    /// A comma-separated list of exact origins (`scheme://host[:port]`).
    static func origins(_ value: String, name: String) throws -> Set<String> {
        Set(
            try value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
                guard let url = URLComponents(string: $0), ["http", "https"].contains(url.scheme), url.host?.isEmpty == false,
                    url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil,
                    $0.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ";" && $0 != "'" })
                else {
                    throw ConfigurationError("\(name) must be origins (scheme://host[:port]) separated by commas, not \($0)")
                }
                return $0
            }
        )
    }

    /// Whether `url` names this machine: `localhost`, 127.0.0.0/8 or `::1`.
    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        guard let address = NetworkAddress.parse(host) else { return false }
        return ["127.0.0.0/8", "::1"].compactMap(NetworkRange.init(parsing:)).contains { $0.contains(address) }
    }

    /// The host (and port) of ``publicURL``: the first part of new log origins.
    var originHost: String {
        guard let url = URLComponents(string: publicURL), let host = url.host, !host.isEmpty else { return "localhost" }
        return url.port.map { "\(host):\($0)" } ?? host
    }

    /// Loads `name` from the data directory, creating it (mode 0600) with `count` random
    /// bytes on first start.
    /// The key ring in its file under `directory` (``KeyRingFile``), generated with one
    /// random key when absent.
    static func secretRing(_ ring: KeyRingFile.Ring, in directory: String, logger: Logger) throws -> [[UInt8]] {
        let file = KeyRingFile(ring, in: directory)
        if let keys = try file.read() { return keys }
        let keys = [Identifier.randomBytes(file.keyBytes)]
        try file.write(keys)
        logger.warning("generated a new secret; keep this file safe and back it up", metadata: ["file": .string(file.path)])
        return keys
    }
}

/// A configuration value the server cannot start with.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
