/// Fixed-window attempt counters held in memory (one server process owns its limits).
actor RateLimiter {
    private struct Window {
        var start: Int64
        var count: Int
    }

    private var windows: [String: Window] = [:]
    private let windowMillis: Int64

    init(windowSeconds: Int) {
        self.windowMillis = Int64(windowSeconds) * 1000
    }

    /// Counts one attempt for `key`; returns nil if allowed, else seconds until the window resets.
    func attempt(_ key: String, limit: Int, now: Int64) -> Int? {
        if windows.count > 100_000 { windows = windows.filter { now - $0.value.start < windowMillis } }
        var window = windows[key] ?? Window(start: now, count: 0)
        if now - window.start >= windowMillis { window = Window(start: now, count: 0) }
        window.count += 1
        windows[key] = window
        guard window.count > limit else { return nil }
        return Int((window.start + windowMillis - now + 999) / 1000)
    }
}
