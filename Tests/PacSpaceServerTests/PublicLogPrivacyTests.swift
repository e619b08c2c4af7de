import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import PacSpaceStore
import SQLKit
import Testing

/// What the public log gives away (docs/verification.md, "What a public leaf shows"): a
/// busy log read byte by byte — its checkpoint, every tile at every level and every entry
/// bundle — shows no customer, amount, reason, metadata or record name, and none of the ids
/// or hashes that open a delta at `GET /api/v1/verify/:id`.
@Suite struct PublicLogPrivacyTests {
    @Test(arguments: Backend.all)
    func everyPublicByteOfABusyLogIsFreeOfTenantData(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            var secrets: [String] = []
            var emitted: [JSONValue] = []
            // 300 deltas of three customers: the log passes a full tile.
            for batch in 0..<3 {
                var items: [String] = []
                for item in 0..<100 {
                    let n = batch * 100 + item
                    let (customer, reason, note, amount) = ("cust-priv-\(n % 3)", "reason-priv-\(n)", "meta-priv-\(n)", "7.\(String(100_000 + n))")
                    items.append(#"{"customerId":"\#(customer)","delta":\#(amount),"reason":"\#(reason)","metadata":{"note":"\#(note)"}}"#)
                    secrets += [customer, reason, note, amount]
                }
                let reply = try await api.balance(.post, "/delta/batch", key: key, body: #"{"deltas":[\#(items.joined(separator: ","))]}"#)
                #expect(reply.data["totalQueued"] == 100, "\(reply.text)")
                emitted += reply.data["results"]?.arrayValue ?? []
            }
            for delta in emitted {
                secrets += ["recordId", "receiptId", "contentHash"].compactMap { delta[$0]?.string }
            }
            _ = try await api.waitForDelta(emitted.last?["recordId"]?.string ?? "", key: key)
            // A sealed period of each customer, and a record's entries.
            for customer in 0..<3 {
                var sealed = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"cust-priv-\#(customer)"}"#)
                var pause = PollingPause()
                for _ in 0..<200 where sealed.data["status"] != "VERIFIED" {
                    try await pause.wait()
                    sealed = try await api.balance(.post, "/checkpoint", key: key, body: #"{"customerId":"cust-priv-\#(customer)"}"#)
                }
                #expect(sealed.data["status"] == "VERIFIED", "\(sealed.text)")
                secrets += ["checkpointId", "proofRoot"].compactMap { sealed.data[$0]?.string }
                secrets += [sealed.data["netChange"]?.numberText ?? sealed.data["netChange"]?.string ?? ""].filter { !$0.isEmpty }
            }
            for seq in 0..<2 {
                let body = RecordsTests.entry(title: "title-priv-\(seq)")
                let written = try await api.record(.post, "machine-action-record/record-priv-name/transitions", key: key, body: body)
                #expect(written.status == .created, "\(written.text)")
                secrets +=
                    ["title-priv-\(seq)", "record-priv-name"]
                    + [written.data["receiptId"]?.string, written.data["recordHash"]?.string].compactMap { $0 }
                _ = try await api.waitForRecordEntry("record-priv-name", seq: seq, key: key)
            }

            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            guard case .array(let items) = contracts.data, let contract = items.first?["id"]?.string else { throw TestFailure("no contract") }
            let prefix = "/api/v1/log/\(contract)/"
            let note = try await api.call(.get, prefix + "checkpoint")
            let size = UInt64(note.text.split(separator: "\n").dropFirst().first ?? "") ?? 0
            #expect(size == 305, "300 deltas, 3 checkpoints, 2 record entries")
            var public_: [(String, [UInt8])] = [("checkpoint", Array(note.text.utf8))]
            var leaves: [[UInt8]] = []
            var leafHashes: [UInt8] = []
            for level in 0..<3 {
                let span = UInt64(1) << UInt64(8 * level)
                let count = size / span
                guard count > 0 else { break }
                for index in 0..<((count + 255) / 256) {
                    let width = index < count / 256 ? 256 : Int(count % 256)
                    guard let tile = Tile(level: level, index: index, width: width) else { throw TestFailure("tile \(level)/\(index)") }
                    let hashes = try await api.call(.get, prefix + tile.path)
                    #expect(hashes.status == .ok && hashes.bytes.count == 32 * width, "\(tile.path)")
                    public_.append((tile.path, hashes.bytes))
                    guard level == 0 else { continue }
                    leafHashes += hashes.bytes
                    let bundle = try await api.call(.get, prefix + tile.entriesPath, headers: [.acceptEncoding: "identity"])
                    #expect(bundle.status == .ok && bundle.headers[.contentEncoding] == nil, "\(tile.entriesPath): \(bundle.status)")
                    public_.append((tile.entriesPath, bundle.bytes))
                    leaves += EntryBundle.decode(bundle.bytes) ?? []
                }
            }
            #expect(leaves.count == Int(size) && leaves.allSatisfy(LeafCommitment.isCommitment), "every public leaf is a commitment")
            #expect(leaves.flatMap { Merkle.leafHash($0).bytes } == leafHashes, "each entry hashes to its place in the level-0 tiles")

            // Each secret, searched for in every public byte: text by the markers every one of
            // them carries (naming, id prefixes, the amounts' digits), hashes by every 32-byte
            // and 64-hex-digit window of what was read (a search per secret would take a minute).
            let hashes = secrets.compactMap(Hash.init(prefixedHex:))
            let markers = ["cust-priv", "reason-priv", "meta-priv", "title-priv", "record-priv", "rec_", "rcpt_", "chk_", "ent_", "7.100"]
            let texts = secrets.filter { secret in Hash(prefixedHex: secret) == nil && !markers.contains { secret.hasPrefix($0) } }
            #expect(secrets.count > 1_500 && hashes.count == 305 && texts.count == 3, "\(texts)")
            for (path, bytes) in public_ {
                for needle in markers + texts {
                    let shown = Self.contains(bytes, Array(needle.utf8))
                    #expect(!shown, "\(path) shows \(needle)")
                }
                let windows = Set((0..<max(0, bytes.count - 31)).map { Array(bytes[$0..<$0 + 32]) })
                let hexWindows = Set((0..<max(0, bytes.count - 63)).map { String(decoding: bytes[$0..<$0 + 64], as: UTF8.self) })
                for hash in hashes {
                    let held = windows.contains(hash.bytes) || hexWindows.contains(String(hash.prefixedHex.dropFirst(2)))
                    #expect(!held, "\(path) holds \(hash)")
                }
            }
        }
    }

    /// An entry bundle of a log written before commitments is withheld: here one leaf of a
    /// live log is set back to its clear form, as an older server wrote it.
    @Test func aBundleHoldingAClearLeafIsWithheld() async throws {
        let server = TestServer()
        try await server.run { api in
            let (_, contract, _, emitted) = try await PublicLogTests.verifiedDeltas(api, count: 3)
            let path = "/api/v1/log/\(contract)/tile/entries/000.p/3"
            #expect(try await api.call(.get, path).status == .ok)
            let opening = LogEntry.delta(
                receiptID: emitted[1]["receiptId"]?.string ?? "",
                contentHash: try #require(Hash(prefixedHex: emitted[1]["contentHash"]?.string ?? ""))
            ).leafData
            try await server.withDatabase { database in
                try await database.transaction { db in
                    let clear = String(decoding: opening, as: UTF8.self)
                    try await db.raw(
                        "UPDATE log_entries SET leaf_data = \(bind: clear) WHERE environment_id = \(bind: contract) AND entry_index = 1"
                    ).run()
                }
            }
            let withheld = try await api.call(.get, path)
            #expect(withheld.status == .notFound && withheld.errorCode == "NOT_FOUND" && withheld.text.contains("withheld"), "\(withheld.text)")
            #expect(try await api.call(.get, "/api/v1/log/\(contract)/tile/entries/000.p/1").status == .ok, "a bundle before it is public")
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<start + needle.count].elementsEqual(needle) }
    }
}
