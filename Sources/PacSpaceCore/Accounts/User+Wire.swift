/// The dashboard user's wire shape (never the password hash): registration, login,
/// refresh and `/dashboard/auth/me`.
extension User {
    public var json: JSONValue {
        [
            "id": .string(id), "email": .string(email), "firstName": .string(firstName), "lastName": .string(lastName),
            "tenantId": .string(tenantID), "role": .string(role.rawValue), "emailVerified": .bool(emailVerified),
        ]
    }
}
