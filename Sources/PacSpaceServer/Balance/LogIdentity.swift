import PacSpaceCore
import PacSpaceStore

/// The environment a period answer is about: its log's id and origin (what v2 period
/// roots are bound to). The Balance API has it from the key, the dashboard from the
/// environment the request names.
struct LogIdentity: Sendable {
    let environmentID: String
    let origin: String
}

extension APIKeyIdentity {
    var log: LogIdentity { LogIdentity(environmentID: environmentID, origin: logOrigin) }
}

extension EnvironmentRecord {
    /// Nil until the environment is active (it has no log before).
    var log: LogIdentity? { logOrigin.map { LogIdentity(environmentID: id, origin: $0) } }
}
