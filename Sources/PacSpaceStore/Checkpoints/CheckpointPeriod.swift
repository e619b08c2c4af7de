import PacSpaceCore
import SQLKit
import Synchronization

/// What a checkpoint states about its period, worked out in one streamed pass over the
/// covered deltas: memory stays O(log n) however many deltas the period holds (an
/// environment's month may hold millions; loading them all would not).
struct CheckpointPeriod: Sendable {
    let root: Hash
    let deltaCount: Int64
    let netChange: Amount
    let startingBalance: Amount
    let endingBalance: Amount
    let firstRecordAt: Int64?
    let lastRecordAt: Int64?

    /// Streams the VERIFIED deltas `selection` picks, in log order, into a v2 period root
    /// bound to `origin` and `scope`; sums in Int128; `before` selects the deltas of the
    /// starting balance. Throws ``AmountOutOfRange`` for totals that cannot be stated.
    static func compute(
        _ db: any SQLDatabase,
        environmentID: String,
        customerID: String?,
        origin: String,
        scope: JSONValue,
        selection: DeltaStore.Selection,
        before: DeltaStore.Selection?
    ) async throws -> CheckpointPeriod {
        let customerCondition: SQLQueryString = customerID.map { " AND customer_id = \(bind: $0)" } ?? ""
        let fold = Fold(context: try PeriodRoot.context(origin: origin, scope: scope))
        try await db.raw(
            """
            SELECT content_hash, amount, created_at FROM deltas WHERE environment_id = \(bind: environmentID) AND status = 'VERIFIED'
            """ + customerCondition + selection.condition() + " ORDER BY log_index"
        ).run { row in fold.add(row) }
        let state = try fold.result()
        var starting: Int128 = 0
        if let before {
            let query: SQLQueryString =
                "SELECT " + ExactSum.terms(as: "total") + """
                     FROM deltas WHERE environment_id = \(bind: environmentID) AND status = 'VERIFIED'
                    """ + customerCondition + before.condition()
            if let row = try await db.raw(query).first() { starting = try ExactSum.decode(row, "total") }
        }
        // Inside the running-total bound that ingest keeps these fit; older data may not.
        guard let netChange = Amount(exactly: state.net) else { throw AmountOutOfRange("the period's net change") }
        guard let startingBalance = Amount(exactly: starting) else { throw AmountOutOfRange("the period's starting balance") }
        guard let endingBalance = Amount(exactly: starting + state.net) else { throw AmountOutOfRange("the period's ending balance") }
        return CheckpointPeriod(
            root: state.frontier.root,
            deltaCount: state.count,
            netChange: netChange,
            startingBalance: startingBalance,
            endingBalance: endingBalance,
            firstRecordAt: state.first,
            lastRecordAt: state.last
        )
    }

    /// The running state of the pass; rows arrive through a `@Sendable` callback.
    private final class Fold: Sendable {
        struct State {
            var frontier = MerkleFrontier()
            var count: Int64 = 0
            var net: Int128 = 0
            var first: Int64?
            var last: Int64?
            var error: (any Error)?
        }

        private let state = Mutex(State())

        init(context: [UInt8]) {
            state.withLock { _ = $0.frontier.append(leaf: Merkle.leafHash(context)) }
        }

        func add(_ row: any SQLRow) {
            state.withLock { state in
                guard state.error == nil else { return }
                do {
                    // A content hash that is no hash stops the seal: skipped, it would seal a root of other deltas.
                    let hash = try row.decode(column: "content_hash", as: Hash.self)
                    let createdAt = try row.decode(column: "created_at", as: Int64.self)
                    _ = state.frontier.append(leaf: Merkle.leafHash(hash.bytes))
                    state.count += 1
                    state.net += Int128(try row.decode(column: "amount", as: Int64.self))
                    state.first = min(state.first ?? createdAt, createdAt)
                    state.last = max(state.last ?? createdAt, createdAt)
                } catch {
                    state.error = error
                }
            }
        }

        func result() throws -> State {
            let result = state.withLock { $0 }
            if let error = result.error { throw error }
            return result
        }
    }
}
