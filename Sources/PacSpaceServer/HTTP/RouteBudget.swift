/// A route's budget (docs/api.md, "Budgets"): the most its answer may weigh and the most rows
/// it may read for one request, decided before the route does any work, and what holds it
/// there. Every bound is checked against what is stored — a count, a stored size, a quota —
/// before rows are loaded; past it the route answers a 4xx that says how to page or narrow,
/// or, for a document a client reads whole, streams it. `BudgetTests` fails for a route
/// without an entry and fills the heavy ones with the largest inputs a free key can make.
struct RouteBudget: Sendable {
    /// The most bytes of the answer's body.
    let answerBytes: Int
    /// The most rows the route reads for one request.
    let rows: Int
    /// What holds the route to it.
    let bound: String

    /// One object of bounded fields (a form, a status, a confirmation).
    static func one(_ bound: String = "one object of bounded fields", bytes: Int = 16 * kib, rows: Int = 16) -> RouteBudget {
        RouteBudget(answerBytes: bytes, rows: rows, bound: bound)
    }

    /// A page of at most `items` items of at most `itemBytes` each.
    static func page(_ items: Int, of itemBytes: Int, _ bound: String) -> RouteBudget {
        RouteBudget(answerBytes: items * itemBytes + 4 * kib, rows: items + 2, bound: bound)
    }

    static let kib = 1_024
    static let mib = 1_048_576

    /// The budget with a witnessed receipt's chain added (docs/witnesses.md, "Witnessed
    /// receipts"): four key probes, 63 server-log hashes and the cosignatures of at most 32
    /// witnesses (``ServerConfiguration/maxAskedWitnesses``), under 8 KiB of text.
    var withWitnessChain: RouteBudget { RouteBudget(answerBytes: answerBytes + 8 * Self.kib, rows: rows + 4 + 63 + 32, bound: bound) }
}

extension RouteBudget {
    /// Every route's budget, by `METHOD /path/{parameter}` as the router names it.
    static let all: [String: RouteBudget] = service.merging(accounts) { $1 }.merging(balance) { $1 }.merging(records) { $1 }
        .merging(publicPages) { $1 }.merging(dashboardPages) { $1 }

    private static let service: [String: RouteBudget] = [
        "GET /healthz": .one(bytes: kib, rows: 0),
        "GET /readyz": .one("the first 100 halted environments, and how many", bytes: 64 * kib, rows: 1),
        "GET /metrics": .one("series of the first 50 environments by id, the rest as other", bytes: 2 * mib, rows: 2),
        "GET /openapi.json": .one("the document built into the binary", bytes: 512 * kib, rows: 0),
        "GET /assets/{name}": .one("a file built into the binary", bytes: 64 * kib, rows: 0),
    ]

