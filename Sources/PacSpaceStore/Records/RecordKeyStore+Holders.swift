import PacSpaceCore
import SQLKit

/// The other workspaces that hold an environment's keys, and what it holds for others
/// (docs/records.md, "Workspace keys").
extension RecordKeyStore {
    // MARK: Holders

    /// Another workspace holding this environment's keys.
    public struct Holder: Sendable {
        public enum Scope: String, Sendable, CaseIterable {
            case workspace
            case record
        }

        public let holderID: String
        /// The owner's environment.
        public let environmentID: String
        public let holderEnvironmentID: String
        /// The holder's tenant, where the query read it (``holders(environmentID:)``).
        public let holderTenantID: String?
        public let scope: Scope
        public let required: Bool
        public let pinnedID: String
        public let record: (recordType: String, entityID: String)?
        public let removedAt: Int64?
        public let createdAt: Int64

        init(row: any SQLRow) throws {
            holderID = try row.decode(column: "holder_id", as: String.self)
            environmentID = try row.decode(column: "environment_id", as: String.self)
            holderEnvironmentID = try row.decode(column: "holder_environment_id", as: String.self)
            holderTenantID = try? row.decode(column: "holder_tenant_id", as: String.self)
            scope = try row.decode(column: "scope", as: Scope.self)
            required = try row.decode(column: "required", as: Int64.self) != 0
            pinnedID = try row.decode(column: "pinned_id", as: String.self)
            if let type = try row.decode(column: "record_type", as: String?.self), let entity = try row.decode(column: "entity_id", as: String?.self)
            {
                record = (type, entity)
            } else {
                record = nil
            }
            removedAt = try row.decode(column: "removed_at", as: Int64?.self)
            createdAt = try row.decode(column: "created_at", as: Int64.self)
        }
    }

    /// Where one of a holder's wraps stands, as its owner sees it (never the wrap itself).
    public struct WrapState: Sendable {
        public let version: Int64?
        public let rkid: String?
        /// `stored`, `confirmed` or `refused`.
        public let state: String
        /// The holder's reason for a refusal (`unopened`, `kid_mismatch`).
        public let reason: String?
    }

    /// The most removed holders the owner's list shows (the newest): removed ones stay
    /// stored, and adding and removing a holder again and again must not grow the list.
    public static let maxRemovedListed = 64

    /// The environment's holders — the active ones and the ``maxRemovedListed`` most recently
    /// removed (with `removedAt`) — where each of their wraps stands (so the owner sees a
    /// refusal), and the digest of the active ones the client echoes when it registers a version.
    public func holders(environmentID: String) async throws -> (holders: [Holder], wraps: [String: [WrapState]], holderSet: String) {
        let listed: SQLQueryString = """
            h.environment_id = \(bind: environmentID) AND (h.removed_at IS NULL OR h.holder_id IN (
                SELECT holder_id FROM record_holders WHERE environment_id = \(bind: environmentID) AND removed_at IS NOT NULL
                ORDER BY removed_at DESC, holder_id LIMIT \(bind: Self.maxRemovedListed)))
            """
        return try await database.read { db in
            let all = try await db.raw(
                "SELECT h.*, e.tenant_id AS holder_tenant_id FROM record_holders h JOIN environments e ON e.id = h.holder_environment_id WHERE "
                    + listed + " ORDER BY h.created_at, h.holder_id"
            ).all().map(Holder.init(row:))
            var wraps: [String: [WrapState]] = [:]
            for row in try await db.raw(
                "SELECT w.holder_id, w.version, w.rkid, w.state, w.reason FROM record_holder_wraps w "
                    + "JOIN record_holders h ON h.holder_id = w.holder_id WHERE " + listed + " ORDER BY w.version, w.rkid"
            ).all() {
                wraps[try row.decode(column: "holder_id", as: String.self), default: []].append(
                    WrapState(
                        version: try row.decode(column: "version", as: Int64?.self),
                        rkid: try row.decode(column: "rkid", as: String?.self),
                        state: try row.decode(column: "state", as: String.self),
                        reason: try row.decode(column: "reason", as: String?.self)
                    )
                )
            }
            return (all, wraps, Self.holderSet(all.filter { $0.removedAt == nil }))
        }
    }

