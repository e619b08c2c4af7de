import HTTPTypes
import PacSpaceCore
import PacSpaceStore

extension DeltaStore {
    /// The customer's totals, or 404 `CUSTOMER_NOT_FOUND`.
    func requireCustomer(environmentID: String, customerID: String) async throws -> CustomerTotals {
        guard let customer = try await customer(environmentID: environmentID, customerID: customerID) else {
            throw APIError(.notFound, .customerNotFound, "No customer \(customerID) in this environment.")
        }
        return customer
    }
}
