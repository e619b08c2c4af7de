/// An environment's provisioning state (the seed page): requested and being set up,
/// serving, or failed with an error that a new provisioning request retries. An
/// environment never requested has no row; the contracts list shows it as
/// `not_provisioned`.
public enum EnvironmentStatus: String, CaseIterable, Sendable, Codable {
    case provisioning
    case active
    case error
}

extension EnvironmentStatus {
    /// The status the dashboard gives an environment never provisioned: not a state of a
    /// record (there is none), only of the answer.
    public static let notProvisioned = "not_provisioned"
}
