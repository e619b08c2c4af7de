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

    /// How many record entries reserved credits.
    static func recordReservations(_ api: API, _ account: Account) async throws -> Int {
        try await ledger(api, account).entries.filter {
            $0["type"] == .string("reservation") && $0["description"] == .string("1 production record entry")
        }.count
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
            let replies = try await concurrently(80) { index in
                try await api.balance(.post, "/delta", key: liveKey, body: #"{"customerId":"c\#(index % 7)","delta":1,"reason":"r"}"#)
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

    /// A production record entry is a log entry like a delta: it reserves at append, settles
    /// once committed; a repeat costs nothing; a 402 stores nothing — not even a new record.
    @Test(arguments: Backend.all)
    func productionRecordEntriesSpendCreditsAndStopAt402(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.freeCredits = Amount(micros: 3_000_000)
        try await server.run { api in
            let account = try await api.account()
            let testKey = try await api.apiKey(account)
            let liveKey = try await api.apiKey(account, environment: "mainnet")
            func write(_ record: String, _ reference: String, key: String = liveKey) async throws -> Reply {
                try await api.record(.post, "machine-action-record/\(record)/transitions", key: key, body: RecordsTests.entry(referenceId: reference))
            }
            #expect(try await write("paid", "r0").status == .created)
            #expect(try await write("paid", "r1", key: testKey).status == .created, "the sandbox is free")
            #expect(try await write("paid", "r1").status == .created)
            #expect(try await write("paid", "r1").status == .ok, "a repeat is the first answer, free")
            // Reserved once each (the sequencer may have settled them already).
            #expect(try await Self.recordReservations(api, account) == 2)
            #expect(try await write("other", "r0").status == .created)
            for (record, reference) in [("paid", "r2"), ("refused", "r0")] {
                let refused = try await write(record, reference)
                #expect(refused.status.code == 402 && refused.errorCode == "INSUFFICIENT_CREDITS", "\(refused.text)")
            }
            #expect(try await api.record(.get, "machine-action-record/refused/history", key: liveKey).errorCode == "RECORD_NOT_FOUND")
            #expect(try await api.record(.get, "machine-action-record/paid/history", key: liveKey).json["entryCount"] == .number("2"))
            _ = try await api.waitForRecordEntry("other", seq: 0, key: liveKey)
            _ = try await api.waitForRecordEntry("paid", seq: 1, key: liveKey)
            let (balance, available, reserved, entries) = try await Self.ledger(api, account)
            #expect(balance == 0 && available == 0 && reserved == 0)
            #expect(entries.contains { $0["description"]?.string?.contains("record entries verified") == true }, "\(entries)")
        }
    }

    /// Concurrent first entries of many records, more than the credits pay for: exactly as
    /// many stored as paid, each record numbered from 0 with no gap, and no record left empty.
    @Test(arguments: Backend.all)
    func concurrentRecordEntriesNeverOverspend(backend: Backend) async throws {
        var server = TestServer(backend)
        server.configuration.freeCredits = Amount(micros: 20_000_000)
        try await server.run { api in
            let account = try await api.account()
            let liveKey = try await api.apiKey(account, environment: "mainnet")
            let replies = try await concurrently(30) { index in
                try await api.record(
                    .post,
                    "machine-action-record/c\(index % 12)/transitions",
                    key: liveKey,
                    body: RecordsTests.entry(referenceId: "r\(index)")
                )
            }
            #expect(replies.filter { $0.status == .created }.count == 20)
            #expect(replies.filter { $0.status.code == 402 }.count == 10)
            var stored = 0
            for record in 0..<12 {
                let history = try await api.record(.get, "machine-action-record/c\(record)/history", key: liveKey)
                guard history.status == .ok else {
                    #expect(history.errorCode == "RECORD_NOT_FOUND")
                    continue
                }
                guard case .array(let listed)? = history.json["entries"] else { throw TestFailure("no entries") }
                #expect(!listed.isEmpty && listed.map { $0["seq"] } == (0..<listed.count).map { .number(String($0)) })
                stored += listed.count
            }
            #expect(stored == 20)
            #expect(try await Self.recordReservations(api, account) == 20)
        }
    }
}
