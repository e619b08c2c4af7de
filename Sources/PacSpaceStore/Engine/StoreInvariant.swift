/// A row that the store's own writes guarantee is missing or malformed: the database was
/// changed behind the server's back. The request fails (500, logged); nothing traps.
public struct StoreInvariant: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
