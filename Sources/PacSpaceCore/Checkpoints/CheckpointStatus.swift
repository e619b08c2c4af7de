/// A checkpoint is QUEUED until the environment's log covers its leaf, then VERIFIED.
public enum CheckpointStatus: String, CaseIterable, Sendable, Codable {
    case queued = "QUEUED"
    case verified = "VERIFIED"
}
