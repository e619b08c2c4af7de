import Foundation
import PacSpaceCore
import SQLKit

/// One thing the audit found wrong, and where.
public struct AuditFinding: Sendable, CustomStringConvertible {
    /// What it is about: `ctr_… log`, `ctr_… customer c1`, `tnt_… credits`, …
    public let subject: String
    public let problem: String
    public var description: String { "\(subject): \(problem)" }
}

/// What the audit read and found.
public struct AuditReport: Sendable {
    public var environments = 0
    public var leaves: Int64 = 0
    public var nodes: Int64 = 0
    public var signedCheckpoints = 0
    public var deltas: Int64 = 0
    public var customers = 0
    public var tenants = 0
    public var findings: [AuditFinding] = []
    public var clean: Bool { findings.isEmpty }
}

/// `pacspace audit` (issue 5): recomputes, from the stored leaves and deltas alone,
/// everything the server derived and signed — and reports every disagreement.
///
/// Per environment: the leaves are contiguous; every stored subtree hash is the hash of
/// its children; every signed checkpoint's root is the root of that many leaves, its
/// signature verifies under the environment's key and its note matches its row (so
/// consecutive checkpoints are consistent: they are prefixes of one leaf sequence); the
/// tree size and the witness file agree with the newest checkpoint. Per delta: its
/// content hash is recomputed, and a VERIFIED delta's leaf is at its log index. Per
/// customer: counts, sequence numbers and the verified balance equal a replay of the
/// deltas. Per tenant: credits equal the sum of the ledger and the reservations of the
/// deltas still queued. Memory stays O(page + log n + customers).
public struct Audit: Sendable {
    let database: Database
    let progress: @Sendable (String) -> Void
    /// Leaves read per query; a power of two, so pages are whole subtrees.
    static let pageLevel = 13

    public init(database: Database, progress: @escaping @Sendable (String) -> Void) {
        self.database = database
        self.progress = progress
    }

    /// Runs every check; `witnessDirectory` holds the sequencer's last signed checkpoints.
    public func run(witnessDirectory: String?) async throws -> AuditReport {
        var report = AuditReport()
        let environments = try await database.read(timeout: nil) { db in
            try await db.raw("SELECT * FROM environments WHERE status = 'active' ORDER BY created_at, id").all().map(EnvironmentRecord.init(row:))
        }
        for environment in environments {
            report.environments += 1
            try await auditLog(environment, witnessDirectory: witnessDirectory, &report)
            try await auditDeltas(environment, &report)
        }
        try await auditCredits(&report)
        return report
    }

    // MARK: The log

    private func auditLog(_ environment: EnvironmentRecord, witnessDirectory: String?, _ report: inout AuditReport) async throws {
        let subject = "\(environment.id) log"
        func finding(_ problem: String) { report.findings.append(AuditFinding(subject: subject, problem: problem)) }
        let checkpoints = try await database.read(timeout: nil) { db in
            try await db.raw("SELECT * FROM log_checkpoints WHERE environment_id = \(bind: environment.id) ORDER BY tree_size")
                .all().map(SignedCheckpoint.init(row:))
        }
        guard let keyText = environment.publicKey, let verifier = try? NoteVerifier(verifierKey: keyText) else {
            return finding("the environment has no usable public key")
        }
        let size = environment.treeSize
        if checkpoints.last?.treeSize != size {
            finding("the newest signed checkpoint has size \(checkpoints.last?.treeSize ?? -1), the stored tree \(size)")
        }
        var pending = checkpoints[...]
        func checkRoot(at treeSize: Int64, _ root: Hash) {
            while let next = pending.first, next.treeSize <= treeSize {
                pending = pending.dropFirst()
                guard next.treeSize == treeSize else { continue }
                report.signedCheckpoints += 1
                if next.rootHash != root.base64 { finding("checkpoint \(treeSize): signed root \(next.rootHash), the leaves give \(root.base64)") }
                do {
                    let opened = try Checkpoint.open(next.note, verifier: verifier)
                    if opened.size != UInt64(treeSize) || opened.root.base64 != next.rootHash || opened.origin != environment.logOrigin {
                        finding(
                            "checkpoint \(treeSize): the signed note says size \(opened.size), root \(opened.root.base64), origin \(opened.origin)"
                        )
                    }
                } catch {
                    finding("checkpoint \(treeSize): the signature does not verify (\(error))")
                }
            }
        }
        var frontier = MerkleFrontier()
        checkRoot(at: 0, frontier.root)
        var tops: [Hash] = []  // roots of whole pages, for the levels above a page
        let pageSize = Int64(1) << Self.pageLevel
        var start: Int64 = 0
        while start < size {
            let (lower, end) = (start, min(start + pageSize, size))
            let rows = try await database.read(timeout: nil) { db in
                try await db.raw(
                    """
                    SELECT entry_index, leaf_data FROM log_entries WHERE environment_id = \(bind: environment.id)
                      AND entry_index >= \(bind: lower) AND entry_index < \(bind: end) ORDER BY entry_index
                    """
                ).all()
            }
            var leaves: [Hash] = []
            for (offset, row) in rows.enumerated() {
                let index = try row.decode(column: "entry_index", as: Int64.self)
                guard index == start + Int64(offset) else {
                    finding("leaf \(start + Int64(offset)) is missing")
                    return
                }
                let leaf = Merkle.leafHash(Array(try row.decode(column: "leaf_data", as: String.self).utf8))
                leaves.append(leaf)
                _ = frontier.append(leaf: leaf)
                checkRoot(at: Int64(frontier.size), frontier.root)
            }
            guard leaves.count == end - start else {
                finding("leaves \(start + Int64(leaves.count))..<\(end) are missing")
                return
            }
            report.leaves += Int64(leaves.count)
            if let top = try await checkNodes(environment.id, leaves: leaves, from: start, upTo: Self.pageLevel, &report) { tops.append(top) }
            start = end
            if start % (pageSize * 64) == 0 || start == size { progress("\(environment.id): \(start)/\(size) leaves") }
        }
        // Levels above a page, from the pages' roots (n / 8192 of them).
        if !tops.isEmpty { _ = try await checkNodes(environment.id, leaves: tops, from: 0, upTo: 62, baseLevel: Self.pageLevel, &report) }
        if let left = pending.first { finding("checkpoint \(left.treeSize) is beyond the \(size) stored leaves") }
        if let witnessDirectory {
            do {
                if let witnessed = try WitnessFile.read(in: witnessDirectory, environmentID: environment.id),
                    !checkpoints.contains(where: { $0.treeSize == witnessed.size && $0.rootHash == witnessed.root.base64 })
                {
                    let path = WitnessFile.path(in: witnessDirectory, environmentID: environment.id)
                    finding("the witness file \(path) names a checkpoint the database does not have")
                }
            } catch {
                finding("\(error)")
            }
        }
    }

