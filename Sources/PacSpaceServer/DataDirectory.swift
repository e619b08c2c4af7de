import Foundation

/// The data directory holds the master key, the JWT key, the SQLite database (sealed
/// signing keys, hashes of every token) and the mail outbox (live tokens): only the
/// server's user may read any of it.
enum DataDirectory {
    /// The files created before they were private (0644 by the old default umask).
    static let privateFiles = ["master.key", "jwt.key", "pacspace.sqlite", "pacspace.sqlite-wal", "pacspace.sqlite-shm"]

    /// Creates the directory if needed and makes it and its secrets private: the directory
    /// 0700, those files 0600. The process's umask becomes 077 first, so every file made
    /// after (SQLite's own, the outbox, the witness) is born private.
    static func secure(_ path: String) throws {
        umask(0o077)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard chmod(path, 0o700) == 0 else { throw ConfigurationError("cannot make \(path) private (chmod 0700)") }
        for name in privateFiles {
            let file = (path as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file) else { continue }
            guard chmod(file, 0o600) == 0 else { throw ConfigurationError("cannot make \(file) private (chmod 0600)") }
        }
    }
}
