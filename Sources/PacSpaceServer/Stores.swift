import PacSpaceStore

/// Every store of the server, over one database: built once by ``buildApplication(_:logger:)``
/// and handed to each surface.
struct Stores: Sendable {
    let database: Database
    let accounts: AccountStore
    let sessions: SessionStore
    let environments: EnvironmentStore
    let apiKeys: APIKeyStore
    let credits: CreditStore
    let deltas: DeltaStore
    let checkpoints: CheckpointStore
    let log: LogStore
    let serverLog: ServerLogStore
    let records: RecordStore
    let recordKeys: RecordKeyStore
    let recordLinks: RecordLinkStore
    let webhookEndpoints: WebhookEndpointStore
    let webhookOutbox: WebhookOutbox

    init(database: Database, configuration: ServerConfiguration) {
        self.database = database
        accounts = AccountStore(database: database)
        sessions = SessionStore(database: database)
        environments = EnvironmentStore(database: database)
        apiKeys = APIKeyStore(database: database)
        credits = CreditStore(database: database)
        deltas = DeltaStore(database: database, idempotencyLifetimeMillis: Int64(configuration.idempotencyDays) * 86_400_000)
        checkpoints = CheckpointStore(database: database)
        log = LogStore(database: database)
        serverLog = ServerLogStore(database: database)
        records = RecordStore(database: database)
        recordKeys = RecordKeyStore(database: database)
        recordLinks = RecordLinkStore(database: database)
        webhookEndpoints = WebhookEndpointStore(database: database)
        webhookOutbox = WebhookOutbox(database: database)
    }
}
