import Foundation
import PacSpaceCore
import Synchronization

/// A monitor's state directory (docs/witnesses.md, "Following a log"): `state.json` (the last
/// checkpoint of each log it accepted, written durably after each run that found nothing
/// wrong), `lock` (one monitor at a time), and `evidence-<time>.txt` for each finding, with
/// the signed notes that contradict each other.
struct MonitorDirectory {
    let path: String

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    private var statePath: String { path + "/state.json" }

    /// The directories this process holds the lock of (a second `flock` on another
    /// descriptor would conflict with the first, as a second process's does).
    private static let held = Mutex<Set<String>>([])

    /// Creates the directory (mode 0700) and takes its lock for the process's lifetime.
    func lock() throws {
        guard !Self.held.withLock({ $0.contains(path) }) else { return }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch
        {
            throw Refusal(description: "cannot create \(path): \(error.localizedDescription)")
        }
        let descriptor = open(path + "/lock", O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw Refusal(description: "cannot open \(path)/lock (errno \(errno))") }
        // Kept open (and locked) until the process exits.
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw Refusal(description: "another monitor is using \(path)")
        }
        Self.held.withLock { _ = $0.insert(path) }
    }

    /// The state kept, or an empty one on the first run.
    func state() throws -> MonitorState {
        guard FileManager.default.fileExists(atPath: statePath) else { return MonitorState() }
        guard let data = FileManager.default.contents(atPath: statePath) else { throw Refusal(description: "cannot read \(statePath)") }
        do { return try MonitorState(json: Array(data)) } catch { throw Refusal(description: "\(statePath): \(error)") }
    }

    func save(_ state: MonitorState) throws {
        try DurableFile.write(state.json, to: statePath)
    }

    /// Writes a finding and its evidence; returns the file's path.
    func record(_ finding: LogMonitor.Finding, at time: Int64) throws -> String {
        let file = path + "/evidence-\(time).txt"
        let text = "\(finding)\n\n" + finding.evidence.enumerated().map { "--- signed note \($0.offset + 1)\n\($0.element)" }.joined(separator: "\n")
        try DurableFile.write(Array(text.utf8), to: file)
        return file
    }
}
