import PacSpaceCore
import SQLKit

/// The workspace side of encrypted records (docs/records.md, "Workspace keys"): each
/// environment's identity, the versions of its workspace secret, and the other workspaces
/// that hold its keys. Everything here was sealed or drawn by clients; the server stores
/// public keys and opaque wraps, and checks who may read which.
public struct RecordKeyStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// An identity: its public key, the id the SDK computes from it, and its seed as the
    /// client sealed it under each version of its secret.
    public struct Identity: Sendable {
        public let publicKeyID: String
        /// The X-Wing public key, unpadded base64url as sent.
        public let publicKey: String
        public let seedWraps: [(version: Int64, wrap: JSONValue)]
        public let retired: Bool
    }

    /// Why a change to the workspace keys was refused.
    public enum Refusal: Error, Equatable, Sendable {
        /// The environment has another current identity.
        case identityExists
        /// The identity a replacement names is not the current one.
        case identityChanged
        /// The replacement is a key the environment already had.
        case identityRetired
        /// The version is registered with another key id.
        case versionTaken
        /// The holders changed since the client listed them.
        case holderSetChanged
        /// No such holder of this environment (or it was removed).
        case holderNotFound
        /// The wrap names a version the environment has not registered.
        case versionUnknown
        /// Past ``maxVersions``, ``maxHolders`` or ``maxWrapsPerHolder``: the bounds one
        /// free key cannot push the store beyond.
        case limitReached(String)
    }

    /// The most identities one environment may have had (a version carries one seed wrap
    /// for each: 16, the bound on `seedWraps`).
    public static let maxIdentities: Int64 = 16
    /// The most versions one environment's secret may have.
    public static let maxVersions = 256
    /// The most active holders one environment may have.
    public static let maxHolders = 64
    /// The most wraps one holder may have (record keys: one per re-key of its record).
    public static let maxWrapsPerHolder = 512
    /// The most wraps one owner may leave with a workspace that has confirmed none of its
    /// wraps yet (issue 25): anyone may name any workspace a holder, and 64 holders of 512
    /// wraps of 8 KiB put 256 MiB in a stranger's holdings. Once the workspace confirms one,
    /// it has accepted the owner and ``maxWrapsPerHolder`` applies; it can remove a holding
    /// it does not want either way (``dismiss(holderEnvironmentID:holderID:now:)``).
    public static let maxUnconfirmedWrapsPerOwner = 16
    /// The most active holder rows naming one workspace from owners it has not accepted: so
    /// strangers cannot grow its holdings without end either; it can remove any of them.
    public static let maxUnacceptedHoldings = 64

    // MARK: Identity

    /// The environment's identities, current first; empty before the first.
    public func identities(environmentID: String) async throws -> [Identity] {
        try await database.read { db in
            let rows = try await db.raw(
                """
                SELECT public_key_id, public_key, retired_at FROM record_identities WHERE environment_id = \(bind: environmentID)
                ORDER BY retired_at IS NOT NULL, retired_at DESC
                """
            ).all()
            let wraps = try await db.raw(
                "SELECT public_key_id, version, wrap FROM record_seed_wraps WHERE environment_id = \(bind: environmentID) ORDER BY version"
            ).all()
            return try rows.map { row in
                let id = try row.decode(column: "public_key_id", as: String.self)
                return Identity(
                    publicKeyID: id,
                    publicKey: try row.decode(column: "public_key", as: String.self),
                    seedWraps: try wraps.filter { try $0.decode(column: "public_key_id", as: String.self) == id }.map {
                        (try $0.decode(column: "version", as: Int64.self), try Self.json($0, "wrap"))
                    },
                    retired: try row.decode(column: "retired_at", as: Int64?.self) != nil
                )
            }
        }
    }

    /// Registers the environment's identity with its seed wrap; false when this same key is
    /// already its identity (nothing changes). Another key is ``Refusal/identityExists``
    /// unless it names the current one in `replacing`: then the current one is retired —
    /// kept, with its seed wraps, so what was wrapped to it still opens.
    public func register(
        environmentID: String,
        publicKeyID: String,
        publicKey: String,
        seedWrap: (version: Int64, wrap: JSONValue),
        replacing: String?,
        now: Int64
    ) async throws -> Bool {
        try await database.transaction { db in
            func current() async throws -> String? {
                try await db.raw(
                    "SELECT public_key_id FROM record_identities WHERE environment_id = \(bind: environmentID) AND retired_at IS NULL"
                ).first()?.decode(column: "public_key_id", as: String.self)
            }
            if let existing = try await current() {
                if existing == publicKeyID { return false }
                guard let replacing else { throw Refusal.identityExists }
                guard replacing == existing else { throw Refusal.identityChanged }
                let known = try await Self.count(
                    "record_identities WHERE environment_id = \(bind: environmentID) AND public_key_id = \(bind: publicKeyID)",
                    db
                )
                guard known == 0 else { throw Refusal.identityRetired }
                guard
                    try await Quota.hasRoom(
                        Self.maxIdentities,
                        counting: "record_identities WHERE environment_id = \(bind: environmentID)",
                        owner: "environments WHERE id = \(bind: environmentID)",
                        database.dialect,
                        db
                    )
                else { throw Refusal.limitReached("\(Self.maxIdentities) identities") }
                // Retired and replaced in one transaction; a racing replacement of the same key
                // finds nothing current to retire and is told the identity changed.
                guard
                    try await db.raw(
                        """
                        UPDATE record_identities SET retired_at = \(bind: now)
                        WHERE environment_id = \(bind: environmentID) AND public_key_id = \(bind: existing) AND retired_at IS NULL
                        RETURNING public_key_id
                        """
                    ).first() != nil
                else { throw Refusal.identityChanged }
            } else if replacing != nil {
                throw Refusal.identityChanged
            }
            // Two first registrations at once: the unique index keeps one; the other is told.
            try await db.raw(
                """
                INSERT INTO record_identities (environment_id, public_key_id, public_key, created_at)
                VALUES (\(bind: environmentID), \(bind: publicKeyID), \(bind: publicKey), \(bind: now))
                ON CONFLICT DO NOTHING
                """
            ).run()
            guard try await current() == publicKeyID else { throw Refusal.identityExists }
            try await Self.storeSeedWrap(environmentID, publicKeyID, seedWrap.version, seedWrap.wrap, db)
            return true
        }
    }

    /// The current identity of the workspace `tenantID` in the environment named like
    /// `environment` (a sandbox sees sandbox identities only).
    public func identity(tenantID: String, environment: EnvironmentName) async throws -> Identity? {
        guard let environmentID = try await environmentID(tenantID: tenantID, environment: environment) else { return nil }
        return try await identities(environmentID: environmentID).first { !$0.retired }
    }

    /// The id of the tenant's environment named `environment`.
    public func environmentID(tenantID: String, environment: EnvironmentName) async throws -> String? {
        try await database.read { db in
            try await db.raw(
                "SELECT id FROM environments WHERE tenant_id = \(bind: tenantID) AND environment = \(bind: environment.rawValue)"
            ).first()?.decode(column: "id", as: String.self)
        }
    }

    private static func storeSeedWrap(
        _ environmentID: String,
        _ publicKeyID: String,
        _ version: Int64,
        _ wrap: JSONValue,
        _ db: any SQLDatabase
    )
        async throws
    {
        try await db.raw(
            """
            INSERT INTO record_seed_wraps (environment_id, public_key_id, version, wrap)
            VALUES (\(bind: environmentID), \(bind: publicKeyID), \(bind: version), \(bind: Self.text(wrap)))
            ON CONFLICT (environment_id, public_key_id, version) DO UPDATE SET wrap = excluded.wrap
            """
        ).run()
    }

    // MARK: Versions

    /// The versions of the environment's workspace secret: each with its records key's id.
    public func versions(environmentID: String) async throws -> [(version: Int64, kid: String)] {
        try await database.read { db in
            try await db.raw("SELECT version, kid FROM record_key_versions WHERE environment_id = \(bind: environmentID) ORDER BY version")
                .all().map { (try $0.decode(column: "version", as: Int64.self), try $0.decode(column: "kid", as: String.self)) }
        }
    }

    /// A version to register: its key id, the identities' seeds sealed under it, and its
    /// records key wrapped to each workspace holder, for the holder set the client listed.
    public struct NewVersion: Sendable {
        public let version: Int64
        public let kid: String
        public let holderSet: String?
        public let seedWraps: [(publicKeyID: String, wrap: JSONValue)]
        public let holderWraps: [(holderID: String, pinnedID: String, wrap: JSONValue)]

        public init(
            version: Int64,
            kid: String,
            holderSet: String?,
            seedWraps: [(publicKeyID: String, wrap: JSONValue)],
            holderWraps: [(holderID: String, pinnedID: String, wrap: JSONValue)]
        ) {
            self.version = version
            self.kid = kid
            self.holderSet = holderSet
            self.seedWraps = seedWraps
            self.holderWraps = holderWraps
        }
    }

    /// Registers a version (again: the same key id changes nothing but the wraps); returns
    /// the workspace holders that must confirm a wrap of it.
    public func register(_ version: NewVersion, environmentID: String, now: Int64) async throws -> [String] {
        try await database.transaction { db in
            let holders = try await Self.activeHolders(environmentID, db)
            if let expected = version.holderSet, expected != Self.holderSet(holders) { throw Refusal.holderSetChanged }
            let existing = try await db.raw(
                "SELECT kid FROM record_key_versions WHERE environment_id = \(bind: environmentID) AND version = \(bind: version.version)"
            ).first()?.decode(column: "kid", as: String.self)
            if let existing, existing != version.kid { throw Refusal.versionTaken }
            if existing == nil {
                guard
                    try await Quota.hasRoom(
                        Int64(Self.maxVersions),
                        counting: "record_key_versions WHERE environment_id = \(bind: environmentID)",
                        owner: "environments WHERE id = \(bind: environmentID)",
                        database.dialect,
                        db
                    )
                else { throw Refusal.limitReached("\(Self.maxVersions) versions") }
                try await db.raw(
                    """
                    INSERT INTO record_key_versions (environment_id, version, kid, created_at)
                    VALUES (\(bind: environmentID), \(bind: version.version), \(bind: version.kid), \(bind: now))
                    """
                ).run()
            }
            let identities = try await db.raw("SELECT public_key_id FROM record_identities WHERE environment_id = \(bind: environmentID)")
                .all().map { try $0.decode(column: "public_key_id", as: String.self) }
            for seed in version.seedWraps where identities.contains(seed.publicKeyID) {
                try await Self.storeSeedWrap(environmentID, seed.publicKeyID, version.version, seed.wrap, db)
            }
            let workspaceHolders = holders.filter { $0.scope == .workspace }
            for wrap in version.holderWraps {
                guard workspaceHolders.contains(where: { $0.holderID == wrap.holderID }) else { throw Refusal.holderNotFound }
                try await Self.storeWrap(
                    wrap.holderID,
                    .version(version.version),
                    pinnedID: wrap.pinnedID,
                    wrap: wrap.wrap,
                    now: now,
                    database.dialect,
                    db
                )
            }
            return workspaceHolders.map(\.holderID)
        }
    }

    // MARK: Required holders

    /// Whether a required workspace holder still holds back the version with `kid`: one
    /// that was active when the version was registered and has not confirmed its wrap.
    /// A holder added later does not stop the versions before it — the owner's writes under
    /// them would halt the moment it was named — though it holds back every one after.
    private static let awaitingHolder = """
        h.environment_id = v.environment_id AND h.scope = 'workspace' AND h.required = 1 AND h.removed_at IS NULL
          AND h.created_at <= v.created_at
          AND NOT EXISTS (SELECT 1 FROM record_holder_wraps w WHERE w.holder_id = h.holder_id AND w.version = v.version AND w.state = 'confirmed')
        """

    /// The required holders a write under `kid` waits for, by id; empty when none (or when
    /// `kid` is no registered version: an unregistered key is the client's own affair).
    static func awaiting(kid: String, environmentID: String, _ db: any SQLDatabase) async throws -> [String] {
        try await db.raw(
            """
            SELECT h.holder_id FROM record_key_versions v JOIN record_holders h ON \(unsafeRaw: awaitingHolder)
            WHERE v.environment_id = \(bind: environmentID) AND v.kid = \(bind: kid) ORDER BY h.holder_id
            """
        ).all().map { try $0.decode(column: "holder_id", as: String.self) }
    }

    /// The newest registered version no required holder holds back: where a new record's
    /// first write goes while a newer version waits.
    static func newestWritableKid(environmentID: String, _ db: any SQLDatabase) async throws -> String? {
        try await db.raw(
            """
            SELECT v.kid FROM record_key_versions v WHERE v.environment_id = \(bind: environmentID)
              AND NOT EXISTS (SELECT 1 FROM record_holders h WHERE \(unsafeRaw: awaitingHolder))
            ORDER BY v.version DESC LIMIT 1
            """
        ).first()?.decode(column: "kid", as: String.self)
    }

    /// The versions with the required holders each still waits for.
    public func awaiting(environmentID: String) async throws -> [Int64: [String]] {
        try await database.read { db in
            var awaiting: [Int64: [String]] = [:]
            for row in try await db.raw(
                """
                SELECT v.version, h.holder_id FROM record_key_versions v JOIN record_holders h ON \(unsafeRaw: Self.awaitingHolder)
                WHERE v.environment_id = \(bind: environmentID) ORDER BY h.holder_id
                """
            ).all() {
                awaiting[try row.decode(column: "version", as: Int64.self), default: []].append(try row.decode(column: "holder_id", as: String.self))
            }
            return awaiting
        }
    }

    // MARK: Helpers

    static func count(_ rows: SQLQueryString, _ db: any SQLDatabase) async throws -> Int64 { try await Quota.count(rows, db) }

    static func holderSet(_ active: [Holder]) -> String {
        let lines = active.sorted { $0.holderID < $1.holderID }.map { "\($0.holderID):\($0.pinnedID)" }.joined(separator: "\n")
        return Hash.sha256(Array(lines.utf8)).prefixedHex
    }

    static func activeHolders(_ environmentID: String, _ db: any SQLDatabase) async throws -> [Holder] {
        try await db.raw("SELECT * FROM record_holders WHERE environment_id = \(bind: environmentID) AND removed_at IS NULL")
            .all().map(Holder.init(row:))
    }

    static func text(_ value: JSONValue) -> String { String(decoding: JSONWriter.serialize(value), as: UTF8.self) }

    static func json(_ row: any SQLRow, _ column: String) throws -> JSONValue {
        try JSONParser.parse(Array(try row.decode(column: column, as: String.self).utf8))
    }
}