    /// Compares the stored subtree hashes over `hashes` — the nodes of `baseLevel` from
    /// index `from`, a whole aligned block unless it is the log's end — with the hashes
    /// recomputed from them, up to `upTo` levels above; returns the block's root when
    /// the block is a whole subtree of that height.
    private func checkNodes(
        _ environmentID: String,
        leaves hashes: [Hash],
        from first: Int64,
        upTo height: Int,
        baseLevel: Int = 0,
        _ report: inout AuditReport
    ) async throws -> Hash? {
        var expected: [Subtree: Hash] = [:]
        var level = hashes
        var index = first
        var depth = 0
        while true {
            for (offset, hash) in level.enumerated() {
                expected[Subtree(level: baseLevel + depth, index: UInt64(index) + UInt64(offset))] = hash
            }
            guard level.count > 1, depth < height else { break }
            level = stride(from: 0, to: level.count - 1, by: 2).map { Merkle.nodeHash(level[$0], level[$0 + 1]) }
            index /= 2
            depth += 1
        }
        var ranges: [Int: ClosedRange<UInt64>] = [:]
        for subtree in expected.keys {
            let range = ranges[subtree.level]
            ranges[subtree.level] = min(range?.lowerBound ?? .max, subtree.index)...max(range?.upperBound ?? 0, subtree.index)
        }
        let levels = ranges.sorted { $0.key < $1.key }
        let stored = try await database.read(timeout: nil) { db in
            // One index range per level, joined with UNION ALL (an OR would scan the environment).
            var query: SQLQueryString = ""
            for (offset, (l, range)) in levels.enumerated() {
                query += offset == 0 ? "" : " UNION ALL "
                query += """
                    SELECT level, node_index, hash FROM log_nodes WHERE environment_id = \(bind: environmentID) AND level = \(bind: Int64(l))
                      AND node_index >= \(bind: Int64(range.lowerBound)) AND node_index <= \(bind: Int64(range.upperBound))
                    """
            }
            return try await db.raw(query).all()
        }
        var seen = 0
        for row in stored {
            let subtree = Subtree(
                level: Int(try row.decode(column: "level", as: Int64.self)),
                index: UInt64(try row.decode(column: "node_index", as: Int64.self))
            )
            guard let want = expected[subtree] else { continue }
            seen += 1
            if Hash(base64: try row.decode(column: "hash", as: String.self)) != want {
                report.findings.append(
                    AuditFinding(
                        subject: "\(environmentID) log",
                        problem: "the stored hash at level \(subtree.level) index \(subtree.index) is not the hash of its children"
                    )
                )
            }
        }
        report.nodes += Int64(seen)
        if seen != expected.count {
            report.findings.append(
                AuditFinding(
                    subject: "\(environmentID) log",
                    problem: "\(expected.count - seen) subtree hashes from level \(baseLevel) index \(first) up are missing"
                )
            )
        }
        return depth == height && level.count == 1 ? level[0] : nil
    }
}
