import Foundation
import PacSpaceCore
import Synchronization

/// Rate limits held in memory (one server process owns its limits): one bucket per key,
/// kept as the generic cell rate algorithm keeps it — a single instant per key, when the
/// bucket is next full — so a key costs one entry and a check is a subtraction.
///
/// Memory is bounded: past ``capacity`` keys, those whose bucket is full again are
/// dropped (they hold no information), then, if an attacker with many addresses still
/// fills it, the half closest to full.
///
/// A bucket belongs to one ``Limit`` and one subject (a key id, an address…); refusals
/// are reported to `refused` by limit (the `rate_limited_total` metric).
final class RateLimiter: Sendable {
    /// What a bucket limits: the closed set of limits (README, "Accounts and sessions").
    enum Limit: String, Sendable, CaseIterable {
        /// Balance API requests per API key.
        case key
        /// Failed authentications (keys, passwords, the metrics token) per client address.
        case authFailure = "auth-failure"
        /// Requests per `/dashboard/auth/*` route and client address.
        case route
        /// Failed logins per email and client address.
        case login
        /// Wrong current passwords per user (change of password).
        case password
        /// Mails of one kind per recipient.
        case mail
        /// Webhook test events and manual retries per tenant.
        case webhookTest = "webhook-test"
        /// Access codes tried per Shared Record link and client address.
        case linkCode = "link-code"
        /// Access codes tried per Shared Record link, from every address together.
        case linkGuesses = "link-guesses"
        /// Wrong access codes per client address, over every link.
        case linkAddress = "link-address"
    }

    /// `burst` requests at once, then one every `intervalMicros`. Kept in microseconds so a
    /// rate past 1,000/s is honoured as written: at millisecond resolution `5000/s` became
    /// one a millisecond, 1,000/s (issue 28).
    struct Policy: Sendable, Equatable, CustomStringConvertible {
        let burst: Int
        let intervalMicros: Int64

        init(burst: Int, intervalMicros: Int64) {
            self.burst = max(1, burst)
            self.intervalMicros = max(1, intervalMicros)
        }

        init(burst: Int, intervalMillis: Int64) {
            self.init(burst: burst, intervalMicros: min(intervalMillis, Int64.max / 1000) * 1000)
        }

        /// `"100/s"`, `"30/min"` or `"40/h"`, optionally with a burst: `"100/s,200"` (the
        /// burst defaults to the count). Nil when malformed or out of range.
        init?(parsing text: String) {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let rate = parts[0].split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), rate.count == 2, let count = Int(rate[0]), (1...1_000_000).contains(count),
                let unit = ["s": Int64(1_000_000), "min": 60_000_000, "h": 3_600_000_000][String(rate[1])]
            else { return nil }
            let burst = parts.count == 2 ? Int(parts[1]) : count
            guard let burst, (1...1_000_000).contains(burst) else { return nil }
            self.init(burst: burst, intervalMicros: unit / Int64(count))
        }

