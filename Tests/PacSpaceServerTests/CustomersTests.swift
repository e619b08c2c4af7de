import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Receipts / invoice proofs, customers, usage and gaps (docs/api.md §5).
@Suite struct CustomersTests {
    @Test(arguments: Backend.all)
    func readRoutesAnswerFromTheRecord(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            var last = ""
            for (customer, amount) in [("alpha-1", "5"), ("alpha-1", "2"), ("beta-2", "-1"), ("alpha-1", "0.5")] {
                last =
                    try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"\#(customer)","delta":\#(amount),"reason":"r"}"#)
                    .data["recordId"]?.string ?? ""
            }
            _ = try await api.waitForDelta(last, key: key)
            let month = String(ISO8601DateFormatter().string(from: Date()).prefix(7))

            for path in ["/receipt/alpha-1?period=\(month)", "/invoice-proof/alpha-1?period=\(month)"] {
                let receipt = try await api.balance(.get, path, key: key)
                #expect(receipt.status == .ok, "\(path)")
                #expect(receipt.data["deltaCount"] == 3)
                #expect(receipt.data["finalBalance"] == .number("7.5"))
                #expect(receipt.data["sealed"] == false)
                guard case .array(let deltas)? = receipt.data["deltas"] else { throw TestFailure("no deltas") }
                let scope: JSONValue = [
                    "customerId": "alpha-1", "startDate": receipt.data["scope"]?["startDate"] ?? .null,
                    "endDate": receipt.data["scope"]?["endDate"] ?? .null,
                ]
                let root = try PeriodRoot.root(
                    .v2,
                    of: deltas.compactMap { $0["contentHash"]?.string.flatMap(Hash.init(prefixedHex:)) },
                    origin: try await api.logOrigin(account),
                    scope: scope
                )
                #expect(receipt.data["proofRoot"]?.string == root.prefixedHex)
                #expect(receipt.data["verificationApiUrl"]?.string == "https://pacspace.test/api/v1/verify/\(root.prefixedHex)")
                #expect(
                    receipt.data.keys.isSuperset(of: ["accessHint", "customerLinkUrl", "customerLinkHost", "verifyUrl", "scope", "startingBalance"])
                )
            }
            // Sealing the scope makes the receipt name its checkpoint.
            let sealed = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"alpha-1","period":"\#(month)"}"#)
            let receipt = try await api.balance(.get, "/receipt/alpha-1?period=\(month)", key: key)
            #expect(receipt.data["sealed"] == true)
            #expect(receipt.data["checkpointId"] == sealed.data["checkpointId"])
            #expect(try await api.balance(.get, "/checkpoints?customerId=alpha-1&period=\(month)", key: key).data["total"] == 1)
            #expect(try await api.balance(.get, "/checkpoints?customerId=alpha-1&period=2020-01", key: key).data["total"] == 0)

            let customers = try await api.balance(.get, "/customers?limit=10", key: key)
            #expect(customers.data["total"] == 2)
            #expect(try await api.balance(.get, "/customers?search=alpha", key: key).data["total"] == 1)
            #expect(try await api.balance(.get, "/customers?search=ALPHA", key: key).data["total"] == 1, "case is ignored on both engines")
            #expect(try await api.balance(.get, "/customers?search=%25", key: key).data["total"] == 0, "% is matched literally")
            for bad in ["search=", "search=a&search=b"] {
                #expect(try await api.balance(.get, "/customers?\(bad)", key: key).errorCode == "VALIDATION_ERROR", "\(bad)")
            }
            let customer = try await api.balance(.get, "/customers/alpha-1?deltaLimit=2", key: key)
            #expect(customer.data["totalDeltas"] == 3)
            #expect(customer.data["computedBalance"] == .number("7.5"))
            #expect(customer.data["recentActivity"]?["items"]?.count == 2)
            #expect(customer.data["recentActivity"]?["pagination"]?["totalPages"] == 2)
            #expect(customer.data["latestCheckpoint"]?["checkpointId"] == sealed.data["checkpointId"])

            let usage = try await api.balance(.get, "/usage", key: key)
            #expect(usage.data["verifiedDeltas"] == 4)
            #expect(usage.data["period"]?.string == month)
            #expect(usage.data["environment"] == "testnet")
            #expect(usage.data["creditsAvailable"] == .null)

            let gaps = try await api.balance(.get, "/gaps/alpha-1?fromSequence=1&toSequence=5", key: key)
            #expect(gaps.data["gaps"] == [["from": 4, "to": 5, "reason": "missing"]])
            #expect(try await api.balance(.get, "/gaps/alpha-1", key: key).data["gaps"] == [])

            for (path, code) in [
                ("/customers/nobody", "CUSTOMER_NOT_FOUND"), ("/gaps/nobody", "CUSTOMER_NOT_FOUND"), ("/receipt/nobody", "CUSTOMER_NOT_FOUND"),
                ("/gaps/alpha-1?fromSequence=5&toSequence=2", "VALIDATION_ERROR"), ("/customers?limit=101", "VALIDATION_ERROR"),
                ("/customers/alpha-1?period=2999-01", "VALIDATION_ERROR"), ("/receipt/alpha-1?period=x", "VALIDATION_ERROR"),
                ("/invoice-proof/alpha-1?period=2026-01&timePreset=current_month", "INVALID_SCOPE_COMBINATION"),
            ] {
                #expect(try await api.balance(.get, path, key: key).errorCode == code, "\(path)")
            }
        }
    }
}
