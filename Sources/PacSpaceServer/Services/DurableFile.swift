import CFileExchange
import Foundation

/// A small file replaced whole and durably: written beside its place (`<path>.partial`),
/// fsynced, put in its place, and its directory fsynced, so that after a crash or power loss
/// the file is either the old one or the new one, complete. The sequencer's witness files
/// and a witness's view of each log are written so.
enum DurableFile {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let step: String
        /// The error number of the failed call, read when it failed.
        let code: Int32

        init(path: String, step: String) {
            self.path = path
            self.step = step
            self.code = errno
        }

        var description: String { "cannot write \(path) durably: \(step) failed (errno \(code))" }
    }

    /// How the new file takes the old one's place.
    enum Placement {
        /// Renamed over it, then the directory fsynced: durable when `write` returns.
        case renamed
        /// Exchanged with it (Linux's `renameat2(RENAME_EXCHANGE)`; a rename where that is
        /// missing or nothing is in place yet): the old file stays as `<path>.partial`, and
        /// the next write reuses its inode. The caller fsyncs the directory
        /// (``syncDirectory(of:)``), once for several files. Only for files whose previous
        /// content may stay on disk (public checkpoints, never keys).
        ///
        /// Why: a rename frees the old inode and every write allocates a new one; with
        /// hundreds of witness files a second, ext4's search past recently freed inodes
        /// (`recently_deleted`) was 12 % of the server's CPU (`perf`, 100 environments).
        /// Measured on this machine's ext4, 2,000 writes each: 150 → 85 µs of CPU and
        /// 290 → 203 µs of wall time a file (issue 28).
        case exchanged
    }

    /// Replaces the file at `path` with `bytes`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600, placement: Placement = .renamed) throws {
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard descriptor >= 0 else { throw Failure(path: temporary, step: "open") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else {
                let failure = Failure(path: temporary, step: "write")
                close(descriptor)
                throw failure
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else {
            let failure = Failure(path: temporary, step: "fsync")
            close(descriptor)
            throw failure
        }
        close(descriptor)
        switch placement {
        case .renamed:
            guard rename(temporary, path) == 0 else { throw Failure(path: path, step: "rename") }
            try syncDirectory(of: path)
        case .exchanged:
            guard pacspace_exchange(temporary, path) == 0 || rename(temporary, path) == 0 else {
                throw Failure(path: path, step: "rename")
            }
        }
    }

    /// Makes the renames of files in `path`'s directory durable.
    static func syncDirectory(of path: String) throws {
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
        guard directory >= 0 else { throw Failure(path: path, step: "open its directory") }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw Failure(path: path, step: "fsync its directory") }
    }
}
