import Foundation

/// A small file replaced whole and durably: written beside its place, fsynced, renamed over
/// it, and its directory fsynced, so that after a crash or power loss the file is either
/// the old one or the new one, complete. The sequencer's witness files and a witness's view
/// of each log are written so.
enum DurableFile {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let step: String
        var description: String { "cannot write \(path) durably: \(step) failed (errno \(errno))" }
    }

    /// Replaces the file at `path` with `bytes`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard descriptor >= 0 else { throw Failure(path: temporary, step: "open") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else {
                close(descriptor)
                throw Failure(path: temporary, step: "write")
            }
            offset += written
        }
        let synced = fsync(descriptor)
        close(descriptor)
        guard synced == 0 else { throw Failure(path: temporary, step: "fsync") }
        guard rename(temporary, path) == 0 else { throw Failure(path: path, step: "rename") }
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
        guard directory >= 0 else { throw Failure(path: path, step: "open its directory") }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw Failure(path: path, step: "fsync its directory") }
    }
}
