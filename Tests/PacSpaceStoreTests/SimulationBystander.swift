import Foundation
import PacSpaceCore
import PacSpaceStore
import SQLKit

/// A second tenant's environment in the simulation, where sequencer failures are injected:
/// batches that die before commit, and batches refused because a customer's verified
/// balance would pass 64 bits (the balance is pushed next to Int64.max behind the store's
/// back for one attempt, then put back). Whatever happens here, the first environment's
/// model must hold at every step, and this one's must too: every acknowledged delta
/// stored once, verified in order, nothing of a failed batch left behind.
struct Bystander {
    let environmentID = "ctr_sim_b"
    let signer: NoteSigner
    var witness: (size: Int64, root: Hash)?
    var acknowledged = 0
    var verified = 0
    /// Batches refused on purpose, for the tests to see that injection happened.
    var injected = 0

    init(database: Database, random: inout SimulationTests.Seeded, now: Int64) async throws {
        signer = try await Simulation.provision(database, tenant: "tnt_sim_b", environment: environmentID, random: &random, now: now)
    }

    /// One action on this environment; returns its description.
    mutating func step(database: Database, random: inout SimulationTests.Seeded, now: Int64) async throws -> String {
        switch Int.random(in: 0...3, using: &random) {
        case 0:
            let count = Int.random(in: 1...5, using: &random)
            let submissions = (0..<count).map { _ in
                DeltaSubmission(customerID: "b0", amount: Amount(micros: 1_000_000), reason: "sim", referenceID: nil, metadata: nil, adjusts: nil)
            }
            let request = IngestRequest(
                environmentID: environmentID,
                submissions: submissions,
                idempotency: nil,
                shape: SimulationTests.batch(submissions)
            )
            let outcomes = try await DeltaStore(database: database).ingest([request.prepared(acceptedAt: now)], now: now).map(\.outcomes)
            guard outcomes.first?.allSatisfy({ if case .queued = $0 { true } else { false } }) == true else {
                throw SimulationTests.Failure(description: "bystander: a small delta was not queued: \(outcomes)")
            }
            acknowledged += count
            return "bystander ingest of \(count)"
        case 1:
            try await integrate(database: database, now: now, failure: nil)
            return "bystander batch"
        case 2:
            try await integrate(database: database, now: now, failure: .dies)
            return "bystander batch dying before commit"
        default:
            try await integrate(database: database, now: now, failure: .balancePastRange)
            return "bystander batch refused: a balance past 64 bits"
        }
    }

    enum InjectedFailure { case dies, balancePastRange }

    mutating func integrate(database: Database, now: Int64, failure: InjectedFailure?) async throws {
        struct Died: Error {}
        let signer = signer
        let setBalance = { (micros: Int64) in
            try await database.transaction { db in
                try await db.raw(
                    """
                    UPDATE customers SET verified_balance = \(bind: micros) WHERE environment_id = 'ctr_sim_b' AND customer_id = 'b0'
                    """
                ).run()
            }
        }
        if failure == .balancePastRange { try await setBalance(Int64.max - 10) }
        do {
            let integration = try await LogStore(database: database).integrate(
                environmentID: environmentID,
                limit: 7,
                now: now,
                lastSigned: witness
            ) { checkpoint in
                if failure == .dies { throw Died() }
                return try signer.sign(checkpoint.body)
            }
            if failure == .balancePastRange {
                try await setBalance(Int64(verified) * 1_000_000)
                guard integration == nil, acknowledged == verified else {
                    throw SimulationTests.Failure(description: "bystander: a batch past 64 bits was signed")
                }
                return
            }
            guard let integration else {
                guard acknowledged == verified else { throw SimulationTests.Failure(description: "bystander: queued deltas but no batch") }
                return
            }
            verified += integration.entries
            witness = (integration.treeSize, Hash(base64: integration.checkpoint.rootHash) ?? Merkle.emptyRoot)
        } catch is Died {
            guard failure == .dies else { throw SimulationTests.Failure(description: "bystander: died unasked") }
        } catch LogError.totalOutOfRange {
            guard failure == .balancePastRange else { throw SimulationTests.Failure(description: "bystander: refused unasked") }
            try await setBalance(Int64(verified) * 1_000_000)
            injected += 1
        }
    }

    /// Stored exactly what was acknowledged, verified in order, the balance of what was verified.
    func check(database: Database) async throws {
        let (stored, verifiedRows, balance) = try await database.read { db in
            let counts = try await db.raw(
                """
                SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN status = 'VERIFIED' THEN 1 ELSE 0 END), 0) AS v FROM deltas
                WHERE environment_id = 'ctr_sim_b'
                """
            ).first()
            let balance = try await db.raw("SELECT verified_balance FROM customers WHERE environment_id = 'ctr_sim_b' AND customer_id = 'b0'")
                .first()?.decode(column: "verified_balance", as: Int64.self)
            return (try counts?.decode(column: "n", as: Int64.self) ?? -1, try counts?.decode(column: "v", as: Int64.self) ?? -1, balance ?? 0)
        }
        guard stored == Int64(acknowledged), verifiedRows == Int64(verified), balance == Int64(verified) * 1_000_000 else {
            throw SimulationTests.Failure(
                description: """
                    bystander: \(stored) stored / \(acknowledged) acknowledged, \(verifiedRows) verified / \(verified) expected, balance \(balance)
                    """
            )
        }
    }
}
