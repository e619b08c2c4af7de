/// A stored answer of an idempotent request.
public struct IdempotencyRecord: Sendable, Equatable {
    public let requestHash: String
    public let statusCode: Int
    public let response: String
}
