/// A JSON value together with its RFC 8785 canonical text, each worked out once: a
/// delta's metadata is canonicalised when the request is read, and that text is what
/// is stored, hashed (``DeltaContent``) and compared; the value is what answers show.
public struct CanonicalJSON: Sendable, Equatable {
    public let value: JSONValue
    /// JCS text of ``value``.
    public let text: String

    /// Canonicalises `value`; throws for numbers outside IEEE 754 range.
    public init(_ value: JSONValue) throws(JCSError) {
        self.value = value
        self.text = String(decoding: try JSONWriter.canonical(value), as: UTF8.self)
    }

    /// Canonical text as stored, read back: parsed, not canonicalised again.
    public init(canonicalText text: String) throws(JSONParseError) {
        self.value = try JSONParser.parse(Array(text.utf8))
        self.text = text
    }

    /// Canonical texts are equal exactly when the values are the same JSON.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
}
