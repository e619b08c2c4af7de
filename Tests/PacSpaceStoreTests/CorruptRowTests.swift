import PacSpaceCore
import PacSpaceStore
import SQLKit
import Testing

/// A row the server could not have written stops what reads it on the proof path: it never
/// becomes a leaf, a root or a proof of something else (issue 26).
@Suite struct CorruptRowTests {
    /// Deltas whose content hash is no hash: the sequencer's batch stops with a
    /// ``StoreInvariant`` (before, the plan skipped the row with `continue`), the tree does
    /// not grow, and a period over verified ones is not sealed (before, the seal skipped
    /// the row and sealed a root of the others).
    @Test func aContentHashThatIsNoHashStopsTheBatchAndTheSeal() async throws {
        var simulation = try await Simulation(seed: 2_612)
        do {
            // Some deltas verified (a period has something to seal), more queued behind them.
            while simulation.verifiedCount == 0 {
                try await simulation.ingest()
                try await simulation.integrate(dieBeforeCommit: false)
            }
            while simulation.acknowledged.count == simulation.verifiedCount { try await simulation.ingest() }
            let verifiedSize = Int64(simulation.verifiedCount)
            let environmentID = simulation.environmentID
            try await simulation.database.transaction { db in
                try await db.raw("UPDATE deltas SET content_hash = '0xnot-a-hash' WHERE environment_id = \(bind: environmentID)").run()
            }
            let signer = simulation.signer
            do {
                _ = try await LogStore(database: simulation.database).integrate(
                    environmentID: environmentID,
                    limit: 1_000,
                    now: simulation.now,
                    lastSigned: simulation.witness
                ) { try signer.sign($0.body) }
                Issue.record("a delta with no content hash was sequenced")
            } catch let invariant as StoreInvariant {
                #expect(invariant.description.contains("content_hash"))
            }
            let size = try await simulation.database.read { db in
                try await db.raw("SELECT tree_size FROM environments WHERE id = \(bind: environmentID)").first()?
                    .decode(column: "tree_size", as: Int64.self)
            }
            #expect(size == verifiedSize)
            do {
                _ = try await CheckpointStore(database: simulation.database).checkpoint(
                    environmentID: environmentID,
                    origin: signer.name,
                    customerID: nil,
                    scopeKey: "all",
                    scope: [:],
                    selection: .all,
                    before: nil,
                    now: simulation.now
                )
                Issue.record("a period over a delta with no content hash was sealed")
            } catch let invariant as StoreInvariant {
                #expect(invariant.description.contains("content_hash"))
            }
        } catch {
            await simulation.close()
            throw error
        }
        await simulation.close()
    }
}
