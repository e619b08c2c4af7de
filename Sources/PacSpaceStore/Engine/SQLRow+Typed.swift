import PacSpaceCore
import SQLKit

extension SQLRow {
    /// A column holding a hash as `0x` hex (a content hash, a proof root, a record hash). Any
    /// other text was written behind the server's back: ``StoreInvariant``, never a fallback
    /// that would become a proof of something else.
    func decode(column: String, as type: Hash.Type) throws -> Hash {
        guard let hash = try decode(column: column, as: Hash?.self) else { throw StoreInvariant("\(column) is NULL") }
        return hash
    }

    /// The same for a column that may be NULL.
    func decode(column: String, as type: Hash?.Type) throws -> Hash? {
        guard let text = try decode(column: column, as: String?.self) else { return nil }
        guard let hash = Hash(prefixedHex: text) else { throw StoreInvariant("\(column) holds \(text.prefix(80)), not a hash") }
        return hash
    }

    /// A column holding RFC 8785 text the server wrote, parsed once.
    func decode(column: String, as type: CanonicalJSON.Type) throws -> CanonicalJSON {
        guard let json = try decode(column: column, as: CanonicalJSON?.self) else { throw StoreInvariant("\(column) is NULL") }
        return json
    }

    /// The same for a column that may be NULL.
    func decode(column: String, as type: CanonicalJSON?.Type) throws -> CanonicalJSON? {
        guard let text = try decode(column: column, as: String?.self) else { return nil }
        do { return try CanonicalJSON(canonicalText: text) } catch { throw StoreInvariant("\(column) does not parse: \(error)") }
    }
}
