/// The API key's wire shape (never its secret): every `/dashboard/api-keys` answer.
extension APIKeyRecord {
    /// The key without its secret; creation and rotation add `secretKey` and `fullKey`.
    public var fields: [(String, JSONValue)] {
        [
            ("id", .string(id)), ("name", .string(name)), ("environment", .string(kind.rawValue)),
            ("publicKey", .string(APIKey.publicKey(kind: kind, publicID: publicID))), ("active", .bool(active)),
            ("createdAt", .string(Timestamp.iso8601(millis: createdAt))),
            ("lastUsedAt", lastUsedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null),
        ]
    }
}
