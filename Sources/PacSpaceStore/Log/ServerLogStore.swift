import PacSpaceCore
import SQLKit

/// The server log (docs/witnesses.md): one log of logs, whose leaves are the environments'
/// signed checkpoints, appended at a publication interval for the environments that moved.
/// Witnesses follow this one log, whatever the number of tenants; an environment's checkpoint
/// is as witnessed as the server-log checkpoint that includes it. Its own origin, key and
/// tree, in its own tables; the Merkle algorithm is the environments' (``MerkleFrontier``).
public struct ServerLogStore: Sendable {
    /// The id the server log's checkpoints carry where an environment's would carry its own.
    public static let logID = "server-log"

    let database: Database

    public init(database: Database) { self.database = database }

    /// The server log's name and key: its origin, verifier key and sealed signing key.
    public struct Identity: Sendable, Equatable {
        public let origin: String
        public let publicKey: String
        public let sealedSigningKey: String

        public init(origin: String, publicKey: String, sealedSigningKey: String) {
            self.origin = origin
            self.publicKey = publicKey
            self.sealedSigningKey = sealedSigningKey
        }
    }

    /// An environment's latest signed checkpoint that the server log does not hold yet.
    public struct Unpublished: Sendable, Equatable {
        public let environmentID: String
        public let treeSize: Int64
        public let note: String
    }

    /// The server log's identity; nil before a server made it.
    public func identity() async throws -> Identity? {
        try await database.read { db in
            try await db.raw("SELECT * FROM server_log WHERE id = \(bind: Self.logID)").first().map { row in
                Identity(
                    origin: try row.decode(column: "origin", as: String.self),
                    publicKey: try row.decode(column: "public_key", as: String.self),
                    sealedSigningKey: try row.decode(column: "sealed_signing_key", as: String.self)
                )
            }
        }
    }

