/// A monitor of a server log and of environment logs (docs/witnesses.md, "Following a log"):
/// reads each through its public tiles from the last checkpoint it accepted, and finds a
/// **rollback** (a log now smaller than it was, or than a checkpoint it once published), a
/// **fork** (a tree that does not extend one it signed before: a consistency proof from its
/// own tiles does not verify), a log that serves tiles or entries its signed root does not
/// commit to, and a server-log checkpoint the witness policy's quorum did not cosign.
///
/// Pure of I/O: the logs are read through ``TiledLog``; the caller keeps the state, the clock
/// and the output.
public struct LogMonitor: Sendable {
    /// A log to follow: its tiles and the key its checkpoints are signed with.
    public struct FollowedLog: Sendable {
        public let verifier: NoteVerifier
        public let tiles: TiledLog
        /// The origin, which the verifier key is named after.
        public var origin: String { verifier.name }

        public init(verifier: NoteVerifier, tiles: TiledLog) {
            self.verifier = verifier
            self.tiles = tiles
        }
    }

    /// Evidence that a log misbehaved; the run stops at the first.
    public struct Finding: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// A tree smaller than one seen before.
            case rollback = "ROLLBACK"
            /// A tree that does not extend one seen before.
            case fork = "FORK"
            /// Tiles, entries or signatures the log's own signed root does not account for.
            case invalid = "INVALID LOG"
            /// A receipt the log does not hold as it says.
            case receipt = "RECEIPT"
        }

        public let kind: Kind
        public let origin: String
        public let detail: String
        /// The signed notes that contradict each other, verbatim.
        public let evidence: [String]

        public var description: String { "\(kind.rawValue) in \(origin): \(detail)" }
    }

    /// A check that could not be made for a reason of the caller's (not the log's).
    public struct Unchecked: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// What a run found; nothing when it throws a ``Finding``.
    public struct Report: Sendable, Equatable {
        public struct LogResult: Sendable, Equatable {
            public let origin: String
            /// The size accepted before this run (nil on the first).
            public let previousSize: UInt64?
            public let size: UInt64
            /// Environments: how many of its checkpoints in the server log were checked this run.
            public let sightingsChecked: Int
            /// Environments: the largest of its sizes a quorum-cosigned server-log checkpoint holds.
            public let witnessedSize: UInt64?
        }

        public let serverLog: LogResult
        /// Server-log entries read (and checked) this run.
        public let entriesRead: UInt64
        public let witnesses: [OfflineVerification.WitnessResult]
        public let quorumMet: Bool
        public let environments: [LogResult]
        public let receipts: Int
    }

    public let serverLog: FollowedLog
    public let environments: [FollowedLog]
    public let policy: WitnessPolicy
    /// Called with a line now and then during long reads.
    public let progress: @Sendable (String) -> Void

    public init(serverLog: FollowedLog, environments: [FollowedLog], policy: WitnessPolicy, progress: @escaping @Sendable (String) -> Void) {
        self.serverLog = serverLog
        self.environments = environments
        self.policy = policy
        self.progress = progress
    }

    /// The key of `policy` that signed `note` under its own name: how a log's URL is matched
    /// to the key it must be signed with.
    public static func verifier(of note: String, among keys: [NoteVerifier]) -> NoteVerifier? {
        keys.first { key in (try? Checkpoint.open(note, verifier: key))?.origin == key.name }
    }

    /// Checks the logs against `state` and the receipts, and returns the report with the
    /// state to keep. Throws a ``Finding`` on misbehaviour, and the reader's errors when a
    /// log cannot be read.
    public func run(state: MonitorState, receipts: [ReceiptFile] = []) async throws -> (Report, MonitorState) {
        var state = state
        let scan = try await followServerLog(&state)
        var results: [Report.LogResult] = []
        for environment in environments {
            results.append(try await follow(environment, seen: scan.sightings[environment.origin] ?? [], quorumMet: scan.quorumMet, &state))
        }
        let checked = try await check(receipts, state: state)
        let report = Report(
            serverLog: scan.result,
            entriesRead: scan.entriesRead,
            witnesses: scan.witnesses,
            quorumMet: scan.quorumMet,
            environments: results,
            receipts: checked
        )
        return (report, state)
    }

    // MARK: - One log's checkpoint against the last accepted

    /// Opens the log's checkpoint and checks it extends the view held: not smaller, the same
    /// root at the same size, and a consistency proof from its own tiles otherwise.
    func advance(_ log: FollowedLog, from held: MonitorState.LogView?) async throws -> (note: String, checkpoint: Checkpoint) {
        let note = try await log.tiles.checkpointNote()
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.open(note, verifier: log.verifier) } catch {
            throw Finding(kind: .invalid, origin: log.origin, detail: "its checkpoint is not validly signed by its key: \(error)", evidence: [note])
        }
        guard checkpoint.origin == log.origin else {
            throw Finding(kind: .invalid, origin: log.origin, detail: "its checkpoint names the origin \(checkpoint.origin)", evidence: [note])
        }
        guard let held else { return (note, checkpoint) }
        guard checkpoint.size >= held.size else {
            throw Finding(
                kind: .rollback,
                origin: log.origin,
                detail: "the log now has \(checkpoint.size) entries; it had \(held.size) at the last run",
                evidence: [held.note, note]
            )
        }
        try await requireConsistency(log, from: (held.size, held.root), to: checkpoint, evidence: [held.note, note])
        return (note, checkpoint)
    }

    /// Throws a fork unless the tree of `old.size` with root `old.root` is a prefix of
    /// `checkpoint`'s tree, by a consistency proof computed from the log's tiles.
    func requireConsistency(_ log: FollowedLog, from old: (size: UInt64, root: Hash), to checkpoint: Checkpoint, evidence: [String]) async throws {
        let proof = try await Merkle.consistencyProof(oldSize: old.size, newSize: checkpoint.size, read: log.tiles.reader(size: checkpoint.size))
        guard
            Merkle.verifyConsistency(oldSize: old.size, newSize: checkpoint.size, oldRoot: old.root, newRoot: checkpoint.root, proof: proof)
        else {
            throw Finding(
                kind: .fork,
                origin: log.origin,
                detail: old.size == checkpoint.size
                    ? "two roots at size \(old.size)"
                    : "its tree of \(checkpoint.size) entries does not extend the tree of \(old.size) entries it signed before",
                evidence: evidence
            )
        }
    }
}
