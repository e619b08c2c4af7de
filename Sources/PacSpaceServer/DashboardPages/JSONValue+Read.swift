import PacSpaceCore

/// Reading the API's answers for a page: a member as text, a list, a flag.
extension JSONValue {
    /// A string as it is, a number as its text, anything else nil.
    var text: String? {
        switch self {
        case .string(let text), .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// The items of an array (none for anything else).
    var items: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    var isTrue: Bool { self == .bool(true) }
}