    private static let accounts: [String: RouteBudget] = [
        "POST /dashboard/auth/register": .one(), "GET /dashboard/auth/verify": .one(), "POST /dashboard/auth/resend-verification": .one(),
        "POST /dashboard/auth/login": .one(), "POST /dashboard/auth/refresh": .one(), "POST /dashboard/auth/logout": .one(),
        "GET /dashboard/auth/me": .one(), "POST /dashboard/auth/forgot-password": .one(), "POST /dashboard/auth/reset-password": .one(),
        "GET /dashboard/auth/sessions": .page(200, of: kib, "the 200 most recently used sessions (SessionStore)"),
        "DELETE /dashboard/auth/sessions/{sessionId}": .one(), "POST /dashboard/auth/sessions/revoke-others": .one(),
        "POST /dashboard/auth/logout-everywhere": .one(), "POST /dashboard/auth/change-password": .one(),
        "POST /dashboard/contracts/provision": .one(), "GET /dashboard/contracts/{tenantId}/status": .one(bytes: 8 * kib, rows: 2),
        "GET /dashboard/contracts": .one("a tenant's two environments", bytes: 8 * kib, rows: 2),
        "POST /dashboard/api-keys": .one(), "GET /dashboard/api-keys": .page(100, of: kib, "page limit 100; 100 keys per tenant"),
        "GET /dashboard/api-keys/{id}": .one(), "PATCH /dashboard/api-keys/{id}": .one(), "DELETE /dashboard/api-keys/{id}": .one(),
        "POST /dashboard/api-keys/{id}/rotate": .one(),
        "POST /dashboard/webhooks": .one(), "GET /dashboard/webhooks": .page(16, of: 4 * kib, "16 endpoints per tenant"),
        "GET /dashboard/webhooks/{id}": .one(), "PATCH /dashboard/webhooks/{id}": .one(), "DELETE /dashboard/webhooks/{id}": .one(),
        "POST /dashboard/webhooks/{id}/rotate-secret": .one(), "POST /dashboard/webhooks/{id}/test": .one(),
        "GET /dashboard/webhook-deliveries": .page(100, of: 8 * kib, "page limit 100, offset ≤ 100,000"),
        "POST /dashboard/webhook-deliveries/{eventId}/retry": .one(),
        "GET /dashboard/credit/balances": .one(bytes: 8 * kib, rows: 4),
        "GET /dashboard/credit/entries": .page(100, of: kib, "page limit 100"),
        "POST /dashboard/customers": .one(), "GET /dashboard/customers": .page(100, of: 2 * kib, "page limit 100, offset ≤ 100,000"),
        "GET /dashboard/customers/summary": .one(bytes: 8 * kib, rows: 4),
        "GET /dashboard/customers/{customerId}": .page(100, of: 20 * kib, "deltaLimit 100 of ≤ 16 KiB metadata each"),
        "GET /dashboard/customers/{customerId}/export": RouteBudget(
            answerBytes: 20 * mib,
            rows: 1_000,
            bound: "streamed in pages of 1,000 deltas: memory per page, not per answer"
        ),
        "GET /dashboard/customers/{customerId}/receipt": RouteBudget(
            answerBytes: 12 * mib,
            rows: 10_000,
            bound: "10,000 deltas and 8 MiB of metadata, counted first (PeriodReceipts)"
        ),
        "POST /dashboard/customers/{customerId}/checkpoint": .one(),
        "GET /dashboard/customers/{customerId}/checkpoints": .page(100, of: 4 * kib, "limit 100"),
        "GET /dashboard/checkpoints": .page(100, of: 4 * kib, "page limit 100, offset ≤ 100,000"),
        "GET /dashboard/records": .page(100, of: kib, "limit 100, offset ≤ 100,000"),
        "GET /dashboard/records/{recordType}/{entityId}": RouteBudget(
            answerBytes: 2 * mib + 100 * 16 * kib + 200 * 16 * kib,
            rows: 100 + 200,
            bound: "entries by stored footprint (2 MiB); grants and links a first page of 100 each"
        ),
    ]

    private static let balance: [String: RouteBudget] = [
        "POST /api/v1/balance/delta": .one(bytes: 32 * kib), "POST /api/v1/balance/delta/batch": .page(1_000, of: kib, "1,000 deltas a batch"),
        "GET /api/v1/balance/delta/{recordId}": .one("a delta with its metadata and proof", bytes: 32 * kib).withWitnessChain,
        "GET /api/v1/log/{contractId}/checkpoint": .one(bytes: 4 * kib, rows: 2),
        "GET /api/v1/server-log": .one(bytes: 4 * kib, rows: 2), "GET /api/v1/server-log/checkpoint": .one(bytes: 4 * kib, rows: 2),
        "GET /api/v1/server-log/tile/**": .one(
            "one tile or entry bundle: 256 stored hashes, or 256 environment checkpoints of at most 1 KiB, in one range read",
            bytes: 260 * kib,
            rows: 258
        ),
        "GET /api/v1/log/{contractId}/proof/inclusion": .one("63 hashes at most", bytes: 8 * kib, rows: 64),
        "GET /api/v1/log/{contractId}/proof/consistency": .one("126 hashes at most", bytes: 16 * kib, rows: 128),
        "GET /api/v1/log/{contractId}/receipt/{receiptId}": .one(bytes: 32 * kib, rows: 64).withWitnessChain,
        "GET /api/v1/log/{contractId}/tile/**": .one(
            "one tile or entry bundle: at most 256 stored hashes, or 256 leaves of 109 bytes, in one range read",
            bytes: 32 * kib,
            rows: 258
        ),
        "GET /api/v1/verify/{id}": .one(bytes: 32 * kib, rows: 64).withWitnessChain,
        "GET /api/v1/balance/derive/{customerId}": .page(1_000, of: 20 * kib, "limit 1,000 of ≤ 16 KiB metadata each"),
        "POST /api/v1/balance/compare": .page(10_000, of: 256, "10,000 entries compared, counted first"),
        "GET /api/v1/balance/limits": .one(), "POST /api/v1/balance/checkpoint": .one(bytes: 32 * kib, rows: 10_002).withWitnessChain,
        "GET /api/v1/balance/checkpoints": .page(100, of: 4 * kib, "limit 100, offset ≤ 100,000"),
        "GET /api/v1/balance/receipt/{customerId}": RouteBudget(
            answerBytes: 12 * mib,
            rows: 10_000,
            bound: "10,000 deltas and 8 MiB of metadata, counted first (PeriodReceipts)"
        ),
        "GET /api/v1/balance/invoice-proof/{customerId}": RouteBudget(
            answerBytes: 12 * mib,
            rows: 10_000,
            bound: "10,000 deltas and 8 MiB of metadata, counted first (PeriodReceipts)"
        ),
        "GET /api/v1/balance/customers": .page(1_000, of: kib, "limit 1,000"),
        "GET /api/v1/balance/customers/{customerId}": .page(100, of: 20 * kib, "deltaLimit 100"),
        "GET /api/v1/balance/gaps/{customerId}": .page(10_000, of: 128, "10,000 sequence numbers"),
        "GET /api/v1/balance/usage": .one(bytes: 64 * kib, rows: 400),
        "GET /api/v1/balance/webhooks": .page(100, of: 8 * kib, "limit 100, offset ≤ 100,000"),
        "POST /api/v1/balance/webhooks/{eventId}/retry": .one(),
    ]

