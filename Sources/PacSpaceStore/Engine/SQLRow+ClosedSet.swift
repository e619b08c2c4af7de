import SQLKit

extension SQLRow {
    /// A column holding one value of a closed set (a status, a role, an environment),
    /// stored as its raw text. A value outside the set was written behind the server's
    /// back: ``StoreInvariant``, never a guess.
    func decode<Value: RawRepresentable>(column: String, as type: Value.Type) throws -> Value where Value.RawValue == String {
        guard let value = try decode(column: column, as: Value?.self) else { throw StoreInvariant("\(column) is NULL") }
        return value
    }

    /// The same for a column that may be NULL.
    func decode<Value: RawRepresentable>(column: String, as type: Value?.Type) throws -> Value? where Value.RawValue == String {
        guard let text = try decode(column: column, as: String?.self) else { return nil }
        guard let value = Value(rawValue: text) else { throw StoreInvariant("\(column) holds \(text), not a \(Value.self)") }
        return value
    }
}
