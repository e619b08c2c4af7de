import Foundation
import Logging
import PacSpaceStore
import SQLKit
import Testing

/// A cancelled task must not leave a SQLite connection inside its transaction: a ROLLBACK
/// skipped there made every later read on that connection fail with "cannot start a
/// transaction within a transaction" — one customer page whose concurrent reads were
/// cancelled (`async let`, one of them failing) took a reader down for good.
@Suite struct SQLiteCancellationTests {
    @Test func aCancelledReadLeavesItsConnectionUsable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pacspace-cancel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "cancel-test")
        logger.logLevel = .critical
        let database = try await Database.sqlite(path: (directory as NSString).appendingPathComponent("db.sqlite"), logger: logger)
        let running = Task { try await database.run() }
        defer { running.cancel() }
        _ = try await Migrations.apply(to: database, logger: logger, now: 0)
        // Reads cancelled in their bodies, on every reader in turn.
        for _ in 0..<8 {
            let read = Task {
                try await database.read { db in
                    _ = try await db.raw("SELECT 1 AS one").all()
                    try await Task.sleep(for: .seconds(30))
                    return 0
                }
            }
            try await Task.sleep(for: .milliseconds(20))
            read.cancel()
            _ = try? await read.value
        }
        for _ in 0..<8 {
            let one = try await database.read { db in try await db.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self) }
            #expect(one == 1)
        }
    }
}
