/// An environment's provisioning state (the seed page): requested and being set up,
/// serving, or failed with an error that a new provisioning request retries. An
/// environment never requested has no row; the contracts list shows it as
/// `not_provisioned`.
public enum EnvironmentStatus: String, CaseIterable, Sendable, Codable {
    case provisioning
    case active
    case error
}
