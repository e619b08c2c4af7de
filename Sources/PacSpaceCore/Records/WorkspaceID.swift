/// A workspace's id on the wire: its tenant id without `tnt_` — the form (`[a-z0-9]{20,32}`)
/// the SDK binds every key wrap to. Wherever a client names a workspace (a path, a body, the
/// `X-PacSpace-Holder-For` header, a grant's counterparty) it may send either form, bare or
/// as the tenant id (`tnt_…`); answers give the bare form.
public enum WorkspaceID {
    /// The longest either form can be: `tnt_` and 32 characters.
    public static let maxBytes = 36

    public static func of(tenantID: String) -> String { tenantID.hasPrefix("tnt_") ? String(tenantID.dropFirst(4)) : tenantID }
    public static func tenantID(of workspace: String) -> String { "tnt_" + workspace }

    /// The workspace `text` names, in either form; nil when it names none.
    public static func parse(_ text: String) -> String? {
        let bare = of(tenantID: text)
        guard (20...32).contains(bare.utf8.count), bare.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) }) else {
            return nil
        }
        return bare
    }
}
