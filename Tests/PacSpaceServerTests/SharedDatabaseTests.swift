import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// Several servers on one PostgreSQL database (docs/operations.md): each sequencer verifies
/// every environment, so two take on the same batch all the time. One of them writes it;
/// the other gives it up quietly — no failed batch, no halted environment, no backoff.
@Suite struct SharedDatabaseTests {
    @Test(arguments: Backend.all.filter { if case .postgres = $0 { true } else { false } })
    func twoSequencersShareALogWithoutHalting(backend: Backend) async throws {
        var first = TestServer(backend)
        try await first.isolateDatabase()  // only these two servers on it
        var second = TestServer(backend)
        second.configuration.databaseURL = first.configuration.databaseURL
        let other = second
        try await first.run { api in
            try await other.run { _ in
                let account = try await api.account()
                let key = try await api.apiKey(account)
                var last = ""
                for round in 0..<20 {
                    let items = (0..<100).map { _ in #"{"customerId":"shared-\#(round % 3)","delta":1,"reason":"r"}"# }.joined(separator: ",")
                    let batch = try await api.balance(.post, "/delta/batch", key: key, body: #"{"deltas":[\#(items)]}"#)
                    guard case .array(let results)? = batch.data["results"], let recordID = results.last?["recordId"]?.string else {
                        throw TestFailure("no batch: \(batch.text)")
                    }
                    last = recordID
                    try await Task.sleep(for: .milliseconds(15))  // batches across many sequencer rounds
                }
                #expect(try await api.waitForDelta(last, key: key, within: .seconds(20)).data["status"] == "VERIFIED")
                let totals = try await api.balance(.get, "/customers/shared-0", key: key)
                #expect(totals.data["verifiedDeltas"] == 700, "\(totals.text)")
            }
        }
        for server in [first, second] {
            let halts = server.logs.all.filter { $0.contains("environment halted") }
            #expect(halts.isEmpty, "\(halts.prefix(3))")
        }
    }

    /// Two servers appending to the same records at once: every append lands and each
    /// record's entries are numbered once. (The lock order of a group — environments'
    /// rows before records' — is there against a deadlock between two servers' groups that
    /// name the same records in opposite orders; this test did not produce that deadlock
    /// without it in three runs, so it guards the numbering, not the order.)
    @Test(arguments: Backend.all.filter { if case .postgres = $0 { true } else { false } })
    func twoServersAppendToTheSameRecords(backend: Backend) async throws {
        var first = TestServer(backend)
        try await first.isolateDatabase()
        var second = TestServer(backend)
        second.configuration.databaseURL = first.configuration.databaseURL
        let other = second
        try await first.run { api in
            try await other.run { otherAPI in
                let key = try await api.apiKey(try await api.account())
                let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                    for index in 0..<80 {
                        let via = index % 2 == 0 ? api : otherAPI
                        group.addTask {
                            try await via.record(
                                .post,
                                "machine-action-record/together-\(index % 4)/transitions",
                                key: key,
                                body: RecordsTests.entry(title: "n\(index)")
                            )
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(replies.allSatisfy { $0.status == .created }, "\(replies.first { $0.status != .created }?.text ?? "")")
                for record in 0..<4 {
                    let seqs = replies.filter { $0.data["entityId"]?.string == "together-\(record)" }
                        .compactMap { reply -> Int? in if case .number(let text)? = reply.data["seq"] { Int(text) } else { nil } }
                    #expect(seqs.sorted() == Array(0..<20))
                }
            }
        }
    }
}
