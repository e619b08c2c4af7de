import PacSpaceCore
import SQLKit

/// A signed checkpoint of an environment's log.
public struct SignedCheckpoint: Sendable, Equatable {
    public let environmentID: String
    public let treeSize: Int64
    /// Base64 root hash.
    public let rootHash: String
    /// The signed note text.
    public let note: String
    public let signedAt: Int64

    public init(environmentID: String, treeSize: Int64, rootHash: String, note: String, signedAt: Int64) {
        self.environmentID = environmentID
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.note = note
        self.signedAt = signedAt
    }
}

/// The log identity a finished provisioning stores.
public struct ProvisionedLog: Sendable {
    public let origin: String
    public let publicKey: String
    public let sealedSigningKey: String
    public let checkpoint: SignedCheckpoint

    public init(origin: String, publicKey: String, sealedSigningKey: String, checkpoint: SignedCheckpoint) {
        self.origin = origin
        self.publicKey = publicKey
        self.sealedSigningKey = sealedSigningKey
        self.checkpoint = checkpoint
    }
}

/// Environments and their signed checkpoints.
public struct EnvironmentStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Asks for `environment` of `tenantID` to be provisioned. Returns the record and
    /// whether this call started provisioning (false: it was already provisioning or
    /// active, and nothing changed). Racing calls start it once: the unique
    /// (tenant, environment) index and the conditional update decide the one winner.
    public func requestProvisioning(
        tenantID: String,
        environment: EnvironmentName,
        newID: String,
        now: Int64
    ) async throws
        -> (EnvironmentRecord, started: Bool)
    {
        try await database.transaction { db in
            let inserted =
                try await db.raw(
                    """
                    INSERT INTO environments (id, tenant_id, environment, status, attempts, tree_size, requested_at, created_at)
                    VALUES (\(bind: newID), \(bind: tenantID), \(bind: environment.rawValue), 'provisioning', 0, 0, \(bind: now), \(bind: now))
                    ON CONFLICT (tenant_id, environment) DO NOTHING RETURNING id
                    """
                ).first() != nil
            var started = inserted
            if !inserted {
                started =
                    try await db.raw(
                        """
                        UPDATE environments SET status = 'provisioning', error = NULL, attempts = 0, claimed_until = NULL, requested_at = \(bind: now)
                        WHERE tenant_id = \(bind: tenantID) AND environment = \(bind: environment.rawValue) AND status = 'error'
                        RETURNING id
                        """
                    ).first() != nil
            }
            guard
                let row = try await db.raw(
                    """
                    SELECT * FROM environments WHERE tenant_id = \(bind: tenantID) AND environment = \(bind: environment.rawValue)
                    """
                ).first()
            else { throw StoreInvariant("the environment row written above is missing") }
            return (try EnvironmentRecord(row: row), started)
        }
    }

    /// Every environment of the tenant ever requested.
    public func environments(tenantID: String) async throws -> [EnvironmentRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM environments WHERE tenant_id = \(bind: tenantID) ORDER BY created_at")
                .all().map(EnvironmentRecord.init(row:))
        }
    }

    /// The environments of these tenants; one query per 1,000 tenants.
    public func environments(tenantIDs: [String]) async throws -> [EnvironmentRecord] {
        try await database.read { db in
            try await RowBatch.select("t.*", from: "environments", key: [("tenant_id", .text)], in: tenantIDs, db) { id, row in
                row.text(id)
            }.map(EnvironmentRecord.init(row:))
        }
    }

    /// One environment by id.
    public func environment(id: String) async throws -> EnvironmentRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM environments WHERE id = \(bind: id)").first().map(EnvironmentRecord.init(row:))
        }
    }

    /// Environments waiting to be provisioned, oldest request first.
    public func pendingProvisioning() async throws -> [EnvironmentRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM environments WHERE status = 'provisioning' ORDER BY requested_at")
                .all().map(EnvironmentRecord.init(row:))
        }
    }

    /// Takes the lease on a provisioning environment for `leaseMillis` and counts the
    /// attempt; nil when it is no longer provisioning or another server holds the lease.
    ///
    /// On PostgreSQL a row another server is claiming is skipped, not waited for: every
    /// server's provisioner races for every pending environment, and with ~40 servers on
    /// one database (the test suite) they queued on the row one transaction at a time,
    /// up to 2.7 s each (PostgreSQL's lock-wait log), and environments took over 10 s.
    public func claim(id: String, now: Int64, leaseMillis: Int64) async throws -> Int64? {
        let skipLocked = database.skipLocked
        return try await database.transaction { db in
            try await db.raw(
                """
                UPDATE environments SET attempts = attempts + 1, claimed_until = \(bind: now + leaseMillis)
                WHERE id IN (SELECT id FROM environments WHERE id = \(bind: id) AND status = 'provisioning'
                               AND (claimed_until IS NULL OR claimed_until < \(bind: now))\(skipLocked))
                RETURNING attempts
                """
            ).first()?.decode(column: "attempts", as: Int64.self)
        }
    }

    /// Makes a provisioning environment active with its log, and stores the checkpoint
    /// of the empty tree — in one transaction. False if it was no longer provisioning.
    public func activate(id: String, log: ProvisionedLog, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            let updated = try await db.raw(
                """
                UPDATE environments SET status = 'active', error = NULL, log_origin = \(bind: log.origin),
                    public_key = \(bind: log.publicKey), sealed_signing_key = \(bind: log.sealedSigningKey),
                    tree_size = \(bind: log.checkpoint.treeSize), provisioned_at = \(bind: now)
                WHERE id = \(bind: id) AND status = 'provisioning' RETURNING *
                """
            ).first()
            guard let updated else { return false }
            try await insert(log.checkpoint, db)
            let record = try EnvironmentRecord(row: updated)
            try await WebhookOutbox.announce(
                [WebhookNotice(WebhookEventType.environmentProvisioned.rawValue, record.event)],
                tenantID: record.tenantID,
                environment: record.environment,
                now: now,
                db
            )
            return true
        }
    }

    /// Marks a provisioning environment failed with a sentence for the owner.
    public func fail(id: String, error: String, now: Int64) async throws {
        try await database.transaction { db in
            guard
                let failed = try await db.raw(
                    """
                    UPDATE environments SET status = 'error', error = \(bind: error) WHERE id = \(bind: id) AND status = 'provisioning'
                    RETURNING *
                    """
                ).first()
            else { return }
            let record = try EnvironmentRecord(row: failed)
            try await WebhookOutbox.announce(
                [WebhookNotice(WebhookEventType.environmentFailed.rawValue, record.event)],
                tenantID: record.tenantID,
                environment: record.environment,
                now: now,
                db
            )
        }
    }

    private func insert(_ checkpoint: SignedCheckpoint, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO log_checkpoints (environment_id, tree_size, root_hash, note, signed_at)
            VALUES (\(bind: checkpoint.environmentID), \(bind: checkpoint.treeSize), \(bind: checkpoint.rootHash),
                    \(bind: checkpoint.note), \(bind: checkpoint.signedAt))
            """
        ).run()
    }
}

extension EnvironmentRecord {
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            environment: try row.decode(column: "environment", as: EnvironmentName.self),
            status: try row.decode(column: "status", as: EnvironmentStatus.self),
            error: try row.decode(column: "error", as: String?.self),
            attempts: try row.decode(column: "attempts", as: Int64.self),
            logOrigin: try row.decode(column: "log_origin", as: String?.self),
            publicKey: try row.decode(column: "public_key", as: String?.self),
            sealedSigningKey: try row.decode(column: "sealed_signing_key", as: String?.self),
            treeSize: try row.decode(column: "tree_size", as: Int64.self),
            requestedAt: try row.decode(column: "requested_at", as: Int64.self),
            provisionedAt: try row.decode(column: "provisioned_at", as: Int64?.self)
        )
    }
}

extension SignedCheckpoint {
    init(row: any SQLRow) throws {
        self.init(
            environmentID: try row.decode(column: "environment_id", as: String.self),
            treeSize: try row.decode(column: "tree_size", as: Int64.self),
            rootHash: try row.decode(column: "root_hash", as: String.self),
            note: try row.decode(column: "note", as: String.self),
            signedAt: try row.decode(column: "signed_at", as: Int64.self)
        )
    }
}
