import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Credits (docs/api.md §8): production writes reserve, verification settles, 402 stores nothing.
@Suite struct CreditsTests {
    static func ledger(
        _ api: API,
        _ account: Account
    ) async throws -> (balance: JSONValue, available: JSONValue, reserved: JSONValue, entries: [JSONValue]) {
        let balances = try await api.call(.get, "/dashboard/credit/balances", token: account.accessToken).data
        let entries = try await api.call(.get, "/dashboard/credit/entries?limit=100", token: account.accessToken).data
        guard case .array(let items)? = entries["items"] else { throw TestFailure("no entries") }
        return (balances["creditBalance"] ?? .null, balances["availableBalance"] ?? .null, balances["reserved"] ?? .null, items)
    }

    @Test(arguments: Backend.all)
    func productionWritesSpendCreditsAndStopAt402(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.freeCredits = Amount(micros: 3_000_000)
        try await server.run { api in
            let account = try await api.account()
            let testKey = try await api.apiKey(account)
            let liveKey = try await api.apiKey(account, environment: "mainnet")
            #expect(try await Self.ledger(api, account).balance == 3)

            var last = ""
            for index in 0..<3 {
                let reply = try await api.balance(.post, "/delta", key: liveKey, body: #"{"customerId":"paid","delta":1,"reason":"r\#(index)"}"#)
                #expect(reply.status == .created)
                last = reply.data["recordId"]?.string ?? ""
            }
            let refused = try await api.balance(.post, "/delta", key: liveKey, body: #"{"customerId":"paid","delta":1,"reason":"one too many"}"#)
            #expect(refused.status.code == 402)
            #expect(refused.errorCode == "INSUFFICIENT_CREDITS")
            let batch = try await api.balance(
                .post,
                "/delta/batch",
                key: liveKey,
                body: #"{"deltas":[{"customerId":"fresh","delta":1,"reason":"r"}]}"#
            )
            #expect(batch.status.code == 402)
            #expect(try await api.balance(.get, "/derive/fresh", key: liveKey).errorCode == "CUSTOMER_NOT_FOUND", "a 402 stores nothing")
            // The sandbox stays free.
            #expect(try await api.balance(.post, "/delta", key: testKey, body: #"{"customerId":"free","delta":1,"reason":"r"}"#).status == .created)

            _ = try await api.waitForDelta(last, key: liveKey)
            let (balance, available, reserved, entries) = try await Self.ledger(api, account)
            #expect(balance == 0)
            #expect(available == 0)
            #expect(reserved == 0)
            #expect(Set(entries.compactMap { $0["type"]?.string }) == ["grant", "reservation", "settlement"])
            let usage = try await api.balance(.get, "/usage", key: liveKey)
            #expect(usage.data["creditsAvailable"] == 0)
            #expect(usage.data["allowed"] == false)
            #expect(try await api.balance(.get, "/usage", key: testKey).data["allowed"] == true)
            #expect(try await api.call(.get, "/dashboard/credit/balances").status == .unauthorized)
            // Empty and repeated values are refused too (found by schemathesis: `?limit=&limit=x` answered 200).
            for bad in ["limit=0", "limit=101", "page=0", "page=x", "page=", "limit=", "limit=5&limit=6", "limit=&limit=x"] {
                #expect(try await api.call(.get, "/dashboard/credit/entries?\(bad)", token: account.accessToken).status == .badRequest, "\(bad)")
            }
        }
    }

    /// Under concurrency: exactly as many deltas as credits, the ledger sums up, nothing negative.
    @Test(arguments: Backend.all)
    func concurrentWritesNeverOverspend(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.freeCredits = Amount(micros: 50_000_000)
        try await server.run { api in
            let account = try await api.account()
            let liveKey = try await api.apiKey(account, environment: "mainnet")
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<80 {
                    group.addTask {
                        try await api.balance(.post, "/delta", key: liveKey, body: #"{"customerId":"c\#(index % 7)","delta":1,"reason":"r"}"#)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = replies.filter { $0.status == .created }
            #expect(accepted.count == 50)
            #expect(replies.filter { $0.status.code == 402 }.count == 30)
            for reply in accepted { _ = try await api.waitForDelta(reply.data["recordId"]?.string ?? "", key: liveKey) }
            let (balance, available, reserved, entries) = try await Self.ledger(api, account)
            #expect(balance == 0 && available == 0 && reserved == 0)
            // creditBalance = sum of the balance-changing entries.
            let sum = entries.filter { $0["type"] != "reservation" }.compactMap { entry -> Int64? in
                if case .number(let text)? = entry["amount"] { return (try? Amount(parsing: text))?.micros }
                return nil
            }.reduce(0, +)
            #expect(sum == 0)
            let stored = try await api.balance(.get, "/customers?limit=100", key: liveKey)
            guard case .array(let customers)? = stored.data["customers"] else { throw TestFailure("no customers") }
            #expect(
                customers.compactMap { customer -> Int? in if case .number(let n)? = customer["totalDeltas"] { Int(n) } else { nil } }.reduce(0, +)
                    == 50
            )
        }
    }
}
