import PacSpaceCore

extension WorkspaceID {
    /// The workspace `text` names, or a 400 naming `field`.
    static func parse(_ text: String, field: String) throws -> String {
        guard let workspace = parse(text) else {
            throw APIError.invalid(field, "format", "\(field) is a workspace id (20 to 32 lowercase letters and digits) or its tenant id (tnt_…).")
        }
        return workspace
    }
}
