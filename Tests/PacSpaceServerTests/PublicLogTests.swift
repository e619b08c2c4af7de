import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Testing

/// The public log (`/api/v1/log/…`) and public verification (`/api/v1/verify/…`).
@Suite struct PublicLogTests {
    /// An account with a key and `count` VERIFIED deltas; returns the key, contract id, verifier key and emit answers.
    static func verifiedDeltas(_ api: API, count: Int) async throws -> (String, String, String, [JSONValue]) {
        let account = try await api.account()
        let key = try await api.apiKey(account)
        var emitted: [JSONValue] = []
        for index in 0..<count {
            let reply = try await api.balance(
                .post,
                "/delta",
                key: key,
                body: """
                    {"customerId":"secret-customer","delta":\(index + 1),"reason":"private reason \(index)","metadata":{"note":"private-metadata"}}
                    """
            )
            emitted.append(reply.data)
            _ = try await api.waitForDelta(reply.data["recordId"]?.string ?? "", key: key)
        }
        let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
        guard case .array(let items) = contracts.data, let contract = items.first else { throw TestFailure("no contract") }
        return (key, contract["id"]?.string ?? "", contract["publicKey"]?.string ?? "", emitted)
    }

    @Test(arguments: Backend.all)
    func logServesCheckpointsAndProofs(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let (_, contract, publicKey, emitted) = try await Self.verifiedDeltas(api, count: 5)
            let verifier = try NoteVerifier(verifierKey: publicKey)
            let note = try await api.call(.get, "/api/v1/log/\(contract)/checkpoint")
            #expect(note.headers[.contentType]?.hasPrefix("text/plain") == true)
            let checkpoint = try Checkpoint.open(note.text, verifier: verifier)
            #expect(checkpoint.size == 5)

            for (index, delta) in emitted.enumerated() {
                let reply = try await api.call(.get, "/api/v1/log/\(contract)/proof/inclusion?index=\(index)&treeSize=5")
                #expect(reply.status == .ok)
                guard case .array(let items)? = reply.data["proof"] else { throw TestFailure("no proof") }
                let proof = items.compactMap { $0.string.flatMap(Hash.init(prefixedHex:)) }
                let leaf = LeafCommitment.leaf(
                    committingTo: LogEntry.delta(
                        receiptID: delta["receiptId"]?.string ?? "",
                        contentHash: try #require(Hash(prefixedHex: delta["contentHash"]?.string ?? ""))
                    ).leafData
                )
                #expect(Merkle.verifyInclusion(leaf: Merkle.leafHash(leaf), index: UInt64(index), size: 5, proof: proof, root: checkpoint.root))

                let receipt = try await api.call(.get, "/api/v1/log/\(contract)/receipt/\(delta["receiptId"]?.string ?? "")")
                #expect(try TlogProof(parsing: receipt.text).verify(leafData: leaf, verifier: verifier).size == 5)
            }
            for from in 1...5 {
                let reply = try await api.call(.get, "/api/v1/log/\(contract)/proof/consistency?from=\(from)&to=5")
                guard case .array(let items)? = reply.data["proof"], let fromRoot = reply.data["fromRoot"]?.string.flatMap(Hash.init(prefixedHex:))
                else {
                    throw TestFailure("no proof")
                }
                let proof = items.compactMap { $0.string.flatMap(Hash.init(prefixedHex:)) }
                #expect(Merkle.verifyConsistency(oldSize: UInt64(from), newSize: 5, oldRoot: fromRoot, newRoot: checkpoint.root, proof: proof))
            }
            for bad in [
                "proof/inclusion?index=5&treeSize=5", "proof/inclusion?treeSize=5", "proof/inclusion?index=0&treeSize=6",
                "proof/inclusion?index=-1", "proof/consistency?from=0&to=5", "proof/consistency?from=3&to=2", "proof/consistency?from=1",
            ] {
                #expect(try await api.call(.get, "/api/v1/log/\(contract)/\(bad)").status == .badRequest, "\(bad)")
            }
            #expect(try await api.call(.get, "/api/v1/log/ctr_unknown/checkpoint").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/log/\(contract)/receipt/rcpt_unknown").status == .notFound)
        }
    }

    /// The log as C2SP tlog-tiles (`/api/v1/log/<contractId>/tile/…`): the partial tile of the
    /// signed tree's size hashes to its root, and its entry bundle holds the leaves; tiles past
    /// it and malformed paths are 404; a tile is immutable, with an ETag a client revalidates with.
    @Test(arguments: Backend.all)
    func theLogIsReadableAsTiles(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let (_, contract, publicKey, _) = try await Self.verifiedDeltas(api, count: 5)
            let note = try await api.call(.get, "/api/v1/log/\(contract)/checkpoint")
            #expect(note.headers[.cacheControl] == "public, max-age=2")
            let checkpoint = try Checkpoint.open(note.text, verifier: try NoteVerifier(verifierKey: publicKey))
            let size = Int(checkpoint.size)
            let prefix = "/api/v1/log/\(contract)/tile/"
            let tile = try await api.call(.get, prefix + "0/000.p/\(size)")
            #expect(tile.status == .ok && tile.headers[.contentType] == "application/octet-stream")
            #expect(tile.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(tile.bytes.count == 32 * size)
            let leaves = (0..<size).compactMap { Hash(bytes: Array(tile.bytes[$0 * 32..<($0 + 1) * 32])) }
            #expect(Self.treeHash(leaves) == checkpoint.root, "the tile's leaf hashes make the signed root")
            guard let etag = tile.headers[.eTag] else { throw TestFailure("no ETag") }
            #expect(try await api.call(.get, prefix + "0/000.p/\(size)", headers: [.ifNoneMatch: etag]).status == .notModified)
            #expect(try await api.call(.get, prefix + "0/000.p/\(size - 1)").bytes == Array(tile.bytes.prefix(32 * (size - 1))))
            for missing in [
                "0/000", "0/000.p/\(size + 1)", "1/000.p/1", "0/001.p/1", "entries/000.p/\(size + 1)", "entries/000", "0/0", "0/000.p/0",
                "0/x000/000.p/1", "a/b", "entries/1/000.p/1",
            ] {
                let reply = try await api.call(.get, prefix + missing)
                #expect(reply.status == .notFound && reply.errorCode == "NOT_FOUND", "\(missing): \(reply.status)")
            }
            #expect(try await api.call(.get, "/api/v1/log/ctr_unknown/tile/0/000.p/1").status == .notFound)

            // The entry bundle beside the tile: its leaves, each hashing to the tile's hash at
            // its place; gzipped unless the client leaves gzip out of Accept-Encoding.
            let plain = try await api.call(.get, prefix + "entries/000.p/\(size)", headers: [.acceptEncoding: "identity"])
            #expect(plain.status == .ok && plain.headers[.contentType] == "application/octet-stream" && plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.cacheControl] == "public, max-age=31536000, immutable" && plain.headers[.vary] == "Accept-Encoding")
            let entries = try #require(EntryBundle.decode(plain.bytes))
            #expect(entries.map(Merkle.leafHash) == leaves && entries.allSatisfy(LeafCommitment.isCommitment))
            let gzipped = try await api.call(.get, prefix + "entries/000.p/\(size)", headers: [.acceptEncoding: "gzip, identity"])
            #expect(gzipped.status == .ok && gzipped.headers[.contentEncoding] == "gzip")
            #expect(Array(gzipped.bytes.prefix(3)) == [0x1f, 0x8b, 8] && gzipped.bytes.count < plain.bytes.count, "a gzip stream, smaller")
            #expect(try await api.call(.get, prefix + "entries/000.p/\(size)").headers[.contentEncoding] == "gzip", "gzip without negotiation")
            let bundleTag = try #require(plain.headers[.eTag])
            #expect(bundleTag.hasPrefix("W/\"") && gzipped.headers[.eTag] == bundleTag)
            for tag in [bundleTag, String(bundleTag.dropFirst(2)), "\"other\", " + bundleTag] {
                #expect(try await api.call(.get, prefix + "entries/000.p/\(size)", headers: [.ifNoneMatch: tag]).status == .notModified, "\(tag)")
            }
        }
    }

    /// RFC 9162 §2.1.1's Merkle Tree Hash over leaf hashes, written out here (not the server's code).
    static func treeHash(_ leaves: [Hash]) -> Hash {
        guard leaves.count > 1 else { return leaves.first ?? Merkle.emptyRoot }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        return Hash.sha256([1] + treeHash(Array(leaves[..<split])).bytes + treeHash(Array(leaves[split...])).bytes)
    }

    @Test func verifyAnswersPubliclyWithoutPrivateFields() async throws {
        try await TestServer().run { api in
            let (_, _, publicKey, emitted) = try await Self.verifiedDeltas(api, count: 2)
            let receiptID = emitted[1]["receiptId"]?.string ?? ""
            for id in [receiptID, emitted[1]["contentHash"]?.string ?? ""] {
                for source in ["db", "chain", "both"] {
                    let reply = try await api.call(.get, "/api/v1/verify/\(id)?source=\(source)")
                    #expect(reply.status == .ok)
                    #expect(reply.data["verified"] == true, "\(source)")
                    #expect(reply.data["kind"] == "delta")
                    #expect(reply.data["receiptId"]?.string == receiptID)
                    #expect(reply.data["summary"]?["netChange"] == 2)
                    #expect(reply.data["verification"]?["publicKey"]?.string == publicKey)
                    for secret in ["secret-customer", "private reason", "private-metadata"] {
                        #expect(!reply.text.contains(secret), "\(secret) leaked")
                    }
                    if source == "both" { #expect(reply.data["agree"] == true) }
                }
            }
            #expect(try await api.call(.get, "/api/v1/verify/rcpt_unknown").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/verify/0x\(String(repeating: "ab", count: 32))").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/verify/not-an-id").status == .badRequest)
            for bad in ["source=ledger", "source=", "source=db&source=chain"] {
                #expect(try await api.call(.get, "/api/v1/verify/\(receiptID)?\(bad)").status == .badRequest, "\(bad)")
            }
        }
    }
}

@Suite struct EmptyLogTests {
    /// A provisioned log with no entries: the size-0 checkpoint, and clear errors for proofs.
    @Test func emptyLogAnswersPrecisely() async throws {
        try await TestServer().run { api in
            let account = try await api.account()
            _ = try await api.apiKey(account)
            let contracts = try await api.call(.get, "/dashboard/contracts", token: account.accessToken)
            guard case .array(let items) = contracts.data, let contract = items.first?["id"]?.string else { throw TestFailure("no contract") }
            let note = try await api.call(.get, "/api/v1/log/\(contract)/checkpoint")
            #expect(note.status == .ok)
            #expect(note.text.split(separator: "\n").dropFirst().first == "0")
            #expect(try await api.call(.get, "/api/v1/log/\(contract)/proof/inclusion?index=0").status == .notFound)
            #expect(try await api.call(.get, "/api/v1/log/\(contract)/proof/consistency?from=1&to=1").status == .badRequest)
        }
    }
}
