import ArgumentParser
import Foundation
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore

extension KeyRingFile.Ring: ExpressibleByArgument {}

/// `pacspace keys …`: rotating the master key and the JWT key (README, "Rotating keys").
///
/// A rotation is three steps, so that no running server ever meets a value or a token it
/// cannot open: `rotate` puts a new current key in front of the ring (servers pick it up
/// when restarted; the old key stays as retired), `reseal` seals every stored value again
/// under the new key once every server runs with it, and `retire` drops the retired keys
/// once nothing needs them.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate the master key and the JWT key.",
        subcommands: [Status.self, Rotate.self, Reseal.self, Retire.self]
    )

    /// The ring the environment gives (``ServerConfiguration``); empty when it comes from the file.
    static func configured(_ ring: KeyRingFile.Ring, _ configuration: ServerConfiguration) -> [[UInt8]] {
        ring == .master ? configuration.masterKeys : configuration.jwtSecrets
    }

    /// The ring file of `ring`, refusing when the key comes from the environment instead.
    static func file(_ ring: KeyRingFile.Ring, _ configuration: ServerConfiguration) throws -> KeyRingFile {
        guard configured(ring, configuration).isEmpty else {
            throw ValidationError(
                """
                \(ring.environmentVariable) is set, so the \(ring) key comes from the environment, not a file: \
                put a new key in \(ring.environmentVariable) and the old one in \(ring.environmentVariable)_RETIRED instead
                """
            )
        }
        return KeyRingFile(ring, in: configuration.dataDirectory)
    }

    /// The ring in use: the environment's, else the file's.
    static func keys(_ ring: KeyRingFile.Ring, _ configuration: ServerConfiguration) throws -> [[UInt8]] {
        let given = configured(ring, configuration)
        if !given.isEmpty { return given }
        let file = KeyRingFile(ring, in: configuration.dataDirectory)
        guard let keys = try file.read() else { throw ValidationError("no \(file.path): start the server once to create it") }
        return keys
    }

    /// Runs `body` with the configured database open and migrated.
    static func withDatabase<T: Sendable>(
        _ common: CommonOptions,
        _ body: @escaping @Sendable (ServerConfiguration, Database) async throws -> T
    )
        async throws -> T
    {
        let configuration = try common.configuration()
        let logger = try common.logger()
        let database = try await openDatabase(configuration, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await database.run()
                return nil
            }
            defer { group.cancelAll() }
            try await Migrations.apply(to: database, logger: logger, now: configuration.now())
            return try await body(configuration, database)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show both key rings and which master key sealed how many values.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await Keys.withDatabase(common) { configuration, database in
                let census = try await SealedValues(database: database).census()
                for ring in KeyRingFile.Ring.allCases {
                    let keys = try Keys.keys(ring, configuration)
                    let source =
                        Keys.configured(ring, configuration).isEmpty
                        ? KeyRingFile(ring, in: configuration.dataDirectory).path : ring.environmentVariable
                    print("\(ring) key ring (\(source)):")
                    for (index, key) in keys.enumerated() {
                        let id = ring.keyID(key)
                        let use = ring == .master ? ", seals \(census[id] ?? 0) value(s)" : ""
                        print("  \(index == 0 ? "current" : "retired") \(id)\(use)")
                    }
                }
                let known = Set(try Keys.keys(.master, configuration).map(KeySealer.keyID))
                for (id, count) in census.sorted(by: { $0.key < $1.key }) where !known.contains(id) {
                    print(
                        id == "legacy"
                            ? "  \(count) value(s) from before the key ring (sealed again at the server's next start)"
                            : "  \(count) value(s) sealed by \(id), which the ring does not hold"
                    )
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a new current key in front of a ring; the old one stays as retired.",
            discussion: "Restart every server so it signs or seals with the new key; then, for the master key, run `pacspace keys reseal`."
        )
        @OptionGroup var common: CommonOptions
        @Argument(help: "master or jwt") var ring: KeyRingFile.Ring

        func run() async throws {
            let configuration = try common.configuration()
            let file = try Keys.file(ring, configuration)
            guard let keys = try file.read() else { throw ValidationError("no \(file.path): start the server once to create it") }
            let key = Identifier.randomBytes(file.keyBytes)
            try file.write([key] + keys)
            print("\(ring): new current key \(ring.keyID(key)); \(keys.count) retired key(s) kept in \(file.path)")
            switch ring {
            case .master: print("next: restart every server, then run `pacspace keys reseal`, then `pacspace keys retire master`")
            case .jwt: print("next: restart every server; after the access-token lifetime, `pacspace keys retire jwt`")
            }
        }
    }

    struct Reseal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every stored secret again under the current master key.",
            discussion: "Run once every server holds the current key (restarted after `pacspace keys rotate master`)."
        )
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await Keys.withDatabase(common) { configuration, database in
                let sealer = try KeySealer(masterKeys: try Keys.keys(.master, configuration))
                let values = SealedValues(database: database)
                let outcome = try await values.reseal(with: sealer, .notCurrent, progress: { done in print("  sealed again: \(done)") })
                print("done: \(outcome.sealedAgain) value(s) sealed again under \(sealer.currentKeyID)")
                guard outcome.unopened.isEmpty else {
                    throw ValidationError(
                        "\(outcome.unopened.count) value(s) no key of the ring opens, left as they were: \(outcome.unopened.joined(separator: ", "))"
                    )
                }
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop a ring's retired keys, once nothing needs them.",
            discussion:
                "master: refused while any stored value is sealed by a retired key. "
                + "jwt: refused until the access-token lifetime has passed since the rotation."
        )
        @OptionGroup var common: CommonOptions
        @Argument(help: "master or jwt") var ring: KeyRingFile.Ring

        func run() async throws {
            let ring = ring
            try await Keys.withDatabase(common) { configuration, database in
                let file = try Keys.file(ring, configuration)
                guard let keys = try file.read(), let current = keys.first else { throw ValidationError("no \(file.path)") }
                guard keys.count > 1 else {
                    print("\(ring): no retired keys")
                    return
                }
                switch ring {
                case .master:
                    let census = try await SealedValues(database: database).census()
                    let waiting = census.filter { $0.key != KeySealer.keyID(current) }.values.reduce(0, +)
                    guard waiting == 0 else {
                        throw ValidationError("\(waiting) stored value(s) are not sealed by the current key yet; run `pacspace keys reseal` first")
                    }
                case .jwt:
                    let changed = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date) ?? Date()
                    let wait = Double(configuration.accessTokenSeconds) + 60 - Date().timeIntervalSince(changed)
                    guard wait <= 0 else {
                        throw ValidationError("tokens signed by the retired key may still be valid; retire it in \(Int(wait.rounded(.up))) s")
                    }
                }
                try file.write([current])
                print("\(ring): retired \(keys.dropFirst().map(ring.keyID).joined(separator: ", ")); restart every server")
            }
        }
    }
}
