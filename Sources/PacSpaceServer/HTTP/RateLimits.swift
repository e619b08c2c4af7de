/// The rate limits a server applies (README, "Accounts and sessions"), each a
/// ``RateLimiter/Policy`` read from `PACSPACE_RATE_LIMIT_<NAME>` as `count/unit[,burst]`.
public struct RateLimits: Sendable {
    /// Balance API requests per API key (`…_KEY`): 100/s, bursts of 200 — ten batch
    /// requests a second already carry 10,000 deltas, past what the sequencer verifies.
    var apiKey = RateLimiter.Policy(burst: 200, intervalMillis: 10)
    /// Failed authentications (an unknown or revoked key, a wrong password) per client
    /// address (`…_AUTH_FAILURES`): 30 a minute. A client with a working key never meets it.
    var authFailures = RateLimiter.Policy(burst: 30, intervalMillis: 2_000)
    /// Requests to each `/dashboard/auth/*` route per client address (`…_AUTH_ROUTES`):
    /// 30 at once, then one a second — more than a person, less than a script.
    var authRoutes = RateLimiter.Policy(burst: 30, intervalMillis: 1_000)
    /// Failed logins per email and client address (`…_LOGIN`): 10, then one every 90 s
    /// (40 an hour). Keyed by both, so a stranger elsewhere cannot lock the owner out;
    /// successful logins do not count.
    var login = RateLimiter.Policy(burst: 10, intervalMillis: 90_000)
    /// Mails of one kind (verification, reset) per recipient (`…_MAIL`): one every 5 minutes.
    /// Past it the request still answers 200 (no enumeration) and no mail leaves.
    var mail = RateLimiter.Policy(burst: 1, intervalMillis: 300_000)
    /// Requests to each page route (`/verify/…`, `/receipt/…`, `/app/…`) per client address
    /// (`…_PAGES`): 60 at once, then ten a second — a person clicking never meets it; a
    /// script walking ids or loading a 10,000-record period page in a loop does.
    var pages = RateLimiter.Policy(burst: 60, intervalMillis: 100)
    /// Wrong access codes of Shared Record links (`…_LINK_CODE`), per link and per client
    /// address: 10, then one every 90 s (40 an hour). A six-character code has 31^6 ≈ 887
    /// million values; at 40 guesses an hour, finding one takes about 1,270 years on average.
    var linkCode = RateLimiter.Policy(burst: 10, intervalMillis: 90_000)
    /// Access codes tried on one Shared Record link from every address together
    /// (`…_LINK_GUESSES`): 60, then one every 6 s. The per-address limits above keep any one
    /// client from locking a link's readers out; this caps a guesser with many addresses at
    /// 600 codes an hour (about 84 years to find one on average), while a reader who meets a
    /// flood waits seconds, not hours (docs/records.md, "Shared Record links").
    var linkGuesses = RateLimiter.Policy(burst: 60, intervalMillis: 6_000)

    public init() {}

    /// Reads `PACSPACE_RATE_LIMIT_KEY`, `…_AUTH_FAILURES`, `…_AUTH_ROUTES`, `…_LOGIN`, `…_MAIL`, `…_PAGES`, `…_LINK_CODE`,
    /// `…_LINK_GUESSES`.
    mutating func apply(environment: [String: String]) throws {
        let names: [(String, WritableKeyPath<RateLimits, RateLimiter.Policy>)] = [
            ("KEY", \.apiKey), ("AUTH_FAILURES", \.authFailures), ("AUTH_ROUTES", \.authRoutes), ("LOGIN", \.login), ("MAIL", \.mail),
            ("PAGES", \.pages), ("LINK_CODE", \.linkCode), ("LINK_GUESSES", \.linkGuesses),
        ]
        for (name, path) in names {
            guard let value = environment["PACSPACE_RATE_LIMIT_" + name] else { continue }
            guard let policy = RateLimiter.Policy(parsing: value) else {
                throw ConfigurationError("PACSPACE_RATE_LIMIT_\(name) must be count/unit[,burst] with unit s, min or h (e.g. 100/s,200)")
            }
            self[keyPath: path] = policy
        }
    }
}
