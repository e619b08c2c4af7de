/// Where a delta is: accepted and waiting for the log, in the log, or refused after
/// acceptance (no path fails an accepted delta today; the status exists on the wire).
public enum DeltaStatus: String, CaseIterable, Sendable, Codable {
    case queued = "QUEUED"
    case verified = "VERIFIED"
    case failed = "FAILED"
}
