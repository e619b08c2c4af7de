import PacSpaceCore

/// A witness's state in memory, in front of its directory: the logs it follows, the view of
/// each, and its key. One request at a time: the check against a log's view and the durable
/// store of the new view are one step (c2sp.org/tlog-witness: otherwise a slower request
/// for a smaller size could roll a log back), and the answer leaves only after the store.
actor WitnessLedger {
    /// An answer: status, content type, body.
    struct Answer: Sendable, Equatable {
        let status: Int
        let contentType: String
        let body: String
        var retryAfter: Int?
    }

    let directory: WitnessDirectory
    let signer: Cosignature.Signer
    private let logs: [String: [NoteVerifier]]
    private var views: [String: WitnessDirectory.StoredView]

    init(directory: WitnessDirectory) throws {
        self.directory = directory
        signer = try directory.signer()
        logs = try directory.logs()
        views = try directory.views()
    }

    /// The origins followed.
    var origins: [String] { logs.keys.sorted() }

    /// Judges an add-checkpoint body at `now` (POSIX seconds) and, to cosign, stores the new
    /// view first.
    func addCheckpoint(_ body: String, now: UInt64) -> Answer {
        let verdict = WitnessCheck.judge(body, trusted: { self.logs[$0] ?? [] }, view: { self.views[$0]?.view })
        switch verdict {
        case .cosign(let checkpoint, let text):
            let previous = views[checkpoint.origin]
            // Never a time the clock does not show, never one before the last cosignature.
            if let previous, now < previous.time {
                return Answer(
                    status: 503,
                    contentType: "text/plain; charset=utf-8",
                    body: "this witness's clock reads earlier than its last cosignature\n",
                    retryAfter: 1
                )
            }
            let stored = WitnessDirectory.StoredView(view: WitnessCheck.View(size: checkpoint.size, root: checkpoint.root), time: now)
            do {
                if stored != previous { try directory.store(stored, of: checkpoint.origin) }
                views[checkpoint.origin] = stored
                return Answer(status: 200, contentType: "text/plain; charset=utf-8", body: try signer.cosign(text, time: now))
            } catch {
                return Answer(
                    status: 503,
                    contentType: "text/plain; charset=utf-8",
                    body: "this witness cannot store its view: \(error)\n",
                    retryAfter: 5
                )
            }
        case .conflict(let size):
            return Answer(status: 409, contentType: "text/x.tlog.size", body: "\(size)\n")
        case .malformed(let why), .unknownLog(let why), .forbidden(let why), .unprocessable(let why):
            return Answer(status: verdict.status, contentType: "text/plain; charset=utf-8", body: why + "\n")
        }
    }
}
