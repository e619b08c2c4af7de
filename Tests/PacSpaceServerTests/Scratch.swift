import Foundation

/// Where the tests put their files: one directory per test process,
/// `$TMPDIR/pacspace-tests-<pid>/`, removed when the process exits; one left by a process
/// that died (a crash, `kill -9`) is removed by the next run. Before, every test server's
/// data directory stayed behind: 2.2 GB in /tmp after a day's runs (issue 26).
enum Scratch {
    private static let prefix = "pacspace-tests-"

    /// This process's directory, made (and the dead processes' removed) on first use.
    static let root: String = {
        let temporary = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: (temporary as NSString).appendingPathComponent(name))
        }
        let root = (temporary as NSString).appendingPathComponent(prefix + String(getpid()))
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.root) }
        return root
    }()

    /// A new directory under ``root``, named `<name>-<uuid>`, not yet created.
    static func path(_ name: String) -> String {
        (root as NSString).appendingPathComponent("\(name)-\(UUID().uuidString)")
    }
}
