import Logging
import SQLKit

/// Forward-only schema migrations, applied in order, each in its own transaction.
///
/// Columns use types both engines share: TEXT, BIGINT (times are epoch milliseconds,
/// money is micro-units) and base64 TEXT for binary values.
public enum Migrations {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
        /// Run after `statements`, on SQLite only (storage layouts PostgreSQL lacks).
        var sqliteStatements: [String] = []
        /// Run after `statements`, on PostgreSQL only (storage parameters SQLite lacks).
        var postgresStatements: [String] = []
    }

    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "accounts",
            statements: [
                """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                    first_name TEXT NOT NULL, last_name TEXT NOT NULL, role TEXT NOT NULL,
                    email_verified_at BIGINT, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX users_tenant ON users(tenant_id)",
                """
                CREATE TABLE email_tokens (
                    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                    purpose TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE refresh_tokens (
                    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                    family_id TEXT NOT NULL, expires_at BIGINT NOT NULL,
                    spent_at BIGINT, revoked_at BIGINT, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id)",
                "CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id)",
            ]
        ),
        Migration(
            version: 2,
            name: "environments",
            statements: [
                """
                CREATE TABLE environments (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    environment TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
                    attempts BIGINT NOT NULL DEFAULT 0, log_origin TEXT, public_key TEXT,
                    sealed_signing_key TEXT, tree_size BIGINT NOT NULL DEFAULT 0,
                    requested_at BIGINT NOT NULL, provisioned_at BIGINT, created_at BIGINT NOT NULL,
                    UNIQUE (tenant_id, environment))
                """,
                "CREATE INDEX environments_status ON environments(status)",
                """
                CREATE TABLE log_checkpoints (
                    environment_id TEXT NOT NULL REFERENCES environments(id), tree_size BIGINT NOT NULL,
                    root_hash TEXT NOT NULL, note TEXT NOT NULL, signed_at BIGINT NOT NULL,
                    PRIMARY KEY (environment_id, tree_size))
                """,
            ]
        ),
        Migration(
            version: 3,
            name: "api keys",
            statements: [
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
                    environment TEXT NOT NULL, name TEXT NOT NULL, public_id TEXT NOT NULL UNIQUE,
                    secret_hash TEXT NOT NULL, previous_secret_hash TEXT, previous_expires_at BIGINT,
                    active BIGINT NOT NULL, revoked_at BIGINT, created_at BIGINT NOT NULL, last_used_at BIGINT)
                """,
                "CREATE INDEX api_keys_tenant ON api_keys(tenant_id, created_at)",
            ]
        ),
        Migration(
            version: 4,
            name: "deltas",
            statements: [
                """
                CREATE TABLE customers (
                    environment_id TEXT NOT NULL REFERENCES environments(id), customer_id TEXT NOT NULL,
                    last_sequence BIGINT NOT NULL, total_deltas BIGINT NOT NULL,
                    verified_deltas BIGINT NOT NULL DEFAULT 0, verified_balance BIGINT NOT NULL DEFAULT 0,
                    last_verified_index BIGINT, latest_receipt_id TEXT,
                    created_at BIGINT NOT NULL, last_activity_at BIGINT NOT NULL,
                    PRIMARY KEY (environment_id, customer_id))
                """,
                """
                CREATE TABLE deltas (
                    record_id TEXT PRIMARY KEY, receipt_id TEXT NOT NULL UNIQUE,
                    environment_id TEXT NOT NULL REFERENCES environments(id), customer_id TEXT NOT NULL,
                    sequence_number BIGINT NOT NULL, queue_position BIGINT NOT NULL,
                    amount BIGINT NOT NULL, reason TEXT NOT NULL, reference_id TEXT, metadata TEXT, adjusts TEXT,
                    content_hash TEXT NOT NULL, status TEXT NOT NULL, error_code TEXT, error_message TEXT,
                    created_at BIGINT NOT NULL, log_index BIGINT, verified_at BIGINT, latency_ms BIGINT,
                    UNIQUE (environment_id, customer_id, sequence_number))
                """,
                "CREATE UNIQUE INDEX deltas_reference ON deltas(environment_id, customer_id, reference_id)",
                // Only QUEUED rows are ever looked up by queue position: a partial index stays small.
                "CREATE INDEX deltas_queue ON deltas(environment_id, queue_position) WHERE status = 'QUEUED'",
                "CREATE INDEX deltas_content_hash ON deltas(content_hash)",
                """
                CREATE TABLE idempotency_keys (
                    environment_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, request_hash TEXT NOT NULL,
                    status_code BIGINT NOT NULL, response TEXT NOT NULL, created_at BIGINT NOT NULL,
                    PRIMARY KEY (environment_id, idempotency_key))
                """,
                "ALTER TABLE environments ADD COLUMN queue_position BIGINT NOT NULL DEFAULT 0",
            ]
        ),
        Migration(
            version: 5,
            name: "log",
            statements: [
                // Every complete subtree hash (level 0 = leaf hashes): appends and proofs read O(log n) rows.
                """
                CREATE TABLE log_nodes (
                    environment_id TEXT NOT NULL REFERENCES environments(id), level BIGINT NOT NULL, node_index BIGINT NOT NULL,
                    hash TEXT NOT NULL, PRIMARY KEY (environment_id, level, node_index))
                """,
                """
                CREATE TABLE log_entries (
                    environment_id TEXT NOT NULL REFERENCES environments(id), entry_index BIGINT NOT NULL, leaf_data TEXT NOT NULL,
                    PRIMARY KEY (environment_id, entry_index))
                """,
            ]
        ),
        Migration(
            version: 6,
            name: "scoped sums",
            statements: [
                // Period and window scopes: range sums over one customer's acceptance times.
                "CREATE INDEX deltas_customer_time ON deltas(environment_id, customer_id, created_at)"
            ]
        ),
        Migration(
            version: 7,
            name: "checkpoints",
            statements: [
                """
                CREATE TABLE checkpoints (
                    checkpoint_id TEXT PRIMARY KEY, environment_id TEXT NOT NULL REFERENCES environments(id),
                    customer_key TEXT NOT NULL, scope_key TEXT NOT NULL, scope TEXT NOT NULL,
                    proof_root TEXT NOT NULL, delta_count BIGINT NOT NULL, net_change BIGINT NOT NULL,
                    starting_balance BIGINT NOT NULL, ending_balance BIGINT NOT NULL, first_record_at BIGINT, last_record_at BIGINT,
                    leaf_data TEXT NOT NULL, queue_position BIGINT NOT NULL, status TEXT NOT NULL,
                    log_index BIGINT, created_at BIGINT NOT NULL, verified_at BIGINT,
                    UNIQUE (environment_id, customer_key, scope_key))
                """,
                "CREATE INDEX checkpoints_queue ON checkpoints(environment_id, queue_position) WHERE status = 'QUEUED'",
                "CREATE INDEX checkpoints_proof_root ON checkpoints(proof_root)",
                "CREATE INDEX checkpoints_list ON checkpoints(environment_id, created_at)",
            ]
        ),
        Migration(
            version: 8,
            name: "usage",
            statements: [
                // Verified deltas per environment and UTC month, kept by the sequencer: O(1) usage reads.
                """
                CREATE TABLE usage_months (
                    environment_id TEXT NOT NULL REFERENCES environments(id), period TEXT NOT NULL,
                    verified_deltas BIGINT NOT NULL, PRIMARY KEY (environment_id, period))
                """,
                "CREATE INDEX customers_activity ON customers(environment_id, last_activity_at)",
            ]
        ),
        Migration(
            version: 9,
            name: "credits",
            statements: [
                // balance and reserved are micro-credits; available = balance − reserved, never negative.
                """
                CREATE TABLE credit_accounts (
                    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id), balance BIGINT NOT NULL, reserved BIGINT NOT NULL,
                    CHECK (reserved >= 0), CHECK (balance - reserved >= 0))
                """,
                """
                CREATE TABLE credit_entries (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), type TEXT NOT NULL, amount BIGINT NOT NULL,
                    description TEXT NOT NULL, balance_after BIGINT NOT NULL, reserved_after BIGINT NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX credit_entries_tenant ON credit_entries(tenant_id, created_at)",
                "ALTER TABLE deltas ADD COLUMN credit_cost BIGINT NOT NULL DEFAULT 0",
            ]
        ),
        Migration(
            version: 10,
            name: "provisioning leases",
            statements: [
                // One server works on a provisioning environment at a time; a lease left by a killed server expires.
                "ALTER TABLE environments ADD COLUMN claimed_until BIGINT"
            ]
        ),
        Migration(
            version: 11,
            name: "webhooks",
            statements: [
                // Signing secrets are sealed with the master key (they must be usable to sign).
                // events NULL = every event; environment NULL = both.
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), url TEXT NOT NULL,
                    events TEXT, environment TEXT, description TEXT,
                    sealed_secret TEXT NOT NULL, sealed_previous_secret TEXT, previous_expires_at BIGINT,
                    active BIGINT NOT NULL, disabled_reason TEXT, failing_since BIGINT,
                    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, deleted_at BIGINT)
                """,
                "CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, created_at)",
                // The outbox: an event's body is fixed when the event is written, in the
                // transaction of the change it reports.
                """
                CREATE TABLE webhook_events (
                    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), environment TEXT NOT NULL,
                    type TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE webhook_deliveries (
                    event_id TEXT NOT NULL REFERENCES webhook_events(id), endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
                    tenant_id TEXT NOT NULL, environment TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL,
                    next_attempt_at BIGINT, claimed_until BIGINT, last_attempt_at BIGINT, last_status_code BIGINT,
                    last_error TEXT, last_latency_ms BIGINT, delivered_at BIGINT, created_at BIGINT NOT NULL,
                    PRIMARY KEY (event_id, endpoint_id))
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending'",
                "CREATE INDEX webhook_deliveries_list ON webhook_deliveries(tenant_id, environment, created_at)",
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id) WHERE status = 'pending'",
                """
                CREATE TABLE webhook_attempts (
                    event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, attempt BIGINT NOT NULL, attempted_at BIGINT NOT NULL,
                    status_code BIGINT, latency_ms BIGINT NOT NULL, error TEXT,
                    PRIMARY KEY (event_id, endpoint_id, attempt))
                """,
            ]
        ),
        Migration(
            version: 12,
            name: "write path layout",
            statements: [
                // Deltas without a referenceId no longer get an entry (NULLs never conflicted anyway).
                "DROP INDEX deltas_reference",
                "CREATE UNIQUE INDEX deltas_reference ON deltas(environment_id, customer_id, reference_id) WHERE reference_id IS NOT NULL",
            ],
            sqliteStatements: [
                // The log tables keyed by their primary key alone: one B-tree per table instead of a
                // rowid table plus its key index, so each appended node or leaf is written once.
                """
                CREATE TABLE log_nodes_keyed (
                    environment_id TEXT NOT NULL REFERENCES environments(id), level BIGINT NOT NULL, node_index BIGINT NOT NULL,
                    hash TEXT NOT NULL, PRIMARY KEY (environment_id, level, node_index)) WITHOUT ROWID
                """,
                "INSERT INTO log_nodes_keyed SELECT environment_id, level, node_index, hash "
                    + "FROM log_nodes ORDER BY environment_id, level, node_index",
                "DROP TABLE log_nodes",
                "ALTER TABLE log_nodes_keyed RENAME TO log_nodes",
                """
                CREATE TABLE log_entries_keyed (
                    environment_id TEXT NOT NULL REFERENCES environments(id), entry_index BIGINT NOT NULL, leaf_data TEXT NOT NULL,
                    PRIMARY KEY (environment_id, entry_index)) WITHOUT ROWID
                """,
                "INSERT INTO log_entries_keyed SELECT environment_id, entry_index, leaf_data FROM log_entries ORDER BY environment_id, entry_index",
                "DROP TABLE log_entries",
                "ALTER TABLE log_entries_keyed RENAME TO log_entries",
            ]
        ),
        Migration(
            version: 13,
            name: "accepted totals",
            statements: [
                // The sum of every accepted delta (QUEUED or VERIFIED), per customer and per
                // environment: what ingest keeps inside ±Amount.maxTotal. Backfilled with whole
                // units and remainders summed apart (no engine overflows); a total already past
                // the 64-bit range (written before the bound) is clamped near it, so that only
                // deltas towards zero are accepted for it.
                "ALTER TABLE customers ADD COLUMN accepted_balance BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE environments ADD COLUMN accepted_balance BIGINT NOT NULL DEFAULT 0",
                """
                UPDATE customers SET accepted_balance = COALESCE((
                    SELECT CASE WHEN SUM(d.amount / 1000000) > 9000000000000 THEN 9000000000000000000
                                WHEN SUM(d.amount / 1000000) < -9000000000000 THEN -9000000000000000000
                                ELSE SUM(d.amount / 1000000) * 1000000 + SUM(d.amount % 1000000) END
                    FROM deltas d WHERE d.environment_id = customers.environment_id AND d.customer_id = customers.customer_id
                      AND d.status <> 'FAILED'), 0)
                """,
                """
                UPDATE environments SET accepted_balance = COALESCE((
                    SELECT CASE WHEN SUM(d.amount / 1000000) > 9000000000000 THEN 9000000000000000000
                                WHEN SUM(d.amount / 1000000) < -9000000000000 THEN -9000000000000000000
                                ELSE SUM(d.amount / 1000000) * 1000000 + SUM(d.amount % 1000000) END
                    FROM deltas d WHERE d.environment_id = environments.id AND d.status <> 'FAILED'), 0)
                """,
            ]
        ),
        Migration(
            version: 14,
            name: "verification in place",
            statements: [
                // The queue is read from the environment's tree size on (every QUEUED entry has a
                // queue position past it), so the index need not follow `status`. A partial index
                // on `status = 'QUEUED'` made every verification an index change, and on
                // PostgreSQL it ruled out HOT updates: each verified delta then wrote a new entry
                // into all seven indexes of `deltas`.
                "DROP INDEX deltas_queue",
                "CREATE INDEX deltas_position ON deltas(environment_id, queue_position)",
            ],
            postgresStatements: [
                // Room on each page for every row's verified version beside its queued one, so
                // that verification is a HOT update (no index touched). Measured on 68,000 deltas,
                // 10,000 verified per statement: 600 ms at fillfactor 100, 480 ms at 70 (40 % HOT),
                // 70 ms at 50. The price: the heap of `deltas` (not its indexes) takes twice the
                // pages it would packed; without HOT it grew by a dead version per row until vacuum.
                "ALTER TABLE deltas SET (fillfactor = 50)",
                // PostgreSQL checks a foreign key with one query per inserted row: 40 % of an
                // insert into the log's tables (measured: 1,000 node rows in 19–23 ms with the
                // key, 11–13 ms without), and a batch of 10,000 deltas writes 30,000 such rows.
                // These two tables are written only by the sequencer, for the environment whose
                // row it has just read, and what they hold is checked against the signed
                // checkpoint before every batch: the key guarded nothing the log does not.
                "ALTER TABLE log_nodes DROP CONSTRAINT log_nodes_environment_id_fkey",
                "ALTER TABLE log_entries DROP CONSTRAINT log_entries_environment_id_fkey",
            ]
        ),
        Migration(
            version: 15,
            name: "sessions",
            statements: [
                // A session is a refresh-token family with a life of its own: access tokens name it
                // (`sid`), so revoking it ends them at once, not when they expire.
                """
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_at BIGINT NOT NULL,
                    last_used_at BIGINT NOT NULL, revoked_at BIGINT, client_address TEXT, user_agent TEXT)
                """,
                "CREATE INDEX sessions_user ON sessions(user_id, created_at)",
                // A new password spends every outstanding reset token of its user.
                "CREATE INDEX email_tokens_user ON email_tokens(user_id)",
                // Every family so far; revocation revoked all of a family's tokens at once.
                """
                INSERT INTO sessions (id, user_id, created_at, last_used_at, revoked_at)
                SELECT family_id, MIN(user_id), MIN(created_at), MAX(created_at),
                       CASE WHEN COUNT(revoked_at) = COUNT(*) THEN MAX(revoked_at) END
                FROM refresh_tokens GROUP BY family_id
                """,
            ]
        ),
        Migration(
            version: 16,
            name: "idempotency expiry",
            statements: [
                // Answers expire after PACSPACE_IDEMPOTENCY_DAYS (30): the purge finds them by age.
                "CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at)"
            ]
        ),
        Migration(
            version: 17,
            name: "customer profiles",
            statements: [
                // A customer the provider creates by hand, before its first delta (the dashboard's
                // POST /dashboard/customers): what people see of it. Null for every other customer.
                "ALTER TABLE customers ADD COLUMN display_name TEXT",
                "ALTER TABLE customers ADD COLUMN unit_label TEXT",
                "ALTER TABLE customers ADD COLUMN sharing_state_hint TEXT",
                "ALTER TABLE customers ADD COLUMN event_cadence TEXT",
            ]
        ),
        Migration(
            version: 18,
            name: "records",
            statements: [
                // A record (docs/records.md): named by its type and the tenant's id for it; known
                // to the log only by its random record key. `lifecycle` is its state after its
                // last entry; `entry_count` the next entry's seq, taken under this row's lock.
                """
                CREATE TABLE records (
                    environment_id TEXT NOT NULL REFERENCES environments(id), record_type TEXT NOT NULL, entity_id TEXT NOT NULL,
                    record_key TEXT NOT NULL, entry_count BIGINT NOT NULL, lifecycle TEXT, created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL, PRIMARY KEY (environment_id, record_type, entity_id), UNIQUE (environment_id, record_key))
                """,
                // One entry: what was sealed (content and the salt key of its record hash), its log
                // leaf, and its place in the environment's queue, as a checkpoint has.
                """
                CREATE TABLE record_entries (
                    entry_id TEXT PRIMARY KEY, environment_id TEXT NOT NULL REFERENCES environments(id), record_key TEXT NOT NULL,
                    seq BIGINT NOT NULL, lifecycle TEXT NOT NULL, attempted TEXT, reference_id TEXT NOT NULL,
                    request_hash TEXT NOT NULL, record_hash TEXT NOT NULL, salt_key TEXT NOT NULL, content TEXT NOT NULL,
                    leaf_data TEXT NOT NULL, queue_position BIGINT NOT NULL, status TEXT NOT NULL, log_index BIGINT,
                    created_at BIGINT NOT NULL, verified_at BIGINT,
                    UNIQUE (environment_id, record_key, seq), UNIQUE (environment_id, record_key, reference_id))
                """,
                "CREATE INDEX record_entries_queue ON record_entries(environment_id, queue_position) WHERE status = 'QUEUED'",
            ]
        ),
        Migration(
            version: 19,
            name: "record grants",
            statements: [
                // A grant lets someone else read one record (docs/records.md, "Grants"): a tenant named
                // by id (TENANT_BOUND) or whoever holds a bearer token (LINK, stored as its SHA-256
                // only). Uses are counted in the row, in the statement that admits a read.
                """
                CREATE TABLE record_grants (
                    grant_id TEXT PRIMARY KEY, environment_id TEXT NOT NULL REFERENCES environments(id), record_key TEXT NOT NULL,
                    kind TEXT NOT NULL, counterparty_tenant_id TEXT, recipient_email TEXT, label TEXT, authorizes TEXT NOT NULL,
                    token_hash TEXT UNIQUE, max_uses BIGINT, uses BIGINT NOT NULL DEFAULT 0, expires_at BIGINT, revoked_at BIGINT,
                    created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX record_grants_record ON record_grants(environment_id, record_key)",
            ]
        ),
        Migration(
            version: 20,
            name: "encrypted records",
            statements: [
                // An encrypted record (docs/records.md, "Encrypted entries"): the id of the workspace
                // key version its entries are sealed under; NULL for a plaintext record.
                "ALTER TABLE records ADD COLUMN encryption_kid TEXT",
                // An encrypted entry keeps what the writer sent: its content tag and its envelopes
                // (a JSON list; a re-key adds one under the new version). Its `content` is then the
                // copies of amends and references sent beside the envelope, and `salt_key` is ''
                // (the salt key is sealed inside the envelope; the server never has it).
                "ALTER TABLE record_entries ADD COLUMN content_tag TEXT",
                "ALTER TABLE record_entries ADD COLUMN envelopes TEXT",
            ]
        ),
        Migration(
            version: 21,
            name: "record workspace keys",
            statements: [
                // The environment's workspace identity for encrypted records (docs/records.md,
                // "Workspace keys"): an X-Wing public key the client drew. One is current; a
                // replaced one is kept, retired, so wraps made to it still open.
                """
                CREATE TABLE record_identities (
                    environment_id TEXT NOT NULL REFERENCES environments(id), public_key_id TEXT NOT NULL, public_key TEXT NOT NULL,
                    retired_at BIGINT, created_at BIGINT NOT NULL, PRIMARY KEY (environment_id, public_key_id))
                """,
                "CREATE UNIQUE INDEX record_identities_current ON record_identities(environment_id) WHERE retired_at IS NULL",
                // An identity's seed sealed by the client under one version of its workspace secret.
                """
                CREATE TABLE record_seed_wraps (
                    environment_id TEXT NOT NULL, public_key_id TEXT NOT NULL, version BIGINT NOT NULL, wrap TEXT NOT NULL,
                    PRIMARY KEY (environment_id, public_key_id, version))
                """,
                // The versions of the workspace secret, by their records key's id.
                """
                CREATE TABLE record_key_versions (
                    environment_id TEXT NOT NULL REFERENCES environments(id), version BIGINT NOT NULL, kid TEXT NOT NULL,
                    created_at BIGINT NOT NULL, PRIMARY KEY (environment_id, version), UNIQUE (environment_id, kid))
                """,
                // Another workspace (of the same environment kind) that holds this one's keys, for
                // the whole workspace or one record; `pinned_id` the public key id its wraps were made to.
                """
                CREATE TABLE record_holders (
                    holder_id TEXT PRIMARY KEY, environment_id TEXT NOT NULL REFERENCES environments(id),
                    holder_environment_id TEXT NOT NULL REFERENCES environments(id), scope TEXT NOT NULL, required INTEGER NOT NULL,
                    pinned_id TEXT NOT NULL, record_type TEXT, entity_id TEXT, removed_at BIGINT, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX record_holders_holder ON record_holders(holder_environment_id)",
                // One wrap for a holder: a version's records key (`version`) or a record's key
                // (`rkid`), its state `stored` until the holder confirms or refuses it.
                """
                CREATE TABLE record_holder_wraps (
                    holder_id TEXT NOT NULL REFERENCES record_holders(holder_id), slot TEXT NOT NULL, version BIGINT, rkid TEXT,
                    pinned_id TEXT NOT NULL, wrap TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, updated_at BIGINT NOT NULL,
                    PRIMARY KEY (holder_id, slot))
                """,
            ]
        ),
        Migration(
            version: 22,
            name: "grant key wraps and required holders",
            statements: [
                // A TENANT_BOUND grant on an encrypted record carries the record's key wrapped to
                // the counterparty's identity (docs/records.md, "Grant key wraps"): the JSON
                // {pinnedId, rkid, wrap} its owner sent, replaced when the record is re-keyed.
                "ALTER TABLE record_grants ADD COLUMN reader_wrap TEXT",
                // Every encrypted write looks up the owner's required holders (docs/records.md,
                // "Required holders"): by owner, not by a scan of every workspace's holders.
                "CREATE INDEX record_holders_owner ON record_holders(environment_id)",
            ]
        ),
        Migration(
            version: 23,
            name: "shared record links",
            statements: [
                // The random opening of each entry's seal (docs/records.md, "Shared Record links"),
                // drawn at append; an entry from before has none until a link of its record is made.
                "ALTER TABLE record_entries ADD COLUMN record_opening TEXT",
                // A Shared Record link: its handle, its access code as a bcrypt hash (never in
                // clear), and the disclosure its owner's client sealed (the key is in the link).
                """
                CREATE TABLE record_links (
                    handle TEXT PRIMARY KEY, environment_id TEXT NOT NULL REFERENCES environments(id), record_key TEXT NOT NULL,
                    label TEXT, access_code_hash TEXT, envelope TEXT, expires_at BIGINT NOT NULL, revoked_at BIGINT,
                    created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX record_links_record ON record_links(environment_id, record_key)",
                // A link's key wrapped to a reader workspace (per environment), replaced when wrapped again.
                """
                CREATE TABLE record_link_wraps (
                    handle TEXT NOT NULL REFERENCES record_links(handle), reader_environment_id TEXT NOT NULL REFERENCES environments(id),
                    pinned_id TEXT NOT NULL, wrap TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (handle, reader_environment_id))
                """,
                // Who gave a link's access code: the SHA-256 of the cookie it was answered with.
                """
                CREATE TABLE record_link_sessions (
                    token_hash TEXT PRIMARY KEY, handle TEXT NOT NULL REFERENCES record_links(handle), expires_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX record_link_sessions_handle ON record_link_sessions(handle, created_at)",
            ]
        ),
        Migration(
            version: 24,
            name: "record hash version 3",
            statements: [
                // The record hash version a record's entries commit to (docs/records.md, "Record
                // hash"): 2 for every record and entry from before; new encrypted records take 3.
                "ALTER TABLE records ADD COLUMN record_hash_version INTEGER NOT NULL DEFAULT 2",
                "ALTER TABLE record_entries ADD COLUMN record_hash_version INTEGER NOT NULL DEFAULT 2",
            ]
        ),
        Migration(
            version: 25,
            name: "record entry credits",
            statements: [
                // Micro-credits a production record entry reserved at append, settled when a signed
                // checkpoint covers it (as deltas.credit_cost); 0 in the sandbox and before.
                "ALTER TABLE record_entries ADD COLUMN credit_cost BIGINT NOT NULL DEFAULT 0"
            ]
        ),
        Migration(
            version: 26,
            name: "record entry footprints",
            statements: [
                // The bytes an entry's receipt takes on the wire at most (RecordFootprint), so a
                // page of a history is sized by summing this column before any content is loaded.
                "ALTER TABLE record_entries ADD COLUMN footprint BIGINT NOT NULL DEFAULT 0",
                // Entries from before: every leaf of a stored content may be as small as two bytes
                // and is revealed in about 110 more (pointer, salt), so 60 bytes per stored byte
                // bound any of them; envelopes are served as stored.
                """
                UPDATE record_entries SET footprint = 4096 + 60 * length(content) + COALESCE(length(envelopes), 0)
                """,
            ]
        ),
        Migration(
            version: 27,
            name: "record entry envelopes",
            statements: [
                // An encrypted entry's envelopes, one row per key version (docs/records.md,
                // "Re-keying"): a re-key writes one row, where it rewrote the entry's whole list
                // inside the writer's transaction (issue 25). `position` orders them as added.
                """
                CREATE TABLE record_envelopes (
                    entry_id TEXT NOT NULL, kid TEXT NOT NULL, position BIGINT NOT NULL, envelope TEXT NOT NULL,
                    PRIMARY KEY (entry_id, kid))
                """
            ],
            // The lists from before, split; a kid listed twice (before re-keys replaced) keeps its last.
            sqliteStatements: [
                """
                INSERT OR REPLACE INTO record_envelopes (entry_id, kid, position, envelope)
                SELECT e.entry_id, json_extract(j.value, '$.kid'), j.key, j.value FROM record_entries e, json_each(e.envelopes) j
                WHERE e.envelopes IS NOT NULL ORDER BY e.entry_id, j.key
                """,
                "ALTER TABLE record_entries DROP COLUMN envelopes",
            ],
            postgresStatements: [
                """
                INSERT INTO record_envelopes (entry_id, kid, position, envelope)
                SELECT DISTINCT ON (e.entry_id, j.value->>'kid') e.entry_id, j.value->>'kid', j.position, j.value::text
                FROM record_entries e, json_array_elements(e.envelopes::json) WITH ORDINALITY AS j(value, position)
                WHERE e.envelopes IS NOT NULL ORDER BY e.entry_id, j.value->>'kid', j.position DESC
                """,
                "ALTER TABLE record_entries DROP COLUMN envelopes",
            ]
        ),
        Migration(
            version: 28,
            name: "server log",
            statements: [
                // The server log (docs/witnesses.md): one log of logs whose leaves are the
                // environments' signed checkpoints, what witnesses cosign. Its own key and tree,
                // apart from the environments' log tables (whose rows reference an environment).
                """
                CREATE TABLE server_log (
                    id TEXT PRIMARY KEY, origin TEXT NOT NULL, public_key TEXT NOT NULL, sealed_signing_key TEXT NOT NULL,
                    created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE server_log_nodes (
                    level BIGINT NOT NULL, node_index BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (level, node_index))
                """,
                "CREATE TABLE server_log_entries (entry_index BIGINT PRIMARY KEY, leaf_data TEXT NOT NULL)",
                """
                CREATE TABLE server_log_checkpoints (
                    tree_size BIGINT PRIMARY KEY, root_hash TEXT NOT NULL, note TEXT NOT NULL, signed_at BIGINT NOT NULL)
                """,
                // Which environment checkpoint each leaf is: an environment's last published size
                // is its greatest row; a receipt finds the first leaf covering its entry.
                """
                CREATE TABLE server_log_publications (
                    environment_id TEXT NOT NULL, tree_size BIGINT NOT NULL, entry_index BIGINT NOT NULL,
                    PRIMARY KEY (environment_id, tree_size))
                """,
            ]
        ),
        Migration(
            version: 29,
            name: "server log cosignatures",
            statements: [
                // The witnesses' cosignatures of server-log checkpoints (docs/witnesses.md), each
                // verified before it is kept, and what the server knows of each witness: the size
                // it last cosigned, and how the last request went. Keyed by the witness's
                // verifier key, its identity (names are the policy file's own).
                """
                CREATE TABLE server_log_cosignatures (
                    tree_size BIGINT NOT NULL, witness_key TEXT NOT NULL, line TEXT NOT NULL, cosigned_at BIGINT NOT NULL,
                    PRIMARY KEY (tree_size, witness_key))
                """,
                """
                CREATE TABLE server_log_witnesses (
                    witness_key TEXT PRIMARY KEY, size BIGINT NOT NULL, outcome TEXT NOT NULL, asked_at BIGINT NOT NULL)
                """,
            ]
        ),
        Migration(
            version: 30,
            name: "witnessed checkpoints",
            statements: [
                // When the policy's quorum first cosigned a server-log checkpoint, and so every
                // environment checkpoint it includes (docs/witnesses.md, "When an entry is
                // witnessed"). A delta or record entry is witnessed when the first publication of
                // its environment past its log index is: one probe of the publications' key.
                "ALTER TABLE server_log_checkpoints ADD COLUMN witnessed_at BIGINT",
                "ALTER TABLE server_log_publications ADD COLUMN witnessed_at BIGINT",
                // Marking walks only the publications a newly witnessed checkpoint adds.
                "CREATE INDEX server_log_publications_entry ON server_log_publications (entry_index)",
            ]
        ),
        Migration(
            version: 31,
            name: "server log halt",
            statements: [
                // Why the server stopped publishing its server log (docs/witnesses.md, "A split
                // view"): a witness holds another root at a size, or a larger tree than this
                // database's. Null while publishing; kept across restarts until an operator
                // resumes it (`pacspace server-log resume`).
                "ALTER TABLE server_log ADD COLUMN halted TEXT"
            ]
        ),
        Migration(
            version: 32,
            name: "record entries verified in place",
            statements: [
                // As migration 14 did for deltas (issue 28): the sequencer reads the queue from
                // the environment's tree size on, so the index need not follow `status`. The
                // partial index made every verification an index change, and on PostgreSQL
                // ruled out HOT updates: each verified entry wrote a new entry into all four
                // indexes of `record_entries`.
                "DROP INDEX record_entries_queue",
                "CREATE INDEX record_entries_position ON record_entries(environment_id, queue_position)",
            ],
            postgresStatements: [
                // Room on each page for a row's verified version beside its queued one (HOT).
                "ALTER TABLE record_entries SET (fillfactor = 50)"
            ]
        ),
    ]

    /// The newest schema version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every migration not yet applied, up to `version` (tests build older
    /// schemas); returns how many ran. Safe when several servers start at once on one
    /// PostgreSQL database: the first to take the advisory lock applies them all, in one
    /// transaction; the others then find nothing to do.
    @discardableResult
    public static func apply(to database: Database, through version: Int = latestVersion, logger: Logger, now: Int64) async throws -> Int {
        // Nothing pending (every start but the first): no lock, no transaction. Servers
        // starting together otherwise queue on the lock one transaction at a time — up to
        // 8 s for the last of the test suite's servers on one database (PostgreSQL's log).
        let stored = try? await database.read { db in
            try await db.raw("SELECT MAX(version) AS version FROM schema_migrations").first()?.decode(column: "version", as: Int64?.self)
        }
        if let stored, stored == Int64(version) { return 0 }
        let applied = try await applyPending(database, through: version, logger: logger, now: now)
        for version in applied { logger.info("applied migration", metadata: ["version": "\(version)"]) }
        return applied.count
    }

    /// Applies every pending migration in one transaction under the lock; returns their
    /// versions. One transaction, not one per migration: with one per migration, 40
    /// servers starting on an empty database (the test suite, on CI every run) took turns
    /// on the lock, each applying one migration behind the whole queue — the last server
    /// waited 17 s (PostgreSQL's lock-wait log, 2 cores). A failure rolls all of them back.
    private static func applyPending(_ database: Database, through last: Int, logger: Logger, now: Int64) async throws -> [Int] {
        let dialect = database.dialect
        // No time limit: a migration may rebuild an index over millions of rows.
        return try await database.transaction(timeout: nil) { db in
            if dialect == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(7270727)").run() }
            try await db.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """
            ).run()
            let current =
                try await db.raw("SELECT MAX(version) AS version FROM schema_migrations").first()?
                .decode(column: "version", as: Int64?.self) ?? 0
            // An older build on a newer schema would write rows the newer code does not expect.
            guard current <= latestVersion else { throw DatabaseError.newerSchema(found: Int(current), known: latestVersion) }
            var applied: [Int] = []
            for migration in all where migration.version > current && migration.version <= last {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                do {
                    let statements = migration.statements + (dialect == .sqlite ? migration.sqliteStatements : migration.postgresStatements)
                    for statement in statements { try await db.raw(SQLQueryString(statement)).run() }
                    try await db.raw(
                        """
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: now))
                        """
                    ).run()
                } catch {
                    throw DatabaseError.migrationFailed(version: migration.version, underlying: String(reflecting: error))
                }
                applied.append(migration.version)
            }
            return applied
        }
    }
}
