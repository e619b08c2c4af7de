import Dispatch
import Foundation
import PacSpaceCore
import PacSpaceStore
import Synchronization

/// The sequencer's witness files: each environment's last signed checkpoint, kept outside the
/// database in `<data dir>/witness/<environment>.checkpoint` (docs/architecture.md, "The
/// sequencer"), written off the sequencer's path.
///
/// A file may lag its database by the checkpoints still waiting here, never lead it: a
/// checkpoint is handed over only after its transaction committed, and the files are written
/// in order, the latest of each environment only (``DurableFile``: written beside, fsynced,
/// exchanged with the old one, which stays as `.partial`; one directory fsync for all the
/// files of a pass). A lagging file is what a crash between a commit and its file write
/// always left; the sequencer proves the stored tree extends whichever checkpoint the file
/// names.
///
/// Why not in the sequencer's loop: the file's two fsyncs, one environment after another,
/// were half of a round's time at 100 environments (219 → 112 ms a round without them,
/// `perf` and `strace` of one delta a round in each of 100 environments; issue 28).
final class WitnessFiles: Sendable {
    let directory: String
    private let state = Mutex<State>(State())
    /// A serial queue on a thread of libdispatch's, not the cooperative pool: fsync blocks.
    private let queue = DispatchQueue(label: "pacspace.witness-files")

    fileprivate struct State {
        var waiting: [String: SignedCheckpoint] = [:]
        var writing = false
        /// Environments whose latest checkpoint could not be written, with the error.
        var failed: [String: (checkpoint: SignedCheckpoint, error: String)] = [:]
    }

    init(directory: String) { self.directory = directory }

    /// The file of the environment.
    func path(_ environmentID: String) -> String { WitnessFile.path(in: directory, environmentID: environmentID) }

    /// The size and root of the checkpoint the environment's file names (nil without a file).
    func read(_ environmentID: String) throws -> (size: Int64, root: Hash)? {
        try WitnessFile.read(in: directory, environmentID: environmentID)
    }

    /// Hands over a checkpoint whose transaction committed; it is written soon, in order.
    func record(_ checkpoint: SignedCheckpoint) {
        if state.withLock({ $0.wait(checkpoint) }) { queue.async { self.drain() } }
    }

    /// Throws when the environment's latest checkpoint could not be written, and hands it
    /// over again: the sequencer halts the environment (with backoff, checking again each
    /// time) rather than sign on while its file cannot be kept.
    func check(_ environmentID: String) throws {
        guard let (failed, start) = state.withLock({ state in state.failed[environmentID].map { ($0, state.wait($0.checkpoint)) } }) else {
            return
        }
        if start { queue.async { self.drain() } }
        throw Failure(path: path(environmentID), error: failed.error)
    }

    /// A witness file that could not be written.
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let error: String
        var description: String { "the witness file \(path) cannot be written: \(error)" }
    }

    /// Returns once every checkpoint handed over so far is written (or failed).
    func flush() async {
        while state.withLock({ $0.writing }) {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
        }
    }

    private func drain() {
        while true {
            let batch = state.withLock { state in
                let batch = state.waiting
                state.waiting = [:]
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            var written: [SignedCheckpoint] = []
            for checkpoint in batch.values {
                do {
                    try DurableFile.write(Array(checkpoint.note.utf8), to: path(checkpoint.environmentID), placement: .exchanged)
                    written.append(checkpoint)
                } catch {
                    state.withLock { $0.failed[checkpoint.environmentID] = (checkpoint, "\(error)") }
                }
            }
            guard let first = written.first else { continue }
            do {
                try DurableFile.syncDirectory(of: path(first.environmentID))
                state.withLock { state in for checkpoint in written { state.failed[checkpoint.environmentID] = nil } }
            } catch {
                state.withLock { state in for checkpoint in written { state.failed[checkpoint.environmentID] = (checkpoint, "\(error)") } }
            }
        }
    }
}

extension WitnessFiles.State {
    /// Queues `checkpoint` unless a later one of its environment waits; true when no
    /// writer runs yet (the caller starts one).
    fileprivate mutating func wait(_ checkpoint: SignedCheckpoint) -> Bool {
        if let waiting = waiting[checkpoint.environmentID], waiting.treeSize >= checkpoint.treeSize { return false }
        waiting[checkpoint.environmentID] = checkpoint
        defer { writing = true }
        return !writing
    }
}
