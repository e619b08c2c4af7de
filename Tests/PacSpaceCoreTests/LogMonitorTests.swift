import Crypto
import Foundation
import PacSpaceCore
import Synchronization
import Testing

/// `LogMonitor` on logs served as C2SP tlog-tiles from memory (the tiles built here from the
/// leaves, independently of the server's store): a log that grows is accepted, and each way
/// a log can contradict what it showed before is found — a rollback, a fork at a larger size,
/// another root at the same size, a server log holding a checkpoint the environment's log
/// does not extend, a cosignature missing from the quorum.
@Suite struct LogMonitorTests {
    /// A log served from memory; its leaves and signer can be swapped between runs.
    final class MemoryLog: Sendable {
        let signer: NoteSigner
        let state = Mutex<(leaves: [[UInt8]], cosign: [Cosignature.Signer])>(([], []))
        var origin: String { signer.name }

        init(origin: String) throws {
            signer = try NoteSigner(name: origin, privateKey: .init())
        }

        var verifier: NoteVerifier { get throws { try NoteVerifier(verifierKey: signer.verifierKey) } }
        var leaves: [[UInt8]] {
            get { state.withLock { $0.leaves } }
            set { state.withLock { $0.leaves = newValue } }
        }

        /// The signed checkpoint (with the cosignatures asked for) of the current leaves.
        func note() throws -> String {
            let (leaves, witnesses) = state.withLock { ($0.leaves, $0.cosign) }
            var frontier = MerkleFrontier()
            for leaf in leaves { _ = frontier.append(leaf: Merkle.leafHash(leaf)) }
            let body = Checkpoint(origin: origin, size: UInt64(leaves.count), root: frontier.root).body
            let signed = try signer.sign(body)
            return try witnesses.reduce(signed) { note, witness in note + (try witness.cosign(body, time: 1_800_000_000)) }
        }

        /// What the log serves at `path` below its prefix, built from the leaves.
        func serve(_ path: String) throws -> [UInt8]? {
            let leaves = self.leaves
            if path == "checkpoint" { return Array(try note().utf8) }
            guard path.hasPrefix("tile/"), let (tile, entries) = Tile.parse(String(path.dropFirst(5))) else { return nil }
            let size = UInt64(leaves.count)
            let width = Tile.partialWidth(level: tile.level, treeSize: size)
            let full = (size >> UInt64(8 * tile.level)) / 256
            guard tile.index < full ? !tile.isPartial : (tile.index == full && tile.width == width) else { return nil }
            if entries {
                let start = Int(tile.index) * 256
                return try EntryBundle.encode(Array(leaves[start..<start + tile.width]))
            }
            var level = leaves.map { Merkle.leafHash($0) }
            for _ in 0..<(8 * tile.level) {
                level = stride(from: 0, to: level.count - 1, by: 2).map { Merkle.nodeHash(level[$0], level[$0 + 1]) }
            }
            let start = Int(tile.index) * 256
            return level[start..<start + tile.width].flatMap(\.bytes)
        }

        var tiles: TiledLog { TiledLog { [self] path in try self.serve(path) } }
        func followed() throws -> LogMonitor.FollowedLog { LogMonitor.FollowedLog(verifier: try verifier, tiles: tiles) }
    }

    static func leaves(_ range: Range<Int>, tag: String = "leaf") -> [[UInt8]] { range.map { Array("\(tag) \($0)".utf8) } }

    /// A server log holding `environment`'s checkpoint now, and an environment log.
    struct World {
        let server: MemoryLog
        let environment: MemoryLog
        let policy: WitnessPolicy
        let witness: Cosignature.Signer

        init() throws {
            server = try MemoryLog(origin: "server.test/api/v1/server-log")
            environment = try MemoryLog(origin: "server.test/tnt_a/testnet")
            witness = try Cosignature.Signer(name: "witness.test/w", privateKey: .init())
            policy = try WitnessPolicy(parsing: "log \(server.signer.verifierKey)\nwitness W \(witness.verifierKey)\nquorum W\n")
            server.state.withLock { $0.cosign = [witness] }
        }

        /// The environment grows to `size` leaves; the server log publishes its checkpoint.
        func grow(to size: Int, tag: String = "leaf") throws {
            environment.leaves = environment.leaves + LogMonitorTests.leaves(environment.leaves.count..<size, tag: tag)
            server.leaves = server.leaves + [Array(try environment.note().utf8)]
        }

        func monitor() throws -> LogMonitor {
            LogMonitor(serverLog: try server.followed(), environments: [try environment.followed()], policy: policy, progress: { _ in })
        }

        func finding(_ state: MonitorState) async throws -> LogMonitor.Finding? {
            do {
                _ = try await monitor().run(state: state)
                return nil
            } catch let finding as LogMonitor.Finding { return finding }
        }
    }

