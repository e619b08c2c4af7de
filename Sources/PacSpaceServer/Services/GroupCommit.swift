import Logging

/// What a ``GroupCommit`` writer commits: requests prepared as they arrive, written many to
/// a transaction, each answered on its own.
protocol GroupCommitted: Sendable {
    associatedtype Request: Sendable
    associatedtype Item: Sendable
    associatedtype Answer: Sendable

    /// What kind of write, for the log ("deltas", "record entries").
    static var name: String { get }
    /// The most weight one transaction carries.
    static var maxGroupWeight: Int { get }

    /// The request made ready to write, on the writer as it arrives: what depends on the
    /// order of writing (an acceptance time) is fixed here.
    func prepare(_ request: Request, acceptedAt: Int64) -> Item
    /// How much of a transaction's weight an item takes.
    func weight(of item: Item) -> Int
    /// Writes `group` in one transaction; one answer per item, in order. Throws when the
    /// transaction failed (then nothing of the group is confirmed).
    func commit(_ group: [Item], now: Int64) async throws -> [Answer]
    /// The environment an item writes to, and how many log entries its answer queued.
    func queued(_ item: Item, _ answer: Answer) -> (environmentID: String, count: Int)
    /// Told after each transaction: its weight, how long it took, whether it failed.
    func measured(weight: Int, duration: Duration, failed: Bool)
}

/// The one writer of a kind of entry (docs/architecture.md, "The write path"): requests that
/// arrive while a transaction is being written wait and are written together in the next
/// one, so one fsync acknowledges many (group commit). Nothing is answered before its
/// transaction has committed. Deltas (``DeltaCommits``) and record entries
/// (``RecordCommits``) are written by one each.
actor GroupCommit<Target: GroupCommitted> {
    private let target: Target
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let committed: @Sendable ([String: Int]) -> Void
    private var waiting: [(Target.Item, CheckedContinuation<Target.Answer, any Error>)] = []
    private var writing = false

    /// `committed` is called after every commit with the entries queued per environment
    /// (it counts the backlog and wakes the sequencer).
    init(
        _ target: Target,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        committed: @escaping @Sendable ([String: Int]) -> Void
    ) {
        self.target = target
        self.logger = logger
        self.now = now
        self.committed = committed
    }

    /// Stores the request durably; its answer once committed.
    ///
    /// The request is prepared here, on the actor while the previous group's transaction
    /// runs: acceptance times follow the order in which requests are written.
    func submit(_ request: Target.Request) async throws -> Target.Answer {
        let item = target.prepare(request, acceptedAt: now())
        return try await withCheckedThrowingContinuation { continuation in
            waiting.append((item, continuation))
            if !writing {
                writing = true
                Task { await self.writeGroups() }
            }
        }
    }

    private func writeGroups() async {
        while !waiting.isEmpty {
            var weight = 0
            var take = 0
            while take < waiting.count && (take == 0 || weight + target.weight(of: waiting[take].0) <= Target.maxGroupWeight) {
                weight += target.weight(of: waiting[take].0)
                take += 1
            }
            let group = Array(waiting.prefix(take))
            waiting.removeFirst(take)
            let started = ContinuousClock.now
            do {
                let answers = try await target.commit(group.map(\.0), now: now())
                target.measured(weight: weight, duration: .now - started, failed: false)
                var queued: [String: Int] = [:]
                for (entry, answer) in zip(group, answers) {
                    let (environmentID, count) = target.queued(entry.0, answer)
                    if count > 0 { queued[environmentID, default: 0] += count }
                }
                committed(queued)
                for (entry, answer) in zip(group, answers) { entry.1.resume(returning: answer) }
            } catch {
                target.measured(weight: weight, duration: .now - started, failed: true)
                // Every request of the group answers 503: not confirmed (rolled back, or on PostgreSQL
                // possibly committed when the connection died during COMMIT). The cause is for the operator.
                logger.error(
                    "write transaction failed; its requests answer 503",
                    metadata: [
                        "kind": .string(Target.name), "requests": .stringConvertible(group.count), "weight": .stringConvertible(weight),
                        "error": .string("\(error)"),
                    ]
                )
                for entry in group { entry.1.resume(throwing: error) }
            }
        }
        writing = false
    }
}
