import Foundation
import HTTPTypes
import PacSpaceCore
import Synchronization
import Testing

@testable import PacSpaceServer

/// The dashboard's customer routes (docs/api.md §10): customers created by hand, which
/// environment a request means, lists, figures, and one customer's deltas narrowed.
@Suite struct DashboardCustomersTests {
    /// The first element of a JSON array answer, or null.
    static func item(_ value: JSONValue?) -> JSONValue {
        guard case .array(let items)? = value, let first = items.first else { return .null }
        return first
    }

    static func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields[HTTPField.Name(name) ?? .via] = value }
        return fields
    }

    @Test(arguments: Backend.all)
    func customersAreCreatedByHandAndAnnounced(backend: Backend) async throws {
        var server = TestServer(backend)
        // Its own database on PostgreSQL: other tests' servers, which refuse loopback
        // receivers, would otherwise claim this tenant's deliveries.
        try await server.isolateDatabase()
        server.configuration.webhookAllowedHosts = ["127.0.0.1"]
        let receiver = WebhookReceiver()
        try await receiver.run { [server] url in
            try await server.run { api in
                let account = try await api.account()
                let token = account.accessToken
                let key = try await api.apiKey(account)
                _ = try await api.call(.post, "/dashboard/webhooks", body: #"{"url":"\#(url)","events":["customer.created"]}"#, token: token)

                let created = try await api.call(
                    .post,
                    "/dashboard/customers",
                    body: #"{"displayName":"Acme GmbH","customerId":"acme-1","unitLabel":"GPU hours","eventCadence":"daily"}"#,
                    token: token
                )
                #expect(created.status == .created, "\(created.text)")
                #expect(created.data["customerId"] == "acme-1")
                #expect(created.data["displayName"] == "Acme GmbH")
                #expect(created.data["unitLabel"] == "GPU hours")
                #expect(created.data["sharingStateHint"] == .null)
                #expect(created.data["totalDeltas"] == 0 && created.data["computedBalance"] == 0)
                let event = try await receiver.wait(for: "customer.created") { $0.event == "customer.created" }
                #expect(event.json["data"]?["customerId"] == "acme-1" && event.json["environment"] == "testnet")

                // The same id again, by hand or after a delta made it: 409.
                let again = try await api.call(.post, "/dashboard/customers", body: #"{"displayName":"x","customerId":"acme-1"}"#, token: token)
                #expect(again.status == .conflict && again.errorCode == "CONFLICT")
                _ = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"from-delta","delta":1,"reason":"r"}"#)
                let taken = try await api.call(.post, "/dashboard/customers", body: #"{"displayName":"x","customerId":"from-delta"}"#, token: token)
                #expect(taken.status == .conflict)

                // No id: one is made. The first delta of a customer made by hand is number 1.
                let generated = try await api.call(.post, "/dashboard/customers", body: #"{"displayName":"Nameless"}"#, token: token)
                let generatedID = generated.data["customerId"]?.string ?? ""
                #expect(generated.status == .created && generatedID.hasPrefix("cust_"))
                let first = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"acme-1","delta":2.5,"reason":"r"}"#)
                #expect(first.data["sequenceNumber"] == 1)
                #expect(try await api.balance(.get, "/customers/acme-1", key: key).data["displayName"] == "Acme GmbH")

                for (body, field) in [
                    (#"{}"#, "displayName"), (#"{"displayName":""}"#, "displayName"), (#"{"displayName":"a\u0007b"}"#, "displayName"),
                    (#"{"displayName":"x","customerId":"no spaces"}"#, "customerId"), (#"{"displayName":"x","extra":1}"#, "extra"),
                    (#"{"displayName":"\#(String(repeating: "n", count: 201))"}"#, "displayName"),
                ] {
                    let refused = try await api.call(.post, "/dashboard/customers", body: body, token: token)
                    #expect(refused.status == .badRequest, "\(body): \(refused.text)")
                    #expect(refused.text.contains(field), "\(body): \(refused.text)")
                }
            }
        }
    }

    @Test(arguments: Backend.all)
    func theEnvironmentIsTheHeadersOrTheKeysOrTheSandbox(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let token = account.accessToken
            let test = try await api.apiKey(account)
            let create = { (id: String, headers: HTTPFields) in
                try await api.call(.post, "/dashboard/customers", body: #"{"displayName":"d","customerId":"\#(id)"}"#, token: token, headers: headers)
            }
            // Production is not active yet: 412, whichever way it is asked for.
            #expect(try await create("p0", Self.headers([("X-Environment", "production")])).errorCode == "CONTRACT_NOT_DEPLOYED")
            #expect(try await create("s0", Self.headers([("X-Environment", "staging")])).status == .badRequest)
            let live = try await api.apiKey(account, environment: "mainnet")
            #expect(try await create("p1", Self.headers([("X-Environment", "production")])).status == .created)
            // The SDK's customers.create: the key beside the token chooses.
            #expect(try await create("p2", Self.headers([("X-Api-Key", live)])).status == .created)
            #expect(try await create("s1", Self.headers([("X-Api-Key", test)])).status == .created)
            #expect(try await create("s2", [:]).status == .created)
            #expect(try await create("s3", Self.headers([("X-Environment", "sandbox"), ("X-Chain-Id", "295")])).status == .badRequest)
            let production = try await api.balance(.get, "/customers", key: live)
            #expect(production.data["total"] == 2, "\(production.text)")
            #expect(try await api.balance(.get, "/customers", key: test).data["total"] == 2)
            // Another tenant's key beside this token, or a broken one: 401.
            let stranger = try await api.apiKey(try await api.account())
            #expect(try await create("x1", Self.headers([("X-Api-Key", stranger)])).errorCode == "INVALID_API_KEY")
            #expect(try await create("x2", Self.headers([("X-Api-Key", "pk_test_a.sk_test_b")])).errorCode == "INVALID_API_KEY")
        }
    }

    @Test(arguments: Backend.all)
    func listsFiguresAndOneCustomersDeltas(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let token = account.accessToken
            let key = try await api.apiKey(account)
            _ = try await api.call(.post, "/dashboard/customers", body: #"{"displayName":"Globex Corp","customerId":"g-1"}"#, token: token)
            let batch = #"""
                {"deltas":[{"customerId":"g-1","delta":10,"reason":"gpu","referenceId":"inv-1"},
                {"customerId":"g-1","delta":-2.5,"reason":"refund","referenceId":"inv-2"},
                {"customerId":"g-1","delta":4,"reason":"gpu","referenceId":"inv-3"},
                {"customerId":"other","delta":1,"reason":"gpu"}]}
                """#
            #expect(try await api.balance(.post, "/delta/batch", key: key, body: batch).data["totalQueued"] == 4)
            let last = try await api.balance(.get, "/customers/g-1", key: key)
            _ = try await api.waitForDelta(
                Self.item(last.data["recentActivity"]?["items"])["recordId"]?.string ?? "",
                key: key
            )
            for _ in 0..<100 where try await api.balance(.get, "/customers/other", key: key).data["verifiedDeltas"] != 1 {
                try await Task.sleep(for: .milliseconds(50))
            }

            let search = try await api.call(.get, "/dashboard/customers?search=globex", token: token)
            #expect(search.data["total"] == 1 && Self.item(search.data["items"])["customerId"] == "g-1", "\(search.text)")
            #expect(try await api.call(.get, "/dashboard/customers?limit=1&page=2", token: token).data["items"]?.count == 1)

            let summary = try await api.call(.get, "/dashboard/customers/summary", token: token)
            #expect(summary.data["customers"] == 2 && summary.data["activeCustomers"] == 2, "\(summary.text)")
            #expect(summary.data["totalDeltas"] == 4 && summary.data["computedBalance"] == .number("12.5"), "\(summary.text)")

            let all = try await api.call(.get, "/dashboard/customers/g-1", token: token)
            #expect(all.data["displayName"] == "Globex Corp" && all.data["computedBalance"] == .number("11.5"), "\(all.text)")
            #expect(all.data["deltas"]?["total"] == 3)
            #expect(Self.item(all.data["deltas"]?["items"])["sequenceNumber"] == 3, "newest first by default")
            let refunds = try await api.call(.get, "/dashboard/customers/g-1?reason=refund", token: token)
            #expect(refunds.data["deltas"]?["total"] == 1 && Self.item(refunds.data["deltas"]?["items"])["referenceId"] == "inv-2")
            let byAmount = try await api.call(.get, "/dashboard/customers/g-1?sortBy=delta&sortOrder=asc&deltaLimit=2", token: token)
            #expect(Self.item(byAmount.data["deltas"]?["items"])["delta"] == .number("-2.5"))
            #expect(byAmount.data["deltas"]?["totalPages"] == 2)
            let found = try await api.call(.get, "/dashboard/customers/g-1?search=INV-3&status=VERIFIED", token: token)
            #expect(found.data["deltas"]?["total"] == 1, "\(found.text)")
            let today = String(Timestamp.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(10))
            let window = try await api.call(.get, "/dashboard/customers/g-1?startDate=2020-01-01&endDate=\(today)", token: token)
            #expect(window.data["deltas"]?["total"] == 0, "nothing was accepted before today: \(window.text)")

            for (query, field) in [
                ("status=DONE", "status"), ("sortBy=reason", "sortBy"), ("sortOrder=up", "sortOrder"), ("deltaLimit=0", "deltaLimit"),
                ("startDate=2020-01-01", "startDate"), ("status=QUEUED&status=VERIFIED", "status"),
            ] {
                let refused = try await api.call(.get, "/dashboard/customers/g-1?\(query)", token: token)
                #expect(refused.status == .badRequest && refused.text.contains(field), "\(query): \(refused.text)")
            }
            for (path, field) in [
                ("/dashboard/customers?search=\(String(repeating: "s", count: 129))", "search"),
                ("/dashboard/customers/g-1?reason=\(String(repeating: "r", count: 501))", "reason"),
                ("/dashboard/customers/g-1?search=\(String(repeating: "s", count: 129))", "search"),
                ("/dashboard/customers/bad%20id", "customerId"), ("/dashboard/customers/bad%20id/receipt", "customerId"),
            ] {
                let refused = try await api.call(.get, path, token: token)
                #expect(refused.status == .badRequest, "\(path): \(refused.text)")
                #expect(Self.item(refused.json["error"]?["details"])["field"] == .string(field), "\(path): \(refused.text)")
            }
            #expect(try await api.call(.get, "/dashboard/customers/nobody", token: token).errorCode == "CUSTOMER_NOT_FOUND")
            for path in ["/dashboard/customers/nobody/receipt", "/dashboard/customers/nobody/checkpoints"] {
                #expect(try await api.call(.get, path, token: token).errorCode == "CUSTOMER_NOT_FOUND", "\(path)")
            }
            #expect(try await api.call(.post, "/dashboard/customers/nobody/checkpoint", token: token).errorCode == "CUSTOMER_NOT_FOUND")
            let unknownMember = try await api.call(.post, "/dashboard/customers/g-1/checkpoint", body: #"{"customerId":"g-1"}"#, token: token)
            #expect(unknownMember.status == .badRequest && unknownMember.text.contains("customerId"), "\(unknownMember.text)")
            #expect(try await api.call(.get, "/dashboard/customers").status == .unauthorized)
        }
    }

    @Test(arguments: Backend.all)
    func receiptsSealsAndTheCSVExport(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let token = account.accessToken
            let key = try await api.apiKey(account)
            let batch = #"""
                {"deltas":[{"customerId":"csv-1","delta":10.25,"reason":"gpu, \"large\"","referenceId":"r1","metadata":{"b":1,"a":"x"}},
                {"customerId":"csv-1","delta":-3,"reason":"=HYPERLINK(\"http://evil\")","referenceId":"r2"},
                {"customerId":"csv-1","delta":1,"reason":"@sum(1)"}]}
                """#
            let written = try await api.balance(.post, "/delta/batch", key: key, body: batch)
            #expect(written.data["totalQueued"] == 3, "\(written.text)")
            guard case .array(let results)? = written.data["results"] else { throw TestFailure("no results: \(written.text)") }
            for result in results { _ = try await api.waitForDelta(result["recordId"]?.string ?? "", key: key) }

            let period = String(Timestamp.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(7))
            let receipt = try await api.call(.get, "/dashboard/customers/csv-1/receipt?period=\(period)", token: token)
            #expect(receipt.status == .ok && receipt.data["deltaCount"] == 3 && receipt.data["finalBalance"] == .number("8.25"), "\(receipt.text)")
            #expect(receipt.data["sealed"] == false)
            let sealed = try await api.call(.post, "/dashboard/customers/csv-1/checkpoint", body: #"{"period":"\#(period)"}"#, token: token)
            #expect(sealed.status == .created && sealed.data["proofRoot"] == receipt.data["proofRoot"], "\(sealed.text)")
            let again = try await api.call(.post, "/dashboard/customers/csv-1/checkpoint", body: #"{"period":"\#(period)"}"#, token: token)
            #expect(again.status == .ok && again.data["checkpointId"] == sealed.data["checkpointId"])
            #expect(try await api.call(.post, "/dashboard/customers/csv-1/checkpoint", token: token).status == .ok, "no body: this month")
            let listed = try await api.call(.get, "/dashboard/customers/csv-1/checkpoints", token: token)
            #expect(listed.data["total"] == 1, "\(listed.text)")
            #expect(try await api.balance(.get, "/receipt/csv-1?period=\(period)", key: key).data["sealed"] == true)

            let csv = try await api.call(.get, "/dashboard/customers/csv-1/export", token: token)
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.text.components(separatedBy: "\r\n")
            #expect(
                lines.first
                    == "sequenceNumber,recordId,receiptId,createdAt,verifiedAt,delta,reason,referenceId,adjusts,metadata,contentHash,logIndex,status",
                "\(csv.text)"
            )
            #expect(lines.count == 5 && lines.last == "", "a header, three rows and the final line end: \(lines)")
            #expect(lines[1].contains(#""gpu, ""large""""#) && lines[1].contains(#""{""a"":""x"",""b"":1}""#), "\(lines[1])")
            #expect(lines[2].contains(#""'=HYPERLINK(""http://evil"")""#), "\(lines[2])")
            #expect(lines[3].contains(",'@sum(1),"), "\(lines[3])")
            // The amounts sum to derive's balance.
            let amounts = lines.dropFirst().filter { !$0.isEmpty }.compactMap { line -> Decimal? in
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                return fields.count > 5 ? Decimal(string: String(fields[5])) : nil
            }
            let derived = try await api.balance(.get, "/derive/csv-1", key: key).data["computedBalance"]
            #expect(amounts.count == 3 && "\(amounts.reduce(0, +))" == derived?.numberText, "\(amounts) vs \(String(describing: derived))")
            #expect(try await api.call(.get, "/dashboard/customers/nobody/export", token: token).errorCode == "CUSTOMER_NOT_FOUND")
        }
    }

    /// The export reads 1,000 rows a page: 2,500 deltas come out whole, once each, in order.
    @Test(arguments: Backend.all)
    func theExportPagesThroughEveryDelta(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            for count in [1000, 1000, 500] {
                let item = #"{"customerId":"bulk","delta":0.5,"reason":"r"}"#
                let body = #"{"deltas":[\#(Array(repeating: item, count: count).joined(separator: ","))]}"#
                #expect(try await api.balance(.post, "/delta/batch", key: key, body: body).data["totalQueued"] == .int(count))
            }
            for _ in 0..<400 where try await api.balance(.get, "/customers/bulk", key: key).data["verifiedDeltas"] != 2500 {
                try await Task.sleep(for: .milliseconds(50))
            }
            let csv = try await api.call(.get, "/dashboard/customers/bulk/export", token: account.accessToken)
            let rows = csv.text.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
            let sequences = rows.compactMap { Int($0.prefix { $0 != "," }) }
            #expect(sequences == Array(1...2500), "\(sequences.count) rows")
        }
    }

    /// A key sent beside the token is checked as the Balance API checks keys: failures
    /// count against the address, and past the limit the address is turned away.
    @Test func aKeyBesideTheTokenCountsFailedAuthentications() async throws {
        var server = TestServer()
        server.configuration.rateLimits.authFailures = RateLimiter.Policy(burst: 3, intervalMillis: 60_000)
        try await server.run { api in
            let account = try await api.account()
            _ = try await api.apiKey(account)
            let bogus = Self.headers([("X-Api-Key", "pk_test_nobody.sk_test_wrong")])
            for _ in 0..<3 {
                #expect(try await api.call(.get, "/dashboard/customers", token: account.accessToken, headers: bogus).errorCode == "INVALID_API_KEY")
            }
            let refused = try await api.call(.get, "/dashboard/customers", token: account.accessToken, headers: bogus)
            #expect(refused.status == .tooManyRequests, "\(refused.text)")
        }
    }

    /// The summary's operator figures: this month's verified deltas, the backlog, the last
    /// signed checkpoint, and the customers whose last month is still to seal — deltas
    /// written on the second day of last month (an injected clock), one customer's month
    /// sealed. The dashboard reads at real time: access tokens meet the wall clock too.
    @Test(arguments: Backend.all)
    func summaryNamesTheCustomersStillToSeal(backend: Backend) async throws {
        var server = TestServer(backend)
        // Its own database on PostgreSQL: the other tests' servers, on the wall clock, would
        // otherwise sequence this tenant's entries at their time.
        try await server.isolateDatabase()
        let offset = Mutex<Int64>(0)
        server.configuration.now = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) + offset.withLock { $0 } }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let thisMonth = calendar.dateInterval(of: .month, for: Date())?.start ?? Date()
        let lastMonth =
            calendar.date(byAdding: .day, value: -20, to: thisMonth).flatMap { calendar.dateInterval(of: .month, for: $0)?.start } ?? thisMonth
        let month = String(Timestamp.iso8601(millis: Int64(lastMonth.timeIntervalSince1970 * 1000)).prefix(7))
        try await server.run { api in
            let account = try await api.account()
            let token = account.accessToken
            let key = try await api.apiKey(account)
            offset.withLock { $0 = Int64((lastMonth.timeIntervalSince1970 + 86_400 - Date().timeIntervalSince1970) * 1000) }
            for customer in ["sealed-1", "open-1", "open-2"] {
                let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"\#(customer)","delta":1,"reason":"r"}"#)
                _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            }
            // Sealed, and in the log, while the clock is still last month's.
            var pause = PollingPause()
            for _ in 0..<1000 {
                let sealed = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"sealed-1","period":"\#(month)"}"#)
                if sealed.data["status"] == "VERIFIED" { break }
                try await pause.wait()
            }
            offset.withLock { $0 = 0 }
            let summary = try await api.call(.get, "/dashboard/customers/summary", token: token)
            #expect(summary.status == .ok, "\(summary.text)")
            #expect(summary.data["lastMonth"]?["period"]?.string == month, "\(summary.text)")
            #expect(summary.data["lastMonth"]?["customersUnsealed"] == 2, "\(summary.text)")
            #expect(summary.data["queuedDeltas"] == 0 && summary.data["oldestQueuedAt"] == .null, "\(summary.text)")
            #expect(summary.data["lastSignedAt"]?.string?.hasPrefix(month) == true, "\(summary.text)")
            #expect(summary.data["verifiedThisMonth"] == 0, "\(summary.text)")
            let emitted = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"open-1","delta":1,"reason":"r"}"#)
            _ = try await api.waitForDelta(emitted.data["recordId"]?.string ?? "", key: key)
            let later = try await api.call(.get, "/dashboard/customers/summary", token: token)
            #expect(later.data["verifiedThisMonth"] == 1 && later.data["lastSignedAt"]?.string?.hasPrefix(month) == false, "\(later.text)")
            // Sealing one of them takes it off the count.
            _ = try await api.call(.post, "/dashboard/customers/open-1/checkpoint", body: #"{"period":"\#(month)"}"#, token: token)
            #expect(try await api.call(.get, "/dashboard/customers/summary", token: token).data["lastMonth"]?["customersUnsealed"] == 1)
        }
    }
}
