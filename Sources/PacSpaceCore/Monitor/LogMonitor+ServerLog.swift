/// The server log: its checkpoint, its new entries (each an environment's signed checkpoint)
/// and its cosignatures.
extension LogMonitor {
    /// An environment checkpoint read from a server-log entry.
    struct Sighting: Sendable {
        let size: UInt64
        let root: Hash
        let serverLogIndex: UInt64
        let note: String
    }

    struct ServerLogScan: Sendable {
        let result: Report.LogResult
        let entriesRead: UInt64
        let witnesses: [OfflineVerification.WitnessResult]
        let quorumMet: Bool
        /// By environment origin, in server-log order.
        let sightings: [String: [Sighting]]
    }

    /// Entries read per step (one entry bundle).
    static let step = UInt64(Tile.fullWidth)
    /// A progress line every this many entries read.
    static let progressEvery: UInt64 = 65_536

    func followServerLog(_ state: inout MonitorState) async throws -> ServerLogScan {
        let held = state.logs[serverLog.origin]
        let (note, checkpoint) = try await advance(serverLog, from: held)
        // An environment followed for the first time is looked for in every entry; the
        // others only in the entries new since the last run.
        let followed = Dictionary(uniqueKeysWithValues: environments.map { ($0.origin, $0.verifier) })
        let newcomers = Set(environments.map(\.origin).filter { state.logs[$0] == nil })
        var frontier = MerkleFrontier()
        if newcomers.isEmpty, let held, let stored = MerkleFrontier(size: held.size, hashes: held.frontier) { frontier = stored }
        let heldSize = held?.size ?? 0
        let start = frontier.size
        var sightings: [String: [Sighting]] = [:]
        var last = state.sightings.mapValues { (size: $0.size, root: $0.root, index: $0.serverLogIndex) }
        var index = start
        var report = start + Self.progressEvery
        while index < checkpoint.size {
            let end = min(checkpoint.size, (index / Self.step + 1) * Self.step)
            let entries = try await serverLog.tiles.entries(index..<end, size: checkpoint.size)
            for entry in entries {
                _ = frontier.append(leaf: Merkle.leafHash(entry))
                if let seen = try sighting(entry, at: index, followed: followed), newcomers.contains(seen.origin) || index >= heldSize {
                    if let previous = last[seen.origin] {
                        try requireMonotone(seen.sighting, after: previous, origin: seen.origin, notes: [note])
                    }
                    last[seen.origin] = (seen.sighting.size, seen.sighting.root, index)
                    sightings[seen.origin, default: []].append(seen.sighting)
                }
                index += 1
            }
            if index >= report {
                progress("server log: \(index - start) of \(checkpoint.size - start) new entries read")
                report += Self.progressEvery
            }
        }
        guard frontier.size == checkpoint.size, frontier.root == checkpoint.root else {
            throw Finding(
                kind: .invalid,
                origin: serverLog.origin,
                detail: "its entries \(start)..<\(checkpoint.size) do not make the root it signed",
                evidence: [note]
            )
        }
        let witnesses: [OfflineVerification.WitnessResult]
        do { witnesses = OfflineVerification.cosigners(of: try SignedNote(parsing: note), policy: policy) } catch {
            throw Finding(kind: .invalid, origin: serverLog.origin, detail: "its checkpoint is not a signed note: \(error)", evidence: [note])
        }
        let quorumMet = policy.isMet(by: Set(witnesses.filter { $0.cosignedAt != nil }.map(\.name)))
        state.logs[serverLog.origin] = MonitorState.LogView(note: note, size: checkpoint.size, root: checkpoint.root, frontier: frontier.hashes)
        for (origin, seen) in last where followed[origin] != nil {
            state.sightings[origin] = MonitorState.Sighting(size: seen.size, root: seen.root, serverLogIndex: seen.index)
        }
        return ServerLogScan(
            result: Report.LogResult(
                origin: serverLog.origin,
                previousSize: held?.size,
                size: checkpoint.size,
                sightingsChecked: 0,
                witnessedSize: nil
            ),
            entriesRead: checkpoint.size - start,
            witnesses: witnesses,
            quorumMet: quorumMet,
            sightings: sightings
        )
    }

    /// The entry as a checkpoint of a followed environment (nil for another tenant's): it
    /// must be signed by that environment's key.
    private func sighting(_ entry: [UInt8], at index: UInt64, followed: [String: NoteVerifier]) throws -> (origin: String, sighting: Sighting)? {
        guard let text = String(validating: entry, as: UTF8.self), let note = try? SignedNote(parsing: text),
            let body = try? Checkpoint(body: note.text)
        else {
            throw Finding(kind: .invalid, origin: serverLog.origin, detail: "entry \(index) is not a signed checkpoint", evidence: [])
        }
        guard let verifier = followed[body.origin] else { return nil }
        guard (try? note.verified(by: verifier)) != nil else {
            throw Finding(
                kind: .invalid,
                origin: serverLog.origin,
                detail: "entry \(index) is a checkpoint of \(body.origin) not signed by that environment's key",
                evidence: [text]
            )
        }
        return (body.origin, Sighting(size: body.size, root: body.root, serverLogIndex: index, note: text))
    }

    /// A later server-log entry never holds a smaller checkpoint of an environment, nor
    /// another root at the same size.
    private func requireMonotone(_ seen: Sighting, after previous: (size: UInt64, root: Hash, index: UInt64), origin: String, notes: [String]) throws
    {
        if seen.size < previous.size {
            throw Finding(
                kind: .rollback,
                origin: origin,
                detail:
                    "server-log entry \(seen.serverLogIndex) holds its checkpoint of size \(seen.size), "
                    + "after entry \(previous.index) held size \(previous.size)",
                evidence: [seen.note] + notes
            )
        }
        if seen.size == previous.size, seen.root != previous.root {
            throw Finding(
                kind: .fork,
                origin: origin,
                detail: "server-log entries \(previous.index) and \(seen.serverLogIndex) hold two roots at size \(seen.size)",
                evidence: [seen.note] + notes
            )
        }
    }
}