    /// Adds a holder; the same workspace, scope and record again answers the first (false).
    public func addHolder(
        environmentID: String,
        holderEnvironmentID: String,
        scope: Holder.Scope,
        required: Bool,
        pinnedID: String,
        record: (recordType: String, entityID: String)?,
        now: Int64
    ) async throws -> (Holder, created: Bool) {
        try await database.transaction { db in
            let recordType = record?.recordType ?? ""
            let entityID = record?.entityID ?? ""
            // Both environments' rows, in LockOrder's order: the owner's quota and the holder's
            // count of owners it has not accepted are counted under them.
            try await LockOrder.environments([environmentID, holderEnvironmentID], database.dialect, db)
            if let existing = try await db.raw(
                """
                SELECT * FROM record_holders WHERE environment_id = \(bind: environmentID) AND holder_environment_id = \(bind: holderEnvironmentID)
                  AND scope = \(bind: scope.rawValue) AND COALESCE(record_type, '') = \(bind: recordType)
                  AND COALESCE(entity_id, '') = \(bind: entityID) AND removed_at IS NULL
                """
            ).first() {
                return (try Holder(row: existing), false)
            }
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxHolders),
                    counting: "record_holders WHERE environment_id = \(bind: environmentID) AND removed_at IS NULL",
                    owner: "environments WHERE id = \(bind: environmentID)",
                    database.dialect,
                    db
                )
            else { throw Refusal.limitReached("\(Self.maxHolders) holders") }
            if try await !Self.accepted(owner: environmentID, holder: holderEnvironmentID, db) {
                guard
                    try await Quota.hasRoom(
                        Int64(Self.maxUnacceptedHoldings),
                        counting: """
                            record_holders h WHERE h.holder_environment_id = \(bind: holderEnvironmentID) AND h.removed_at IS NULL
                              AND NOT EXISTS (SELECT 1 FROM record_holder_wraps w JOIN record_holders o ON o.holder_id = w.holder_id
                                WHERE o.environment_id = h.environment_id AND o.holder_environment_id = h.holder_environment_id
                                  AND w.state = 'confirmed')
                            """,
                        owner: "environments WHERE id = \(bind: holderEnvironmentID)",
                        database.dialect,
                        db
                    )
                else { throw Refusal.limitReached("\(Self.maxUnacceptedHoldings) holdings from owners it has not accepted") }
            }
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO record_holders (holder_id, environment_id, holder_environment_id, scope, required, pinned_id, record_type,
                                                entity_id, created_at)
                    VALUES (\(bind: Identifier.make("hld")), \(bind: environmentID), \(bind: holderEnvironmentID), \(bind: scope.rawValue),
                            \(bind: required ? 1 : 0), \(bind: pinnedID), \(bind: record?.recordType), \(bind: record?.entityID), \(bind: now))
                    RETURNING *
                    """
                ).first()
            else { throw StoreInvariant("holder not stored") }
            return (try Holder(row: row), true)
        }
    }

    /// Removes a holder: its wraps stay stored but it reads nothing more. False when none.
    public func removeHolder(environmentID: String, holderID: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            try await db.raw(
                """
                UPDATE record_holders SET removed_at = \(bind: now)
                WHERE holder_id = \(bind: holderID) AND environment_id = \(bind: environmentID) AND removed_at IS NULL RETURNING holder_id
                """
            ).first() != nil
        }
    }

    /// Which key a wrap carries.
    public enum WrapSlot: Sendable, Equatable {
        /// A version's records key (a workspace holder).
        case version(Int64)
        /// One record's key, by its id (a record holder).
        case record(rkid: String)

        var key: String {
            switch self {
            case .version(let version): "v\(version)"
            case .record(let rkid): "r\(rkid)"
            }
        }
    }

    /// Stores (or replaces) a wrap for one of the environment's active holders; its state is
    /// `stored` until the holder confirms or refuses it.
    public func storeWrap(
        environmentID: String,
        holderID: String,
        slot: WrapSlot,
        pinnedID: String,
        wrap: JSONValue,
        now: Int64
    )
        async throws
    {
        try await database.transaction { db in
            guard
                let holder = try await db.raw(
                    """
                    SELECT * FROM record_holders WHERE holder_id = \(bind: holderID) AND environment_id = \(bind: environmentID)
                      AND removed_at IS NULL
                    """
                ).first().map(Holder.init(row:))
            else { throw Refusal.holderNotFound }
            if case .version(let version) = slot {
                guard holder.scope == .workspace else { throw Refusal.holderNotFound }
                guard
                    try await db.raw(
                        "SELECT 1 AS found FROM record_key_versions WHERE environment_id = \(bind: environmentID) AND version = \(bind: version)"
                    ).first() != nil
                else { throw Refusal.versionUnknown }
            } else if holder.scope != .record {
                throw Refusal.holderNotFound
            }
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxWrapsPerHolder),
                    counting: "record_holder_wraps WHERE holder_id = \(bind: holderID) AND slot <> \(bind: slot.key)",
                    owner: "record_holders WHERE holder_id = \(bind: holderID)",
                    database.dialect,
                    db
                )
            else { throw Refusal.limitReached("\(Self.maxWrapsPerHolder) wraps for one holder") }
            try await Self.storeWrap(holderID, slot, pinnedID: pinnedID, wrap: wrap, now: now, database.dialect, db)
        }
    }

    /// Stores a wrap for the holder row `holderID`. While its workspace has confirmed none of
    /// the owner's wraps, the owner's wraps with it are counted (all its holder rows naming
    /// that workspace) and held to ``maxUnconfirmedWrapsPerOwner``.
    static func storeWrap(
        _ holderID: String,
        _ slot: WrapSlot,
        pinnedID: String,
        wrap: JSONValue,
        now: Int64,
        _ dialect: Database.Dialect,
        _ db: any SQLDatabase
    )
        async throws
    {
        guard
            let pair = try await db.raw(
                "SELECT environment_id, holder_environment_id FROM record_holders WHERE holder_id = \(bind: holderID)"
            ).first()
        else { throw Refusal.holderNotFound }
        let owner = try pair.decode(column: "environment_id", as: String.self)
        let holder = try pair.decode(column: "holder_environment_id", as: String.self)
        if try await !accepted(owner: owner, holder: holder, db) {
            guard
                try await Quota.hasRoom(
                    Int64(Self.maxUnconfirmedWrapsPerOwner),
                    counting: wrapsBetween(owner: owner, holder: holder)
                        + " AND h.removed_at IS NULL AND NOT (w.holder_id = \(bind: holderID) AND w.slot = \(bind: slot.key))",
                    owner: "environments WHERE id = \(bind: owner)",
                    dialect,
                    db
                )
            else {
                throw Refusal.limitReached("\(Self.maxUnconfirmedWrapsPerOwner) wraps waiting for that workspace to confirm one")
            }
        }
        var version: Int64?
        var rkid: String?
        switch slot {
        case .version(let number): version = number
        case .record(let id): rkid = id
        }
        try await db.raw(
            """
            INSERT INTO record_holder_wraps (holder_id, slot, version, rkid, pinned_id, wrap, state, updated_at)
            VALUES (\(bind: holderID), \(bind: slot.key), \(bind: version), \(bind: rkid), \(bind: pinnedID), \(bind: text(wrap)), 'stored',
                    \(bind: now))
            ON CONFLICT (holder_id, slot) DO UPDATE SET pinned_id = excluded.pinned_id, wrap = excluded.wrap, state = 'stored', reason = NULL,
                updated_at = excluded.updated_at
            """
        ).run()
    }

    // MARK: Holdings

    /// One wrap as its holder sees it.
    public struct HeldWrap: Sendable {
        public let version: Int64?
        /// The version's key id (workspace wraps).
        public let kid: String?
        public let rkid: String?
        public let wrap: JSONValue
        public let state: String
        public let reason: String?
    }

    /// The most wraps one page of holdings carries (each at most 8 KiB): a workspace may hold
    /// for many owners, 512 wraps a holder, and the answer is sized by its wraps, counted
    /// before they are loaded (docs/api.md, "Budgets").
    public static let maxWrapsPerHoldingsPage = 1_024

    /// A page of what the environment holds for others, from the `offset`-th active holder
    /// row naming it: each row with its owner's tenant and every wrap stored for it, as many
    /// rows as ``maxWrapsPerHoldingsPage`` allows (at least one, at most 100); `next` is the
    /// next page's offset while rows remain.
    public func holdings(
        holderEnvironmentID: String,
        offset: Int = 0
    ) async throws
        -> (holdings: [(holder: Holder, ownerTenantID: String, wraps: [HeldWrap])], next: Int?)
    {
        try await database.read { db in
            let sizes = try await db.raw(
                """
                SELECT h.holder_id, (SELECT COUNT(*) FROM record_holder_wraps w WHERE w.holder_id = h.holder_id) AS wraps
                FROM record_holders h WHERE h.holder_environment_id = \(bind: holderEnvironmentID) AND h.removed_at IS NULL
                ORDER BY h.created_at, h.holder_id LIMIT 101 OFFSET \(bind: offset)
                """
            ).all()
            var chosen: [String] = []
            var total: Int64 = 0
            for row in sizes.prefix(100) {
                total += try row.decode(column: "wraps", as: Int64.self)
                if !chosen.isEmpty, total > Int64(Self.maxWrapsPerHoldingsPage) { break }
                chosen.append(try row.decode(column: "holder_id", as: String.self))
            }
            let next = chosen.count < sizes.count ? offset + chosen.count : nil
            guard !chosen.isEmpty else { return ([], nil) }
            var ids: SQLQueryString = "("
            for (index, id) in chosen.enumerated() { ids += index == 0 ? "\(bind: id)" : ", \(bind: id)" }
            ids += ")"
            let holders = try await db.raw(
                "SELECT h.*, e.tenant_id AS owner_tenant_id FROM record_holders h JOIN environments e ON e.id = h.environment_id "
                    + "WHERE h.holder_id IN " + ids + " ORDER BY h.created_at, h.holder_id"
            ).all()
            // Every wrap of the page's holder rows in one query (a workspace may hold for many owners).
            let wraps = try await db.raw(
                """
                SELECT w.*, v.kid FROM record_holder_wraps w JOIN record_holders h ON h.holder_id = w.holder_id
                LEFT JOIN record_key_versions v ON v.environment_id = h.environment_id AND v.version = w.version
                WHERE h.holder_id IN
                """ + ids + " ORDER BY w.version, w.rkid"
            ).all()
            var byHolder: [String: [HeldWrap]] = [:]
            for wrap in wraps {
                byHolder[try wrap.decode(column: "holder_id", as: String.self), default: []].append(
                    HeldWrap(
                        version: try wrap.decode(column: "version", as: Int64?.self),
                        kid: try wrap.decode(column: "kid", as: String?.self),
                        rkid: try wrap.decode(column: "rkid", as: String?.self),
                        wrap: try Self.json(wrap, "wrap"),
                        state: try wrap.decode(column: "state", as: String.self),
                        reason: try wrap.decode(column: "reason", as: String?.self)
                    )
                )
            }
            let page = try holders.map { row in
                let holder = try Holder(row: row)
                return (holder, try row.decode(column: "owner_tenant_id", as: String.self), byHolder[holder.holderID] ?? [])
            }
            return (page, next)
        }
    }

    /// The wraps an owner's holder rows naming `holder` hold (the FROM … WHERE of a count).
    static func wrapsBetween(owner: String, holder: String) -> SQLQueryString {
        """
        record_holder_wraps w JOIN record_holders h ON h.holder_id = w.holder_id
        WHERE h.environment_id = \(bind: owner) AND h.holder_environment_id = \(bind: holder)
        """
    }

    /// Whether the workspace `holder` has accepted `owner`: it confirmed one of its wraps.
    static func accepted(owner: String, holder: String, _ db: any SQLDatabase) async throws -> Bool {
        try await Quota.count(wrapsBetween(owner: owner, holder: holder) + " AND w.state = 'confirmed'", db) > 0
    }

    /// The holding `holderID` removed by the workspace that holds it (issue 25): it holds
    /// nothing of that owner's any more, its wraps are deleted, and the owner sees the holder
    /// removed. False when the environment holds no such holding.
    public func dismiss(holderEnvironmentID: String, holderID: String, now: Int64) async throws -> Bool {
        try await database.transaction { db in
            guard
                try await db.raw(
                    """
                    UPDATE record_holders SET removed_at = \(bind: now) WHERE holder_id = \(bind: holderID)
                      AND holder_environment_id = \(bind: holderEnvironmentID) AND removed_at IS NULL RETURNING holder_id
                    """
                ).first() != nil
            else { return false }
            try await db.raw("DELETE FROM record_holder_wraps WHERE holder_id = \(bind: holderID)").run()
            return true
        }
    }

    /// The holder's answer about one of its wraps: confirmed (it opened, to the key id the
    /// owner registered) or refused with a reason. False when no such stored wrap is its own.
    public func answer(
        holderEnvironmentID: String,
        holderID: String,
        version: Int64?,
        confirmedKid: String?,
        refusal: String?,
        now: Int64
    ) async throws -> Bool {
        try await database.transaction { db in
            guard
                let holder = try await db.raw(
                    """
                    SELECT * FROM record_holders WHERE holder_id = \(bind: holderID) AND holder_environment_id = \(bind: holderEnvironmentID)
                      AND removed_at IS NULL
                    """
                ).first().map(Holder.init(row:))
            else { return false }
            let state = refusal == nil ? "confirmed" : "refused"
            if let version {
                if let confirmedKid {
                    // A confirmation names the key it opened: it must be the version's.
                    guard
                        try await db.raw(
                            """
                            SELECT 1 AS found FROM record_key_versions WHERE environment_id = \(bind: holder.environmentID)
                              AND version = \(bind: version) AND kid = \(bind: confirmedKid)
                            """
                        ).first() != nil
                    else { return false }
                }
                return try await db.raw(
                    """
                    UPDATE record_holder_wraps SET state = \(bind: state), reason = \(bind: refusal), updated_at = \(bind: now)
                    WHERE holder_id = \(bind: holderID) AND slot = \(bind: WrapSlot.version(version).key) RETURNING slot
                    """
                ).first() != nil
            }
            return try await db.raw(
                """
                UPDATE record_holder_wraps SET state = \(bind: state), reason = \(bind: refusal), updated_at = \(bind: now)
                WHERE holder_id = \(bind: holderID) AND version IS NULL AND state = 'stored' RETURNING slot
                """
            ).first() != nil
        }
    }

    /// Whether the holder environment may read the owner's record as its holder: it holds
    /// the whole workspace and confirmed at least one version's wrap, or it holds this record
    /// with a wrap it has not refused (the SDK reads the record to confirm that wrap).
    /// Removed holders read nothing.
    public func holds(holderEnvironmentID: String, ownerEnvironmentID: String, recordType: String, entityID: String) async throws -> Bool {
        try await database.read { db in
            try await db.raw(
                """
                SELECT 1 AS found FROM record_holders h JOIN record_holder_wraps w ON w.holder_id = h.holder_id
                WHERE h.environment_id = \(bind: ownerEnvironmentID) AND h.holder_environment_id = \(bind: holderEnvironmentID)
                  AND h.removed_at IS NULL
                  AND ((h.scope = 'workspace' AND w.state = 'confirmed')
                    OR (h.scope = 'record' AND h.record_type = \(bind: recordType) AND h.entity_id = \(bind: entityID) AND w.state <> 'refused'))
                LIMIT 1
                """
            ).first() != nil
        }
    }
}