    @Test func aGrowingLogIsFollowedAcrossRunsAndTileBoundaries() async throws {
        let world = try World()
        try world.grow(to: 3)
        let (first, state) = try await world.monitor().run(state: MonitorState())
        #expect(first.serverLog.previousSize == nil && first.serverLog.size == 1 && first.quorumMet)
        #expect(first.environments.first?.size == 3 && first.environments.first?.witnessedSize == 3)
        // Past a full tile of each log, in several publications; the state survives its file.
        for size in [200, 257, 600] { try world.grow(to: size) }
        // The same checkpoint published again, and another tenant's checkpoints (skipped).
        let other = try MemoryLog(origin: "server.test/tnt_b/testnet")
        other.leaves = Self.leaves(0..<7)
        world.server.leaves =
            world.server.leaves + Array(repeating: Array(try world.environment.note().utf8), count: 300)
            + Array(repeating: Array(try other.note().utf8), count: 10)
        let restored = try MonitorState(json: state.json)
        #expect(restored == state)
        let (second, next) = try await world.monitor().run(state: restored)
        #expect(second.serverLog.previousSize == 1 && second.serverLog.size == 314 && second.entriesRead == 313)
        #expect(second.environments.first?.sightingsChecked == 303 && second.environments.first?.previousSize == 3)
        #expect(next.sightings[world.environment.origin]?.size == 600)
        // Unchanged: nothing new read.
        let (third, _) = try await world.monitor().run(state: next)
        #expect(third.entriesRead == 0 && third.serverLog.size == 314)
    }

    @Test func aRollbackAForkAndAnotherRootAtTheSameSizeAreFound() async throws {
        let world = try World()
        try world.grow(to: 300)
        let (_, state) = try await world.monitor().run(state: MonitorState())
        let (serverLeaves, environmentLeaves) = (world.server.leaves, world.environment.leaves)

        // The environment's log restored to an older copy: smaller than it was.
        world.environment.leaves = Array(environmentLeaves.prefix(200))
        #expect(try await world.finding(state)?.kind == .rollback)
        // …and grown past the size seen, with other entries: a fork.
        world.environment.leaves = Array(environmentLeaves.prefix(200)) + Self.leaves(200..<400, tag: "forked")
        let fork = try await world.finding(state)
        #expect(fork?.kind == .fork && fork?.origin == world.environment.origin && fork?.evidence.count == 2)
        // Another entry at the same size.
        world.environment.leaves = Array(environmentLeaves.prefix(299)) + [Array("forked".utf8)]
        #expect(try await world.finding(state)?.kind == .fork)

        // The server log rolled back, then forked.
        world.environment.leaves = environmentLeaves
        world.server.leaves = []
        #expect(try await world.finding(state)?.kind == .rollback)
        world.server.leaves = [Array("not a checkpoint".utf8)] + serverLeaves
        #expect(try await world.finding(state)?.kind == .fork)
    }

    @Test func aServerLogHoldingACheckpointTheEnvironmentDoesNotExtendIsAFork() async throws {
        let world = try World()
        try world.grow(to: 10)
        let (_, state) = try await world.monitor().run(state: MonitorState())
        // The server publishes a checkpoint of another history of the environment (size 20),
        // while the environment's own log serves a third one.
        let honest = world.environment.leaves
        world.environment.leaves = honest + Self.leaves(10..<20, tag: "shown to the witnesses")
        world.server.leaves = world.server.leaves + [Array(try world.environment.note().utf8)]
        world.environment.leaves = honest + Self.leaves(10..<25, tag: "shown to the customer")
        let fork = try await world.finding(state)
        #expect(fork?.kind == .fork && fork?.origin == world.environment.origin, "\(String(describing: fork))")
        // A server-log entry signed as that environment by another key.
        world.environment.leaves = honest + Self.leaves(10..<20, tag: "shown to the witnesses")
        let impostor = try NoteSigner(name: world.environment.origin, privateKey: .init())
        world.server.leaves =
            world.server.leaves + [Array(try impostor.sign(Checkpoint(origin: world.environment.origin, size: 20, root: Merkle.emptyRoot).body).utf8)]
        #expect(try await world.finding(state)?.kind == .invalid)
    }

    @Test func aCheckpointWithoutTheQuorumIsReported() async throws {
        let world = try World()
        world.server.state.withLock { $0.cosign = [] }
        try world.grow(to: 5)
        let (report, _) = try await world.monitor().run(state: MonitorState())
        #expect(!report.quorumMet && report.witnesses.map(\.cosignedAt) == [nil])
        #expect(report.environments.first?.witnessedSize == nil)
        // A cosignature by a key the policy does not name does not count.
        let stranger = try Cosignature.Signer(name: "witness.test/w", privateKey: .init())
        world.server.state.withLock { $0.cosign = [stranger] }
        #expect(try await !world.monitor().run(state: MonitorState()).0.quorumMet)
    }
}