    private static let records: [String: RouteBudget] = [
        "POST /api/v1/records/{recordType}/{entityId}/transitions": .one(bytes: 8 * kib, rows: 8),
        "GET /api/v1/records/{recordType}/{entityId}/receipts/{seq}": RouteBudget.one(
            "one entry: 1,024 leaves of 64 KiB, or four envelopes of 47 KiB",
            bytes: 512 * kib,
            rows: 64
        ).withWitnessChain,
        "GET /api/v1/records/{recordType}/{entityId}/history": RouteBudget(
            answerBytes: 7 * mib,
            rows: 1_000 + 64 * 1_000,
            bound: "entries by stored footprint (6 MiB a page), x-next-from-seq for the rest; streamed 256 KiB at a time"
        ).withWitnessChain,
        "GET /api/v1/records/{recordType}/{entityId}/bundle": RouteBudget(
            answerBytes: 7 * mib,
            rows: 1_000 + 64 * 1_000,
            bound: "entries by stored footprint (6 MiB a page), x-next-from-seq for the rest; streamed 256 KiB at a time"
        ).withWitnessChain,
        "PUT /api/v1/records/{recordType}/{entityId}/entries/{seq}/envelope": .one(bytes: kib, rows: 260),
        "POST /api/v1/records/{recordType}/{entityId}/grants": .one(),
        "GET /api/v1/records/{recordType}/{entityId}/grants": .page(
            100,
            of: 16 * kib,
            "limit 100 (64 in force per record), offset ≤ 100,000"
        ),
        "POST /api/v1/records/{recordType}/{entityId}/grants/{grantId}/revoke": .one(),
        "PUT /api/v1/records/{recordType}/{entityId}/grants/{grantId}/key-wrap": .one(),
        "GET /api/v1/records/{recordType}/{entityId}/grant-key": .one(),
        "POST /api/v1/records/{recordType}/{entityId}/share": .one(),
        "GET /api/v1/records/{recordType}/{entityId}/share": .page(100, of: 2 * kib, "limit 100 (64 open per record), offset ≤ 100,000"),
        "POST /api/v1/records/{recordType}/{entityId}/share/{handle}/revoke": .one(),
        "PUT /api/v1/records/{recordType}/{entityId}/share/{handle}/disclosure": .one(),
        "PUT /api/v1/records/{recordType}/{entityId}/share/{handle}/key-wraps": .one(),
        "POST /api/v1/records/disclosures/key-wrap": .one(),
        "POST /api/v1/c/{handle}/access/verify": .one(),
        "GET /api/v1/c/{handle}/history": RouteBudget(
            answerBytes: 10_000 * 3 * kib,
            rows: 10_000 + 64 * 10_000,
            bound: "a record's first 10,000 entries, streamed 250 at a time from their outlines (no content)"
        ).withWitnessChain,
        "GET /api/v1/c/{handle}/disclosure": .one("the sealed disclosure, at most 1 MiB", bytes: 1_400 * kib, rows: 1),
        "GET /api/v1/records/encryption/identity": .one("16 identities per workspace", bytes: 64 * kib, rows: 16),
        "PUT /api/v1/records/encryption/identity": .one(),
        "GET /api/v1/records/encryption/workspaces/{workspaceId}/identity": .one(),
        "GET /api/v1/records/encryption/versions": .page(256, of: 512, "256 versions per workspace"),
        "PUT /api/v1/records/encryption/versions/{version}": .one(bytes: 16 * kib, rows: 128),
        "GET /api/v1/records/encryption/holders": RouteBudget(
            answerBytes: 128 * 512 * 128,
            rows: 128 + 128 * 512,
            bound: "64 active holders and the 64 last removed, each with at most 512 wrap states (no wraps)"
        ),
        "POST /api/v1/records/encryption/holders": .one(),
        "DELETE /api/v1/records/encryption/holders/{holderId}": .one(),
        "PUT /api/v1/records/encryption/holders/{holderId}/wraps": .one(),
        "GET /api/v1/records/encryption/holdings": RouteBudget(
            answerBytes: 1_024 * 9 * kib + 100 * kib,
            rows: 101 + 100 + 1_024,
            bound: "a page of holder rows by their wraps' count (1,024 of ≤ 8 KiB), counted first; nextOffset"
        ),
        "POST /api/v1/records/encryption/holdings/{holderId}/confirm": .one(),
        "POST /api/v1/records/encryption/holdings/{holderId}/refuse": .one(),
        "DELETE /api/v1/records/encryption/holdings/{holderId}": .one(),
    ]

