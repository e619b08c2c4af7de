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
}
