import ServiceLifecycle

/// When a background service looks for work: when asked (``wake()``: new work was just
/// written), and, from the first wake-up on, every ``pollInterval`` too — for work left
/// by a failed query, by another server sharing the database, or falling due later.
///
/// The first wake-up is the application's, once migrations ran, so nothing polls a
/// database that is not ready yet.
struct Wakeups: Sendable {
    let pollInterval: Duration
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(pollInterval: Duration) {
        self.pollInterval = pollInterval
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a round now; wake-ups while a round runs fold into one more round.
    func wake() { continuation.yield() }

    /// Ends ``run(_:)`` after the round in progress (graceful shutdown).
    func finish() { continuation.finish() }

    /// The wake-ups themselves, for a service that starts work of its own on each
    /// (with ``poll()`` started after the first).
    var signals: AsyncStream<Void> { stream }

    /// Wakes every ``pollInterval`` until cancelled.
    func poll() async {
        while (try? await Task.sleep(for: pollInterval)) != nil { continuation.yield() }
    }

    /// Runs `round` on every wake-up until the application shuts down gracefully: a
    /// service's whole `run()`, for one whose rounds are all alike.
    func runUntilShutdown(_ round: @escaping @Sendable () async -> Void) async {
        await withGracefulShutdownHandler {
            await run(round)
        } onGracefulShutdown: {
            finish()
        }
    }

    /// Runs `round` on every wake-up until ``finish()``.
    func run(_ round: @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in
            var polling = false
            for await _ in stream {
                if !polling {
                    polling = true
                    group.addTask { await poll() }
                }
                await round()
            }
            group.cancelAll()
        }
    }
}
