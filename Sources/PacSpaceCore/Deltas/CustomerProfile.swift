/// What the provider says of a customer it creates by hand (`POST /dashboard/customers`):
/// how people should see it. None of it is in any hash or proof; a customer that first
/// appeared through a delta has none.
public struct CustomerProfile: Sendable, Equatable {
    public let displayName: String
    /// What the customer's amounts count (`GPU hours`, `credits`); display only.
    public let unitLabel: String?
    /// The hosted dashboard's hint of how the provider shares records with this customer;
    /// kept as given (the hosted documentation lists no values).
    public let sharingStateHint: String?
    /// How often the provider expects to send events for this customer; kept as given.
    public let eventCadence: String?

    public init(displayName: String, unitLabel: String?, sharingStateHint: String?, eventCadence: String?) {
        self.displayName = displayName
        self.unitLabel = unitLabel
        self.sharingStateHint = sharingStateHint
        self.eventCadence = eventCadence
    }
}