    /// Makes the server log with `identity` and its signed empty checkpoint, unless a server
    /// (this one before a restart, or another sharing the database) made it first; returns the
    /// identity it has.
    public func create(_ identity: Identity, emptyCheckpoint note: String, now: Int64) async throws -> Identity {
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO server_log (id, origin, public_key, sealed_signing_key, created_at)
                VALUES (\(bind: Self.logID), \(bind: identity.origin), \(bind: identity.publicKey), \(bind: identity.sealedSigningKey), \(bind: now))
                ON CONFLICT (id) DO NOTHING
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO server_log_checkpoints (tree_size, root_hash, note, signed_at)
                VALUES (0, \(bind: Merkle.emptyRoot.base64), \(bind: note), \(bind: now)) ON CONFLICT (tree_size) DO NOTHING
                """
            ).run()
        }
        guard let stored = try await self.identity() else { throw StoreInvariant("the server log was made but cannot be read") }
        return stored
    }

    /// Why the server stopped publishing the server log; nil while it publishes.
    public func halted() async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT halted FROM server_log WHERE id = \(bind: Self.logID)").first()?.decode(column: "halted", as: String?.self)
        }
    }

    /// Stops publication with `reason`, unless it is stopped already (the first reason stays).
    public func halt(reason: String) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE server_log SET halted = \(bind: reason) WHERE id = \(bind: Self.logID) AND halted IS NULL").run()
        }
    }

    /// Resumes publication (an operator's decision, `pacspace server-log resume`); the reason it
    /// was stopped for, if it was.
    public func resume() async throws -> String? {
        try await database.transaction { db in
            let reason = try await db.raw("SELECT halted FROM server_log WHERE id = \(bind: Self.logID)").first()?
                .decode(column: "halted", as: String?.self)
            try await db.raw("UPDATE server_log SET halted = NULL WHERE id = \(bind: Self.logID)").run()
            return reason
        }
    }

    /// The latest signed checkpoint of the server log.
    public func latestCheckpoint() async throws -> SignedCheckpoint? {
        try await database.read { db in try await latestCheckpoint(db) }
    }

    private func latestCheckpoint(_ db: any SQLDatabase) async throws -> SignedCheckpoint? {
        try await db.raw("SELECT * FROM server_log_checkpoints ORDER BY tree_size DESC LIMIT 1").first().map { row in
            SignedCheckpoint(
                environmentID: Self.logID,
                treeSize: try row.decode(column: "tree_size", as: Int64.self),
                rootHash: try row.decode(column: "root_hash", as: String.self),
                note: try row.decode(column: "note", as: String.self),
                signedAt: try row.decode(column: "signed_at", as: Int64.self)
            )
        }
    }

    /// Stored subtree hashes, in the order asked: one primary-key lookup each.
    public func hashes(_ subtrees: [Subtree]) async throws -> [Hash] {
        try await database.read { db in try await hashes(subtrees, db) }
    }

    private func hashes(_ subtrees: [Subtree], _ db: any SQLDatabase) async throws -> [Hash] {
        let rows = try await RowBatch.select(
            "t.level, t.node_index, t.hash",
            from: "server_log_nodes",
            key: [("level", .integer), ("node_index", .integer)],
            in: Set(subtrees),
            db
        ) { subtree, row in
            row.integer(Int64(subtree.level))
            row.integer(Int64(subtree.index))
        }
        return try LogStore.ordered(rows, subtrees, log: Self.logID)
    }

    /// The hashes of `tile` (C2SP tlog-tiles), one range read of the primary key.
    public func hashes(of tile: Tile) async throws -> [Hash] {
        guard let first = tile.firstSubtree else { return [] }
        let last = first + UInt64(tile.width) - 1
        return try await database.read { db in
            try await db.raw(
                """
                SELECT hash FROM server_log_nodes WHERE level = \(bind: tile.subtreeHeight)
                  AND node_index >= \(bind: Int64(first)) AND node_index <= \(bind: Int64(last)) ORDER BY node_index
                """
            ).all().map { row in
                guard let hash = Hash(base64: try row.decode(column: "hash", as: String.self)) else {
                    throw StoreInvariant("a node of the server log is not a hash")
                }
                return hash
            }
        }
    }

    /// The leaves of a level-0 tile's positions, in order: one range read.
    public func leaves(of tile: Tile) async throws -> [[UInt8]] {
        guard tile.level == 0, let first = tile.firstSubtree else { return [] }
        let last = first + UInt64(tile.width) - 1
        return try await database.read { db in
            try await db.raw(
                """
                SELECT leaf_data FROM server_log_entries
                WHERE entry_index >= \(bind: Int64(first)) AND entry_index <= \(bind: Int64(last)) ORDER BY entry_index
                """
            ).all().map { Array(try $0.decode(column: "leaf_data", as: String.self).utf8) }
        }
    }

    /// Active environments whose latest signed checkpoint is past the last the server log
    /// holds of them, by id, at most `limit`: one index probe per environment.
    private func unpublished(limit: Int, _ db: any SQLDatabase) async throws -> [Unpublished] {
        try await db.raw(
            """
            SELECT e.id, c.tree_size, c.note FROM environments e
            JOIN log_checkpoints c ON c.environment_id = e.id AND c.tree_size = e.tree_size
            WHERE e.status = 'active' AND e.tree_size > COALESCE(
                (SELECT MAX(p.tree_size) FROM server_log_publications p WHERE p.environment_id = e.id), -1)
            ORDER BY e.id LIMIT \(bind: limit)
            """
        ).all().map { row in
            Unpublished(
                environmentID: try row.decode(column: "id", as: String.self),
                treeSize: try row.decode(column: "tree_size", as: Int64.self),
                note: try row.decode(column: "note", as: String.self)
            )
        }
    }

    /// Appends the latest signed checkpoints of up to `limit` environments that moved to the
    /// server log and signs its new tree, in one transaction, after checking that the stored
    /// tree gives the last signed root (`sign` is given the new checkpoint). Nil when no
    /// environment moved, or another server is publishing (PostgreSQL: the next round reads
    /// again). On SQLite, whose one writer ingest shares, the environments are read on a
    /// snapshot first (one server writes an SQLite file); on PostgreSQL under the lock.
    public func publish(limit: Int, now: Int64, sign: @escaping @Sendable (Checkpoint) throws -> String) async throws -> SignedCheckpoint? {
        let postgres = database.dialect == .postgres
        let read = postgres ? [] : try await database.read { db in try await unpublished(limit: limit, db) }
        guard postgres || !read.isEmpty else { return nil }
        return try await database.transaction { db in
            var checkpoints = read
            if postgres {
                let locked = try await db.raw("SELECT pg_try_advisory_xact_lock(hashtext('pacspace-server-log')) AS locked").first()?
                    .decode(column: "locked", as: Bool.self)
                guard locked == true else { return nil }
                checkpoints = try await unpublished(limit: limit, db)
                guard !checkpoints.isEmpty else { return nil }
            }
            guard let last = try await latestCheckpoint(db), let lastRoot = Hash(base64: last.rootHash) else {
                throw LogError.inconsistent(environmentID: Self.logID, detail: "the server log has no signed checkpoint")
            }
            let size = UInt64(last.treeSize)
            guard var frontier = MerkleFrontier(size: size, hashes: try await hashes(Subtree.covering(0..<size), db)),
                frontier.root == lastRoot
            else {
                throw LogError.inconsistent(environmentID: Self.logID, detail: "stored hashes do not give the signed root of size \(size)")
            }
            var nodes: [(Subtree, Hash)] = []
            var entries: [(Int64, String)] = []
            var publications: [(String, Int64, Int64)] = []
            for checkpoint in checkpoints {
                let index = Int64(frontier.size)
                nodes += frontier.append(leaf: Merkle.leafHash(Array(checkpoint.note.utf8)))
                entries.append((index, checkpoint.note))
                publications.append((checkpoint.environmentID, checkpoint.treeSize, index))
            }
            try await RowBatch.insert(
                into: "server_log_nodes",
                columns: [("level", .integer), ("node_index", .integer), ("hash", .text)],
                nodes,
                db
            ) { node, row in
                row.integer(Int64(node.0.level))
                row.integer(Int64(node.0.index))
                row.text(node.1.base64)
            }
            try await RowBatch.insert(into: "server_log_entries", columns: [("entry_index", .integer), ("leaf_data", .text)], entries, db) {
                entry,
                row in
                row.integer(entry.0)
                row.text(entry.1)
            }
            try await RowBatch.insert(
                into: "server_log_publications",
                columns: [("environment_id", .text), ("tree_size", .integer), ("entry_index", .integer)],
                publications,
                db
            ) { publication, row in
                row.text(publication.0)
                row.integer(publication.1)
                row.integer(publication.2)
            }
            let identity = try await db.raw("SELECT origin FROM server_log WHERE id = \(bind: Self.logID)").first()?
                .decode(column: "origin", as: String.self)
            guard let origin = identity else { throw StoreInvariant("the server log has checkpoints but no identity") }
            let signed = SignedCheckpoint(
                environmentID: Self.logID,
                treeSize: Int64(frontier.size),
                rootHash: frontier.root.base64,
                note: try sign(Checkpoint(origin: origin, size: frontier.size, root: frontier.root)),
                signedAt: now
            )
            try await db.raw(
                """
                INSERT INTO server_log_checkpoints (tree_size, root_hash, note, signed_at)
                VALUES (\(bind: signed.treeSize), \(bind: signed.rootHash), \(bind: signed.note), \(bind: now))
                """
            ).run()
            return signed
        }
    }
}

/// Witnesses' cosignatures of the server log (docs/witnesses.md).
extension ServerLogStore {
    /// What the server knows of a witness.
    public struct WitnessRecord: Sendable, Equatable {
        /// The size of the last checkpoint it cosigned, as it told the server.
        public let size: Int64
        /// How the last request went: `cosigned`, or why not.
        public let outcome: String
        public let askedAt: Int64

        public init(size: Int64, outcome: String, askedAt: Int64) {
            self.size = size
            self.outcome = outcome
            self.askedAt = askedAt
        }
    }

    /// The cosignature lines kept for the checkpoint of `treeSize`, in witness-key order
    /// (sorted here, as PostgreSQL's collation may order text otherwise than SQLite).
    public func cosignatureLines(treeSize: Int64) async throws -> [String] {
        try await database.read { db in try await cosignatureLines(treeSize: treeSize, db) }
    }

    private func cosignatureLines(treeSize: Int64, _ db: any SQLDatabase) async throws -> [String] {
        try await db.raw("SELECT witness_key, line FROM server_log_cosignatures WHERE tree_size = \(bind: treeSize)").all()
            .map { (try $0.decode(column: "witness_key", as: String.self), try $0.decode(column: "line", as: String.self)) }
            .sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The cosignature lines kept for the checkpoint of `treeSize`, by witness key.
    public func cosignatures(treeSize: Int64) async throws -> [String: String] {
        try await database.read { db in
            var lines: [String: String] = [:]
            for row in try await db.raw("SELECT witness_key, line FROM server_log_cosignatures WHERE tree_size = \(bind: treeSize)").all() {
                lines[try row.decode(column: "witness_key", as: String.self)] = try row.decode(column: "line", as: String.self)
            }
            return lines
        }
    }

    /// What the server knows of each witness, by key.
    public func witnesses() async throws -> [String: WitnessRecord] {
        try await database.read { db in
            var records: [String: WitnessRecord] = [:]
            for row in try await db.raw("SELECT * FROM server_log_witnesses").all() {
                records[try row.decode(column: "witness_key", as: String.self)] = WitnessRecord(
                    size: try row.decode(column: "size", as: Int64.self),
                    outcome: try row.decode(column: "outcome", as: String.self),
                    askedAt: try row.decode(column: "asked_at", as: Int64.self)
                )
            }
            return records
        }
    }

    /// Records how a request to the witness of `key` went, and its cosignature of the
    /// checkpoint of `treeSize` if it gave one (verified by the caller).
    public func record(witness key: String, _ record: WitnessRecord, cosignature: (treeSize: Int64, line: String, time: Int64)?) async throws {
        try await database.transaction { db in
            if let cosignature {
                try await db.raw(
                    """
                    INSERT INTO server_log_cosignatures (tree_size, witness_key, line, cosigned_at)
                    VALUES (\(bind: cosignature.treeSize), \(bind: key), \(bind: cosignature.line), \(bind: cosignature.time))
                    ON CONFLICT (tree_size, witness_key) DO UPDATE SET line = excluded.line, cosigned_at = excluded.cosigned_at
                    """
                ).run()
            }
            try await db.raw(
                """
                INSERT INTO server_log_witnesses (witness_key, size, outcome, asked_at)
                VALUES (\(bind: key), \(bind: record.size), \(bind: record.outcome), \(bind: record.askedAt))
                ON CONFLICT (witness_key) DO UPDATE SET size = excluded.size, outcome = excluded.outcome, asked_at = excluded.asked_at
                """
            ).run()
        }
    }

    /// The largest server-log size whose checkpoint the policy's quorum cosigned; 0 before.
    public func witnessedSize() async throws -> Int64 {
        try await database.read { db in try await witnessedSize(db) }
    }

    private func witnessedSize(_ db: any SQLDatabase) async throws -> Int64 {
        // Newest first on the key: the walk stops at the first witnessed checkpoint.
        try await db.raw("SELECT tree_size FROM server_log_checkpoints WHERE witnessed_at IS NOT NULL ORDER BY tree_size DESC LIMIT 1")
            .first()?.decode(column: "tree_size", as: Int64.self) ?? 0
    }

    /// Marks the checkpoint of `treeSize` witnessed at `now` (its cosignatures meet the
    /// policy's quorum, which the caller checked), and with it every environment checkpoint
    /// it includes that no earlier witnessed checkpoint did. A checkpoint at or below the
    /// witnessed size is left as it is: an entry's time is the first quorum that covered it.
    public func markWitnessed(treeSize: Int64, at now: Int64) async throws {
        try await database.transaction { db in
            let previous = try await witnessedSize(db)
            guard previous < treeSize else { return }
            try await db.raw(
                "UPDATE server_log_checkpoints SET witnessed_at = \(bind: now) WHERE tree_size = \(bind: treeSize) AND witnessed_at IS NULL"
            ).run()
            try await db.raw(
                """
                UPDATE server_log_publications SET witnessed_at = \(bind: now)
                WHERE entry_index >= \(bind: previous) AND entry_index < \(bind: treeSize) AND witnessed_at IS NULL
                """
            ).run()
        }
    }

    /// Where a witnessed entry stands (docs/witnesses.md, "Witnessed receipts"): the
    /// environment checkpoint first published past it, that checkpoint's index in the server
    /// log, and the first witnessed server-log checkpoint including it, with the cosignature
    /// lines kept for it. The same for every read once witnessed: receipts built on it stay.
    public struct WitnessedPlace: Sendable, Equatable {
        public let environmentCheckpoint: SignedCheckpoint
        public let serverLogIndex: Int64
        public let serverLogCheckpoint: SignedCheckpoint
        /// The cosignature lines of `serverLogCheckpoint`, by witness key order.
        public let cosignatures: [String]
        public let witnessedAt: Int64

        /// The server-log checkpoint as its clients read it: the log's signature, then the cosignatures.
        public var cosignedNote: String { serverLogCheckpoint.note + cosignatures.joined() }
    }

    /// Where the entry at `index` of the environment stands in the witnessed server log; nil
    /// until it is witnessed. Four key probes: the publication, its checkpoint, the first
    /// witnessed server-log checkpoint from its leaf on, and that checkpoint's cosignatures.
    public func witnessedPlace(environmentID: String, index: Int64) async throws -> WitnessedPlace? {
        try await database.read { db in
            guard
                let publication = try await db.raw(
                    """
                    SELECT tree_size, entry_index, witnessed_at FROM server_log_publications
                    WHERE environment_id = \(bind: environmentID) AND tree_size > \(bind: index) ORDER BY tree_size LIMIT 1
                    """
                ).first(),
                let witnessedAt = try publication.decode(column: "witnessed_at", as: Int64?.self)
            else { return nil }
            let size = try publication.decode(column: "tree_size", as: Int64.self)
            let leaf = try publication.decode(column: "entry_index", as: Int64.self)
            guard
                let environment = try await db.raw(
                    "SELECT * FROM log_checkpoints WHERE environment_id = \(bind: environmentID) AND tree_size = \(bind: size)"
                ).first().map(SignedCheckpoint.init(row:)),
                let server = try await db.raw(
                    """
                    SELECT * FROM server_log_checkpoints WHERE tree_size > \(bind: leaf) AND witnessed_at IS NOT NULL
                    ORDER BY tree_size LIMIT 1
                    """
                ).first()
            else { throw StoreInvariant("a witnessed publication of \(environmentID) has no checkpoint") }
            let serverSize = try server.decode(column: "tree_size", as: Int64.self)
            let lines = try await cosignatureLines(treeSize: serverSize, db)
            return WitnessedPlace(
                environmentCheckpoint: environment,
                serverLogIndex: leaf,
                serverLogCheckpoint: SignedCheckpoint(
                    environmentID: Self.logID,
                    treeSize: serverSize,
                    rootHash: try server.decode(column: "root_hash", as: String.self),
                    note: try server.decode(column: "note", as: String.self),
                    signedAt: try server.decode(column: "signed_at", as: Int64.self)
                ),
                cosignatures: lines,
                witnessedAt: witnessedAt
            )
        }
    }

    /// A column of a query on `table` (deltas or record_entries: rows with an environment and
    /// a log index) for when the row was witnessed, `witnessed_at`: the time of the first
    /// publication of its environment past its leaf. One probe of the publications' key;
    /// marking (``markWitnessed(treeSize:at:)``) keeps later publications no earlier.
    static func witnessedAt(of table: String) -> String {
        """
        (SELECT p.witnessed_at FROM server_log_publications p WHERE p.environment_id = \(table).environment_id
          AND p.tree_size > \(table).log_index ORDER BY p.tree_size LIMIT 1) AS witnessed_at
        """
    }
}
