/// An environment's log: its checkpoint against the last accepted, and against each of its
/// checkpoints the server log holds.
extension LogMonitor {
    func follow(_ log: FollowedLog, seen: [Sighting], quorumMet: Bool, _ state: inout MonitorState) async throws -> Report.LogResult {
        let held = state.logs[log.origin]
        let (note, checkpoint) = try await advance(log, from: held)
        for sighting in seen {
            guard sighting.size <= checkpoint.size else {
                throw Finding(
                    kind: .rollback,
                    origin: log.origin,
                    detail:
                        "the server log holds its checkpoint of size \(sighting.size) (entry \(sighting.serverLogIndex)); "
                        + "the log now serves \(checkpoint.size)",
                    evidence: [sighting.note, note]
                )
            }
            try await requireConsistency(log, from: (sighting.size, sighting.root), to: checkpoint, evidence: [sighting.note, note])
        }
        state.logs[log.origin] = MonitorState.LogView(note: note, size: checkpoint.size, root: checkpoint.root)
        return Report.LogResult(
            origin: log.origin,
            previousSize: held?.size,
            size: checkpoint.size,
            sightingsChecked: seen.count,
            witnessedSize: quorumMet ? state.sightings[log.origin]?.size : nil
        )
    }
}
