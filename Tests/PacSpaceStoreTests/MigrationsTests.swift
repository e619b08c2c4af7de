import Foundation
import Logging
import PacSpaceStore
import SQLKit
import Testing

/// Schema migrations against a real SQLite file.
@Suite struct MigrationsTests {
    /// A database a newer build migrated is refused, with the versions named: an older
    /// build would write rows the newer schema's code does not expect.
    @Test func aNewerSchemaIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pacspace-migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "migrations-test")
        logger.logLevel = .critical
        let database = try await Database.sqlite(path: (directory as NSString).appendingPathComponent("db.sqlite"), logger: logger)
        let running = Task { try await database.run() }
        defer { running.cancel() }
        #expect(try await Migrations.apply(to: database, logger: logger, now: 0) == Migrations.latestVersion)
        #expect(try await Migrations.apply(to: database, logger: logger, now: 0) == 0, "nothing left to apply")
        let future = Migrations.latestVersion + 1
        try await database.transaction { db in
            try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: future), 'from a newer build', 0)").run()
        }
        do {
            _ = try await Migrations.apply(to: database, logger: logger, now: 0)
            Issue.record("a newer schema was accepted")
        } catch let error as DatabaseError {
            guard case .newerSchema(let found, let known) = error else { throw error }
            #expect(found == future && known == Migrations.latestVersion)
            #expect("\(error)".contains("schema version \(future)"))
        }
    }
}
