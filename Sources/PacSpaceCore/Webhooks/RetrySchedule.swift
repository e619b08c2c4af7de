/// When a failed webhook delivery is tried again (docs/api.md §7): exponential backoff with
/// jitter, for at least ``window`` after the delivery was created.
///
/// After the `n`th failed attempt the nominal delay is `base · 2ⁿ⁻¹`, capped at ``cap``;
/// the actual delay is drawn uniformly from its upper half (`[d/2, d]`), so receivers
/// coming back up are not hit by every sender at once. The last attempt falls at the end
/// of the window: a delivery is given up only after an attempt at or past it failed.
public struct RetrySchedule: Sendable, Equatable {
    /// The first nominal delay, milliseconds.
    public let base: Int64
    /// The longest nominal delay, milliseconds.
    public let cap: Int64
    /// How long deliveries are retried, milliseconds from their creation.
    public let window: Int64

    /// Stripe-like defaults: 30 s doubling to 6 h, for 3 days.
    public static let standard = RetrySchedule(base: 30_000, cap: 6 * 3_600_000, window: 3 * 86_400_000)

    public init(base: Int64, cap: Int64, window: Int64) {
        precondition(base > 0 && cap >= base && window >= 0)
        self.base = base
        self.cap = cap
        self.window = window
    }

    /// The nominal delay after `failures` failed attempts (≥ 1).
    public func nominalDelay(afterFailures failures: Int) -> Int64 {
        let doublings = max(0, failures - 1)
        guard doublings < 62, base <= cap >> Int64(doublings) else { return cap }
        return base << Int64(doublings)
    }

    /// The time of the next attempt after `failures` failed attempts, the last one at
    /// `now`; nil when the delivery has been retried for the whole window.
    public func nextAttempt(
        afterFailures failures: Int,
        createdAt: Int64,
        now: Int64,
        using generator: inout some RandomNumberGenerator
    ) -> Int64? {
        let end = createdAt + window
        guard now < end else { return nil }
        let delay = nominalDelay(afterFailures: failures)
        let jittered = delay / 2 + Int64.random(in: 0...(delay - delay / 2), using: &generator)
        return min(now + jittered, end)
    }
}
