import Testing

@testable import PacSpaceCore

/// Metadata for a test: canonicalised, or a test failure for a value JCS cannot write.
func canonical(_ value: JSONValue) -> CanonicalJSON {
    guard let canonical = try? CanonicalJSON(value) else { preconditionFailure("not canonicalisable: \(value)") }
    return canonical
}

@Suite struct DeltaContentTests {
    static let example = DeltaContent(
        recordID: "rec_0123456789abcdefghijklmn",
        customerID: "cust-42",
        sequenceNumber: 7,
        delta: Amount(micros: -12_500_000),
        reason: "GPU hours",
        referenceID: "inv-9",
        metadata: canonical(["region": "eu", "units": 3]),
        adjusts: "inv-8",
        createdAt: 1_748_779_205_000
    )

    /// Known answer computed independently (Python: json.dumps(sort_keys, compact) + hashlib).
    @Test func contentHashKnownAnswer() throws {
        #expect(Self.example.contentHash().prefixedHex == "0x429e425f82e6b8a4f56019fffd682fec06ca1a54cd8dc6c1c46bc146cb70cd7e")
        let leaf = LogEntry.delta(receiptID: "rcpt_x", contentHash: Self.example.contentHash()).leafData
        #expect(
            String(decoding: leaf, as: UTF8.self)
                == #"{"contentHash":"0x429e425f82e6b8a4f56019fffd682fec06ca1a54cd8dc6c1c46bc146cb70cd7e","receiptId":"rcpt_x","type":"delta","v":1}"#
        )
    }

    /// The writer's shortcut (canonical JSON written once, sequence number appended) gives
    /// the same hash as the full canonicalisation, for the known answer and for contents
    /// with and without optional fields, over sequence numbers of every width.
    @Test func sequencedContentMatchesTheFullHash() throws {
        #expect(
            Self.example.sequenced().contentHash(sequenceNumber: 7).prefixedHex
                == "0x429e425f82e6b8a4f56019fffd682fec06ca1a54cd8dc6c1c46bc146cb70cd7e"
        )
        let e = Self.example
        let bare = DeltaContent(
            recordID: e.recordID,
            customerID: e.customerID,
            sequenceNumber: 99,
            delta: e.delta,
            reason: "r",
            referenceID: nil,
            metadata: nil,
            adjusts: nil,
            createdAt: e.createdAt
        )
        for content in [Self.example, bare] {
            let sequenced = content.sequenced()
            for sequence: Int64 in [1, 9, 10, 12_345, 1 << 40, .max] {
                let full = DeltaContent(
                    recordID: content.recordID,
                    customerID: content.customerID,
                    sequenceNumber: sequence,
                    delta: content.delta,
                    reason: content.reason,
                    referenceID: content.referenceID,
                    metadata: content.metadata,
                    adjusts: content.adjusts,
                    createdAt: content.createdAt
                )
                #expect(sequenced.contentHash(sequenceNumber: sequence) == full.contentHash())
            }
        }
    }

    /// The content is written member by member (no canonicalisation but the metadata's,
    /// once): for contents with every mix of optional fields, escapes, non-ASCII text and
    /// metadata, its bytes are JCS of ``DeltaContent/json``.
    @Test func directCanonicalFormIsJCS() throws {
        var random = SystemRandomNumberGenerator()
        let texts = ["", "a", "é", "😀 x", "quote \" and \\ back", "tab\tnew\nline", "\u{7f}\u{1f}", "rec_0123", "{\"k\":1}"]
        let metadatas: [JSONValue?] = [nil, [:], ["b": 1, "a": [true, .null, "x"], "é": ["z": .number("1.5")]], ["n": .number("1e30"), "s": "😀"]]
        for _ in 0..<500 {
            let content = DeltaContent(
                recordID: texts.randomElement(using: &random) ?? "",
                customerID: texts.randomElement(using: &random) ?? "",
                sequenceNumber: Int64.random(in: 1...Int64.max, using: &random),
                delta: Amount(micros: Int64.random(in: -1_000_000_000_000_000...1_000_000_000_000_000, using: &random)),
                reason: texts.randomElement(using: &random) ?? "",
                referenceID: Bool.random(using: &random) ? texts.randomElement(using: &random) : nil,
                metadata: (metadatas.randomElement(using: &random) ?? nil).map(canonical),
                adjusts: Bool.random(using: &random) ? texts.randomElement(using: &random) : nil,
                createdAt: Int64.random(in: 0...253_402_300_799_999, using: &random)
            )
            let expected = Hash.sha256(DeltaContent.domain + (try JSONWriter.canonical(content.json)))
            #expect(content.contentHash() == expected, "\(content)")
        }
    }

    @Test func everyFieldChangesTheHash() throws {
        let base = Self.example.contentHash()
        let e = Self.example
        let variants = [
            DeltaContent(
                recordID: "rec_other",
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: "cust-43",
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: 8,
                delta: e.delta,
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: Amount(micros: -12_500_001),
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: "GPU hour",
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: e.reason,
                referenceID: nil,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: canonical(["region": "us", "units": 3]),
                adjusts: e.adjusts,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: nil,
                createdAt: e.createdAt
            ),
            DeltaContent(
                recordID: e.recordID,
                customerID: e.customerID,
                sequenceNumber: e.sequenceNumber,
                delta: e.delta,
                reason: e.reason,
                referenceID: e.referenceID,
                metadata: e.metadata,
                adjusts: e.adjusts,
                createdAt: e.createdAt + 1
            ),
        ]
        for variant in variants { #expect(variant.contentHash() != base) }
        // Number spelling in metadata does not matter: JCS writes 3.0 and 3 the same.
        let respelled = DeltaContent(
            recordID: e.recordID,
            customerID: e.customerID,
            sequenceNumber: e.sequenceNumber,
            delta: e.delta,
            reason: e.reason,
            referenceID: e.referenceID,
            metadata: canonical(["units": .number("3.0"), "region": "eu"]),
            adjusts: e.adjusts,
            createdAt: e.createdAt
        )
        #expect(respelled.contentHash() == base)
    }
}