        var description: String { "\(burst) at once, then one every \(intervalMicros) µs" }
    }

    let capacity: Int
    private let full = Mutex<[String: Int64]>([:])
    private let refused: @Sendable (Limit) -> Void

    init(capacity: Int = 200_000, refused: @escaping @Sendable (Limit) -> Void = { _ in }) {
        self.capacity = capacity
        self.refused = refused
    }

    /// Counts a request of `subject` against `limit` at `nowMillis`: nil when allowed, else
    /// the whole seconds to wait. Buckets keep microseconds.
    func take(_ limit: Limit, _ subject: String, _ policy: Policy, now nowMillis: Int64) -> Int? {
        let key = limit.rawValue + ":" + subject
        let now = Self.micros(nowMillis)
        let wait = full.withLock { buckets -> Int? in
            let start = max(buckets[key] ?? now, now)
            if let wait = Self.wait(start, policy, now) { return wait }
            if buckets[key] == nil, buckets.count >= capacity { Self.shed(&buckets, now: now, keep: capacity / 2) }
            buckets[key] = start + policy.intervalMicros
            return nil
        }
        if wait != nil { refused(limit) }
        return wait
    }

    /// One bucket of a ``takeAll(_:now:)``.
    struct Charge: Sendable {
        let limit: Limit
        let subject: String
        let policy: Policy
    }

    /// Takes a token from every bucket of `charges`, or from none: nil when all allow it,
    /// else the longest wait. For an attempt before slow work (a password or code check):
    /// each request holds its token while it waits for the check, so requests sent at once
    /// cannot all pass a count that only their failures would raise (issue 25: 60 code
    /// checks instead of 10, 30 password guesses instead of 10). ``giveBack(_:now:)``
    /// returns the tokens of an attempt that succeeded.
    func takeAll(_ charges: [Charge], now nowMillis: Int64) -> Int? {
        let now = Self.micros(nowMillis)
        let refusal = full.withLock { buckets -> (Limit, Int)? in
            var longest: (Limit, Int)?
            for charge in charges {
                let start = max(buckets[charge.limit.rawValue + ":" + charge.subject] ?? now, now)
                if let wait = Self.wait(start, charge.policy, now), wait > longest?.1 ?? 0 { longest = (charge.limit, wait) }
            }
            if longest != nil { return longest }
            for charge in charges {
                let key = charge.limit.rawValue + ":" + charge.subject
                let start = max(buckets[key] ?? now, now)
                if buckets[key] == nil, buckets.count >= capacity { Self.shed(&buckets, now: now, keep: capacity / 2) }
                buckets[key] = start + charge.policy.intervalMicros
            }
            return nil
        }
        guard let refusal else { return nil }
        refused(refusal.0)
        return refusal.1
    }

    /// Returns the tokens ``takeAll(_:now:)`` took for an attempt that succeeded: only
    /// failures count against these limits.
    func giveBack(_ charges: [Charge], now nowMillis: Int64) {
        let now = Self.micros(nowMillis)
        full.withLock { buckets in
            for charge in charges {
                let key = charge.limit.rawValue + ":" + charge.subject
                guard let next = buckets[key] else { continue }
                let back = next - charge.policy.intervalMicros
                buckets[key] = back > now ? back : nil
            }
        }
    }

    /// Whether a request of `subject` would be refused now (seconds to wait), without counting it.
    func wait(_ limit: Limit, _ subject: String, _ policy: Policy, now nowMillis: Int64) -> Int? {
        let key = limit.rawValue + ":" + subject
        let now = Self.micros(nowMillis)
        let wait = full.withLock { buckets in Self.wait(max(buckets[key] ?? now, now), policy, now) }
        if wait != nil { refused(limit) }
        return wait
    }

    /// The limit key of a client address: IPv4 as it is, IPv6 by its /64 (one host is
    /// given a whole /64 and would otherwise hold 2⁶⁴ keys).
    static func key(address: String) -> String {
        guard let bytes = NetworkAddress.parse(address).map(NetworkRange.unmapped), bytes.count == 16 else { return address }
        return Hex.encode(Array(bytes.prefix(8))) + "::/64"
    }

    /// Keys tracked now (for tests of the bound).
    var count: Int { full.withLock { $0.count } }

    /// Milliseconds (the server's clock) as the buckets' microseconds; saturating, so a
    /// clock far in the future cannot trap.
    private static func micros(_ millis: Int64) -> Int64 {
        let (value, overflow) = millis.multipliedReportingOverflow(by: 1000)
        return overflow ? (millis < 0 ? .min / 2 : .max / 2) : value
    }

    private static func wait(_ start: Int64, _ policy: Policy, _ now: Int64) -> Int? {
        // At most 3.6e9 µs × 1e6: within Int64.
        let tolerance = policy.intervalMicros * Int64(policy.burst - 1)
        guard start - now > tolerance else { return nil }
        return Int((start - tolerance - now + 999_999) / 1_000_000)
    }

    private static func shed(_ buckets: inout [String: Int64], now: Int64, keep: Int) {
        buckets = buckets.filter { $0.value > now }
        guard buckets.count > keep else { return }
        // The furthest from full stay: they are the ones limiting someone.
        buckets = Dictionary(uniqueKeysWithValues: buckets.sorted { $0.value > $1.value }.prefix(keep).map { ($0.key, $0.value) })
    }
}
