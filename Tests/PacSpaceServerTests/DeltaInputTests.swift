import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Batches, deduplication, idempotency, key authentication and bad input on the write path.
@Suite struct DeltaInputTests {
    @Test(arguments: Backend.all)
    func batchAcceptsGoodItemsAndReportsBadOnes(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            let reply = try await api.balance(
                .post,
                "/delta/batch",
                key: key,
                body: """
                    {"deltas":[{"customerId":"c1","delta":5,"reason":"a","referenceId":"r1"},
                               {"customerId":"c1","delta":0,"reason":"zero"},
                               {"customerId":"c1","delta":5,"reason":"a","referenceId":"r1"},
                               "not an object",
                               {"customerId":"c1","delta":1.5,"reason":"b","adjusts":{"referenceId":"r1"}},
                               {"customerId":"c1","delta":6,"reason":"a","referenceId":"r1"}]}
                    """
            )
            #expect(reply.status == .created)
            #expect(reply.data["totalQueued"] == 3)
            #expect(reply.data["totalFailed"] == 3)
            guard case .array(let results)? = reply.data["results"] else { throw TestFailure("no results") }
            #expect(results.map { $0["status"] ?? .null } == ["QUEUED", "FAILED", "QUEUED", "FAILED", "QUEUED", "FAILED"])
            #expect(results[1]["error"]?["code"] == "VALIDATION_ERROR")
            #expect(results[2]["idempotent"] == true)
            #expect(results[2]["recordId"] == results[0]["recordId"])
            #expect(results[5]["error"]?["code"] == "IDEMPOTENCY_CONFLICT")
            #expect(results[4]["sequenceNumber"] == 2)
            for body in [
                #"{"deltas":[]}"#, #"{"deltas":{}}"#, #"{}"#,
                #"{"deltas":[\#(Array(repeating: #"{"customerId":"c","delta":1,"reason":"r"}"#, count: 1001).joined(separator: ","))]}"#,
            ] {
                #expect(try await api.balance(.post, "/delta/batch", key: key, body: body).status == .badRequest)
            }
        }
    }

    @Test func referenceIdsDeduplicateAndAdjustsMustExist() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            let first = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":10,"reason":"x","referenceId":"inv-1"}"#)
            #expect(first.status == .created)
            let again = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":10.0,"reason":"x","referenceId":"inv-1"}"#)
            #expect(again.status == .ok)
            #expect(again.data["idempotent"] == true)
            #expect(again.data["recordId"] == first.data["recordId"])
            let changed = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":11,"reason":"x","referenceId":"inv-1"}"#)
            #expect(changed.status == .conflict)
            #expect(changed.errorCode == "IDEMPOTENCY_CONFLICT")
            // The same referenceId for another customer is another delta.
            #expect(
                try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"d","delta":10,"reason":"x","referenceId":"inv-1"}"#).status
                    == .created
            )
            let unknown = try await api.balance(
                .post,
                "/delta",
                key: key,
                body: #"{"customerId":"c","delta":-1,"reason":"fix","adjusts":{"referenceId":"nope"}}"#
            )
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["error"]?["details"] == [["field": "adjusts", "problem": "unknown"]])
            let adjust = try await api.balance(
                .post,
                "/delta",
                key: key,
                body: #"{"customerId":"c","delta":-1,"reason":"fix","adjusts":{"referenceId":"inv-1"}}"#
            )
            #expect(adjust.status == .created)
            #expect(adjust.data["adjusts"] == ["referenceId": "inv-1"])
            #expect(adjust.data["sequenceNumber"] == 2)
        }
    }

    @Test(arguments: Backend.all)
    func idempotencyKeysReplayAndRefuseReuse(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "order-77"
            let body = #"{"customerId":"c","delta":3,"reason":"x"}"#
            let first = try await api.balance(.post, "/delta", key: key, body: body, headers: headers)
            #expect(first.status == .created)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let replay = try await api.balance(.post, "/delta", key: key, body: #"{ "reason":"x", "delta":3, "customerId":"c" }"#, headers: headers)
            #expect(replay.status == .created)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(replay.data == first.data)
            // The store renders the answer and keeps those bytes: the replay is the same bytes.
            #expect(replay.text == first.text)
            headers[HTTPField.Name("Idempotency-Key")!] = "batch-77"
            let batch =
                #"{"deltas":[{"customerId":"cb","delta":1,"reason":"a","metadata":{"b":1,"a":2}},"#
                + #"{"customerId":"cb","delta":0,"reason":"z"}]}"#
            let firstBatch = try await api.balance(.post, "/delta/batch", key: key, body: batch, headers: headers)
            #expect(firstBatch.status == .created)
            #expect(firstBatch.data["totalQueued"] == 1 && firstBatch.data["totalFailed"] == 1)
            let replayedBatch = try await api.balance(.post, "/delta/batch", key: key, body: batch, headers: headers)
            #expect(replayedBatch.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(replayedBatch.text == firstBatch.text)
            headers[HTTPField.Name("Idempotency-Key")!] = "order-77"
            let other = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":4,"reason":"x"}"#, headers: headers)
            #expect(other.status == .conflict)
            #expect(other.errorCode == "IDEMPOTENCY_CONFLICT")
            headers[HTTPField.Name("Idempotency-Key")!] = String(repeating: "k", count: 256)
            #expect(try await api.balance(.post, "/delta", key: key, body: body, headers: headers).status == .badRequest)
            // Racing requests with one key: one write, the others replay or are told to wait.
            headers[HTTPField.Name("Idempotency-Key")!] = "race-1"
            let race = headers
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 { group.addTask { try await api.balance(.post, "/delta", key: key, body: body, headers: race).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created || $0 == .accepted })
            let sequence = try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":1,"reason":"y"}"#).data[
                "sequenceNumber"
            ]
            #expect(sequence == 3, "exactly one write for the racing key")
        }
    }

    @Test func everyFieldIsValidated() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            let cases: [(String, String, String)] = [
                (#"{"delta":1,"reason":"r"}"#, "customerId", "required"),
                (#"{"customerId":"has space","delta":1,"reason":"r"}"#, "customerId", "format"),
                (#"{"customerId":"\#(String(repeating: "c", count: 129))","delta":1,"reason":"r"}"#, "customerId", "too_long"),
                (#"{"customerId":"c","reason":"r"}"#, "delta", "required"),
                (#"{"customerId":"c","delta":"1","reason":"r"}"#, "delta", "type"),
                (#"{"customerId":"c","delta":0,"reason":"r"}"#, "delta", "zero"),
                (#"{"customerId":"c","delta":0.0000001,"reason":"r"}"#, "delta", "precision"),
                (#"{"customerId":"c","delta":1000000000.5,"reason":"r"}"#, "delta", "range"),
                (#"{"customerId":"c","delta":1e400,"reason":"r"}"#, "delta", "range"),
                (#"{"customerId":"c","delta":1}"#, "reason", "required"),
                (#"{"customerId":"c","delta":1,"reason":"\#(String(repeating: "r", count: 501))"}"#, "reason", "too_long"),
                (#"{"customerId":"c","delta":1,"reason":"r","referenceId":"\#(String(repeating: "x", count: 256))"}"#, "referenceId", "too_long"),
                (#"{"customerId":"c","delta":1,"reason":"r","metadata":[1]}"#, "metadata", "type"),
                (
                    #"{"customerId":"c","delta":1,"reason":"r","metadata":{"big":"\#(String(repeating: "m", count: 16400))"}}"#, "metadata",
                    "too_large"
                ),
                (#"{"customerId":"c","delta":1,"reason":"r","metadata":{"n":1e999}}"#, "metadata.n", "number"),
                // I-JSON: a number a double cannot hold exactly is refused, naming where it is.
                (#"{"customerId":"c","delta":1,"reason":"r","metadata":{"invoice":12345678901234567891}}"#, "metadata.invoice", "number"),
                (#"{"customerId":"c","delta":1,"reason":"r","metadata":{"a":[1,{"b":1.00000000000000000001}]}}"#, "metadata.a[1].b", "number"),
                (#"{"customerId":"c","delta":1,"reason":"r","adjusts":"inv-1"}"#, "adjusts", "type"),
                (#"{"customerId":"c","delta":1,"reason":"r","adjusts":{"ref":"x"}}"#, "adjusts", "format"),
                (#"{"customerId":"c","delta":1,"reason":"r","status":"VERIFIED"}"#, "status", "unknown"),
            ]
            for (body, field, problem) in cases {
                let reply = try await api.balance(.post, "/delta", key: key, body: body)
                #expect(reply.status == .badRequest, "\(body.prefix(80))")
                #expect(
                    reply.json["error"]?["details"] == [["field": .string(field), "problem": .string(problem)]],
                    "\(body.prefix(80)): \(reply.text.prefix(200))"
                )
            }
            #expect(
                try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c","delta":-1000000000,"reason":"r"}"#).status == .created
            )
            #expect(
                try await api.balance(.post, "/delta", key: key, body: #"{"customerId":"c.d:e_f-9","delta":1e-6,"reason":"r"}"#).status == .created
            )
        }
    }

    @Test func keysAreCheckedAndEnvironmentsKeptApart() async throws {
        try await TestServer().run { api in
            let alice = try await api.account()
            let bob = try await api.account()
            let aliceKey = try await api.apiKey(alice)
            let bobKey = try await api.apiKey(bob)
            let emitted = try await api.balance(.post, "/delta", key: aliceKey, body: #"{"customerId":"c","delta":1,"reason":"r"}"#)
            let path = "/delta/\(emitted.data["recordId"]?.string ?? "")"
            #expect(try await api.balance(.get, path, key: aliceKey).status == .ok)
            #expect(try await api.balance(.get, path, key: bobKey).status == .notFound)
            #expect(try await api.balance(.get, "/delta/rec_unknown", key: aliceKey).status == .notFound)

            let parsed = try #require(APIKey(parsing: aliceKey))
            for bad in [
                "", "garbage", "pk_test_\(parsed.publicID).sk_test_wrongsecret", "pk_live_\(parsed.publicID).sk_live_\(parsed.secret)",
                "pk_test_unknown.sk_test_\(parsed.secret)",
            ] {
                let reply = try await api.balance(.get, path, key: bad)
                #expect(reply.status == .unauthorized, "\(bad.prefix(20))")
                #expect(reply.errorCode == "INVALID_API_KEY")
            }
            var chain = HTTPFields()
            chain[HTTPField.Name("X-Chain-Id")!] = "295"
            #expect(try await api.balance(.get, path, key: aliceKey, headers: chain).status == .badRequest)
            chain[HTTPField.Name("X-Chain-Id")!] = "296"
            #expect(try await api.balance(.get, path, key: aliceKey, headers: chain).status == .ok)

            // Disable, rotate with and without overlap, revoke.
            let keys = try await api.call(.get, "/dashboard/api-keys", token: alice.accessToken)
            guard case .array(let items)? = keys.data["items"], let id = items.first?["id"]?.string else { throw TestFailure("no key") }
            _ = try await api.call(.patch, "/dashboard/api-keys/\(id)", body: #"{"active":false}"#, token: alice.accessToken)
            #expect(try await api.balance(.get, path, key: aliceKey).status == .unauthorized)
            _ = try await api.call(.patch, "/dashboard/api-keys/\(id)", body: #"{"active":true}"#, token: alice.accessToken)
            #expect(try await api.balance(.get, path, key: aliceKey).status == .ok)
            let overlap = try await api.call(.post, "/dashboard/api-keys/\(id)/rotate", body: #"{"overlapSeconds":60}"#, token: alice.accessToken)
            let second = overlap.data["fullKey"]?.string ?? ""
            #expect(try await api.balance(.get, path, key: aliceKey).status == .ok)
            #expect(try await api.balance(.get, path, key: second).status == .ok)
            let hard = try await api.call(.post, "/dashboard/api-keys/\(id)/rotate", token: alice.accessToken)
            let third = hard.data["fullKey"]?.string ?? ""
            #expect(try await api.balance(.get, path, key: second).status == .unauthorized)
            #expect(try await api.balance(.get, path, key: third).status == .ok)
            _ = try await api.call(.delete, "/dashboard/api-keys/\(id)", token: alice.accessToken)
            #expect(try await api.balance(.get, path, key: third).status == .unauthorized)
        }
    }
}