@Suite struct PeriodRootTests {
    static let origin = "pacspace.test/tnt_a/testnet"
    static let scope: JSONValue = ["customerId": "c", "startDate": "2026-11-01T00:00:00.000Z", "endDate": "2026-12-01T00:00:00.000Z"]

    /// Known answers computed independently (Python, RFC 9162 MTH by its recursive definition).
    @Test func periodRootAndCheckpointLeaf() throws {
        let hashes = (0..<5).map { Hash.sha256(Array("delta \($0)".utf8)) }
        let root = try PeriodRoot.root(.v1, of: hashes, origin: Self.origin, scope: Self.scope)
        #expect(root.prefixedHex == "0xeb497accae1165708d3663ccce46987c666707b2c71fc2a8f509a15b8961ce8a")
        #expect(try PeriodRoot.root(.v1, of: [], origin: Self.origin, scope: Self.scope) == Merkle.emptyRoot)
        let leaf = try LogEntry.checkpointLeaf(
            .v1,
            checkpointID: "chk_x",
            proofRoot: root,
            scope: Self.scope,
            deltaCount: 5,
            netChange: Amount(micros: 12_500_000)
        )
        #expect(
            String(decoding: leaf, as: UTF8.self)
                == #"{"checkpointId":"chk_x","deltaCount":5,"netChange":"12.5","#
                + #""proofRoot":"0xeb497accae1165708d3663ccce46987c666707b2c71fc2a8f509a15b8961ce8a","#
                + #""scope":{"customerId":"c","endDate":"2026-12-01T00:00:00.000Z","startDate":"2026-11-01T00:00:00.000Z"},"#
                + #""type":"checkpoint","v":1}"#
        )
        #expect(try LogEntry.periodRootVersion(ofCheckpointLeaf: String(decoding: leaf, as: UTF8.self)) == .v1)
    }

    /// v2: the first leaf is `{"origin","scope","type":"period","v":2}` (same Python).
    @Test func versionTwoBindsOriginAndScope() throws {
        let hashes = (0..<5).map { Hash.sha256(Array("delta \($0)".utf8)) }
        #expect(
            String(decoding: try PeriodRoot.context(origin: Self.origin, scope: Self.scope), as: UTF8.self)
                == #"{"origin":"pacspace.test/tnt_a/testnet","#
                + #""scope":{"customerId":"c","endDate":"2026-12-01T00:00:00.000Z","startDate":"2026-11-01T00:00:00.000Z"},"#
                + #""type":"period","v":2}"#
        )
        let root = try PeriodRoot.root(.v2, of: hashes, origin: Self.origin, scope: Self.scope)
        #expect(root.prefixedHex == "0xdacbe741088700ed8e761f7ecb4918648b9b12069cffdc370f249a2d83154af4")
        let empty = try PeriodRoot.root(.v2, of: [], origin: Self.origin, scope: ["customerId": "c"])
        #expect(empty.prefixedHex == "0xd75ccf3a2b0be2bf7bbb31e03719a4f2a88362f35b493f64133114baf011738d")
        // No two environments, customers or windows share an empty period's root any more.
        let others = [
            try PeriodRoot.root(.v2, of: [], origin: "pacspace.test/tnt_b/testnet", scope: ["customerId": "c"]),
            try PeriodRoot.root(.v2, of: [], origin: Self.origin, scope: ["customerId": "d"]),
            try PeriodRoot.root(.v2, of: [], origin: Self.origin, scope: Self.scope),
        ]
        #expect(Set(others + [empty]).count == 4)
        let leaf = try LogEntry.checkpointLeaf(.v2, checkpointID: "chk_x", proofRoot: root, scope: Self.scope, deltaCount: 5, netChange: .zero)
        #expect(try LogEntry.periodRootVersion(ofCheckpointLeaf: String(decoding: leaf, as: UTF8.self)) == .v2)
    }
}
