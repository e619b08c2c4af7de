import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// `POST /api/v1/balance/compare` and `GET /api/v1/balance/limits`.
@Suite struct CompareTests {
    @Test(arguments: Backend.all)
    func compareNamesEveryDiscrepancyAndTheFirstDivergence(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            var last = ""
            for (reference, amount) in [("a", "10"), ("b", "2.5"), ("c", "-1"), ("d", "4")] {
                last =
                    try await api.balance(
                        .post,
                        "/delta",
                        key: key,
                        body: #"{"customerId":"cmp","delta":\#(amount),"reason":"r","referenceId":"\#(reference)"}"#
                    )
                    .data["recordId"]?.string ?? ""
            }
            _ = try await api.waitForDelta(last, key: key)

            let agree = try await api.balance(
                .post,
                "/compare",
                key: key,
                body: #"{"customerId":"cmp","yourBalance":15.5,"theirBalance":15.5,"startingBalance":0}"#
            )
            #expect(agree.status == .ok)
            #expect(agree.data["neutralBalance"] == .number("15.5"))
            #expect(agree.data["match"] == true)
            #expect(agree.data["discrepancies"] == [])
            #expect(agree.data["deltasCount"] == 4)

            let differ = try await api.balance(
                .post,
                "/compare",
                key: key,
                body: """
                    {"customerId":"cmp","yourBalance":15.5,"theirBalance":14.5,
                     "yourEntries":[{"referenceId":"a","delta":10},{"referenceId":"b","delta":2.5},
                     {"referenceId":"c","delta":-1},{"referenceId":"d","delta":4}],
                     "theirEntries":[{"referenceId":"a","delta":10},{"referenceId":"b","delta":1.5},
                     {"referenceId":"d","delta":4},{"referenceId":"z","delta":-1}]}
                    """
            )
            #expect(differ.status == .ok)
            #expect(differ.data["matchesYours"] == true)
            #expect(differ.data["matchesTheirs"] == false)
            #expect(differ.data["match"] == false)
            guard case .array(let found)? = differ.data["discrepancies"] else { throw TestFailure("no discrepancies") }
            #expect(found.map { $0["type"] ?? .null } == ["balance", "amount", "missing", "unrecorded"])
            #expect(found[1]["referenceId"] == "b")
            #expect(found[1]["claimedDelta"] == .number("1.5"))
            #expect(found[2]["referenceId"] == "c")
            #expect(found[3]["referenceId"] == "z")
            #expect(differ.data["firstDivergence"]?["referenceId"] == "b")
            #expect(differ.data["firstDivergence"]?["sequenceNumber"] == 2)

            let scoped = try await api.balance(
                .post,
                "/compare",
                key: key,
                body: #"{"customerId":"cmp","yourBalance":1,"startingBalance":1,"period":"2020-01"}"#
            )
            #expect(scoped.data["neutralBalance"] == 1)
            #expect(scoped.data["matchesYours"] == true)

            let cases: [(String, String)] = [
                (#"{"customerId":"nobody","yourBalance":1}"#, "CUSTOMER_NOT_FOUND"),
                (#"{"yourBalance":1}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"cmp","yourBalance":"1"}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"cmp","yourBalance":1.0000001}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"cmp","yourEntries":{"a":1}}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"cmp","yourEntries":[{"referenceId":"a"}]}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"cmp","yourEntries":[{"referenceId":"a","delta":1},{"referenceId":"a","delta":2}]}"#, "VALIDATION_ERROR"),
                (#"{"customerId":"cmp","period":"2026-10","timePreset":"current_month"}"#, "INVALID_SCOPE_COMBINATION"),
                (#"{"customerId":"cmp","startDate":"2010-01-01","endDate":"2026-01-01"}"#, "SCOPE_TOO_WIDE"),
                (#"{"customerId":"cmp","mood":"happy"}"#, "VALIDATION_ERROR"),
            ]
            for (body, code) in cases {
                #expect(try await api.balance(.post, "/compare", key: key, body: body).errorCode == code, "\(body)")
            }
        }
    }

    @Test func limitsArePublishedToKeyHolders() async throws {
        var server = TestServer()
        server.configuration.maxScopeDays = 93
        try await server.run { api in
            let key = try await api.apiKey(try await api.account())
            let limits = try await api.balance(.get, "/limits", key: key)
            #expect(limits.data["maxScopeDays"] == 93)
            #expect(limits.data["maxBatchSize"] == 1000)
            #expect(limits.data["maxRunningTotal"] == .number("4000000000000"))
            #expect(limits.data["maxBacklog"] == 100_000)
            // The configured maximum applies: 151 days is too wide, 61 days is not.
            #expect(try await api.balance(.get, "/derive/x?startDate=2026-01-01&endDate=2026-06-01", key: key).errorCode == "SCOPE_TOO_WIDE")
            #expect(try await api.balance(.get, "/derive/x?startDate=2026-01-01&endDate=2026-03-03", key: key).errorCode == "CUSTOMER_NOT_FOUND")
            #expect(try await api.call(.get, "/api/v1/balance/limits").status == .unauthorized)
        }
    }
}