    private static let publicPages: [String: RouteBudget] = [
        "GET /verify/{id}": RouteBudget(
            answerBytes: 4 * mib,
            rows: 1_002,
            bound: "a period lists 1,000 records with 1 MiB of metadata at most, counted first; one entry 1,024 leaves"
        ).withWitnessChain,
        "GET /receipt/{receiptId}": .one(bytes: 128 * kib, rows: 64).withWitnessChain,
        "GET /verify/{id}/receipt.tlog-proof": .one(bytes: 8 * kib, rows: 64).withWitnessChain,
        "GET /verify/{id}/verifier-key": .one(bytes: kib, rows: 2),
        "GET /verify/{id}/delta.json": .one(bytes: 32 * kib, rows: 64).withWitnessChain,
        "GET /verify/{id}/checkpoint.json": .one(bytes: 32 * kib, rows: 64).withWitnessChain,
        "GET /verify/{id}/deltas.json": RouteBudget(answerBytes: 2 * mib, rows: 1_002, bound: "the period page's own bound"),
        "GET /verify/{id}/entry.json": .one(bytes: 512 * kib, rows: 64).withWitnessChain,
        "GET /c/{handle}": .one(bytes: 16 * kib, rows: 1),
    ]

    private static let dashboardPages: [String: RouteBudget] = [
        "GET /app": .one(bytes: 64 * kib), "GET /app/login": .one(), "POST /app/login": .one(), "POST /app/logout": .one(),
        "GET /app/signup": .one(), "POST /app/signup": .one(), "GET /app/verify-email": .one(), "GET /app/forgot-password": .one(),
        "POST /app/forgot-password": .one(), "GET /app/reset-password": .one(), "POST /app/reset-password": .one(),
        "GET /app/environments": .one(bytes: 64 * kib), "POST /app/environments": .one(),
        "GET /app/keys": .page(100, of: 2 * kib, "the API key list's page"), "POST /app/keys": .one(bytes: 64 * kib),
        "POST /app/keys/{id}/rename": .one(), "POST /app/keys/{id}/active": .one(), "POST /app/keys/{id}/rotate": .one(bytes: 64 * kib),
        "POST /app/keys/{id}/revoke": .one(),
        "GET /app/webhooks": .page(16 + 100, of: 8 * kib, "16 endpoints and a page of deliveries"), "POST /app/webhooks": .one(bytes: 64 * kib),
        "POST /app/webhooks/{id}/test": .one(), "POST /app/webhooks/{id}/rotate-secret": .one(bytes: 64 * kib),
        "POST /app/webhooks/{id}/active": .one(), "POST /app/webhooks/{id}/delete": .one(),
        "POST /app/webhooks/deliveries/{eventId}/retry": .one(),
        "GET /app/customers": .page(50, of: 4 * kib, "50 a page, offset ≤ 100,000"), "POST /app/customers": .one(),
        "GET /app/customers/{customerId}": .page(50 + 24, of: 40 * kib, "50 deltas of ≤ 16 KiB metadata and 24 checkpoints"),
        "GET /app/customers/{customerId}/export": RouteBudget(
            answerBytes: 20 * mib,
            rows: 1_000,
            bound: "streamed in pages of 1,000 deltas"
        ),
        "POST /app/customers/{customerId}/checkpoint": .one(),
        "GET /app/checkpoints": .page(50, of: 4 * kib, "50 a page, offset ≤ 100,000"),
        "GET /app/records": .page(50, of: 2 * kib, "50 a page, offset ≤ 100,000"),
        "GET /app/records/{recordType}/{entityId}": RouteBudget(
            answerBytes: 2 * mib,
            rows: 300,
            bound: "the dashboard record's page: entries by stored footprint, a page of grants and links"
        ),
        "GET /app/account": .page(200, of: kib, "the sessions list"), "POST /app/account/sessions/{sessionId}/revoke": .one(),
        "POST /app/account/password": .one(),
    ]
}
