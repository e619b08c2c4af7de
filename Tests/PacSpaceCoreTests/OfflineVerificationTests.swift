import Crypto
import Testing

@testable import PacSpaceCore

/// `pacspace verify-receipt`'s logic: a genuine receipt passes; every single-byte change
/// of the proof text and every field change of the delta is rejected.
@Suite struct OfflineVerificationTests {
    struct Fixture {
        let delta: JSONValue
        let receipt: String
        let verifierKey: String
    }

    /// A delta logged as a commitment to its leaf (`committed`, as the server writes it now) or
    /// in clear (as it wrote leaves before commitments).
    static func fixture(committed: Bool = true) async throws -> Fixture {
        let signer = try NoteSigner(name: "pacspace.test/tnt_offline/testnet", privateKey: .init())
        let content = DeltaContent(
            recordID: "rec_offline0000000000000001",
            customerID: "cust-7",
            sequenceNumber: 3,
            delta: Amount(micros: 42_500_000),
            reason: "GPU hours",
            referenceID: "inv-3",
            metadata: canonical(["region": "eu", "units": 3]),
            adjusts: "inv-2",
            createdAt: 1_795_000_000_123
        )
        let receiptID = "rcpt_offline00000000000001"
        let contentHash = content.contentHash()
        var leaves = (0..<9).map { [UInt8(truncatingIfNeeded: $0)] }
        let opening = LogEntry.delta(receiptID: receiptID, contentHash: contentHash).leafData
        leaves[5] = committed ? LeafCommitment.leaf(committingTo: opening) : opening
        let log = MemoryLog(leaves: leaves)
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 9, root: log.frontier.root).body)
        let proof = TlogProof(index: 5, hashes: try await Merkle.inclusionProof(index: 5, size: 9, read: log.reader), checkpoint: note)
        guard case .object(var members) = content.json else { throw OfflineVerification.Failure("no content") }
        members.insert(("receiptId", .string(receiptID)), at: 1)
        members.insert(("status", "VERIFIED"), at: 2)
        members.append(("contentHash", .string(contentHash.prefixedHex)))
        members = members.map { $0.0 == "delta" ? ("delta", .number("42.5")) : $0 }
        return Fixture(delta: .object(members), receipt: proof.text, verifierKey: signer.verifierKey)
    }

    /// Receipts of both forms verify: every receipt issued before commitments still does.
    @Test(arguments: [true, false])
    func genuineReceiptVerifies(committed: Bool) async throws {
        let fixture = try await Self.fixture(committed: committed)
        let report = try OfflineVerification.verify(delta: fixture.delta, receipt: fixture.receipt, verifierKey: fixture.verifierKey)
        #expect(report.logIndex == 5)
        #expect(report.checkpoint.size == 9)
        // The whole envelope works too.
        let envelope: JSONValue = ["success": true, "statusCode": 200, "data": fixture.delta]
        #expect(try OfflineVerification.verify(delta: envelope, receipt: fixture.receipt, verifierKey: fixture.verifierKey).logIndex == 5)
    }

    @Test func everyByteOfTheReceiptMatters() async throws {
        let fixture = try await Self.fixture()
        let bytes = Array(fixture.receipt.utf8)
        var checked = 0
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x20] {
                var tampered = bytes
                tampered[index] ^= flip
                guard let text = String(validating: tampered, as: UTF8.self) else { continue }
                checked += 1
                #expect(throws: OfflineVerification.Failure.self, "byte \(index) ^ \(flip)") {
                    try OfflineVerification.verify(delta: fixture.delta, receipt: text, verifierKey: fixture.verifierKey)
                }
            }
        }
        #expect(checked > bytes.count)
    }

    @Test(arguments: [true, false])
    func everyFieldOfTheDeltaMatters(keepStatedHash: Bool) async throws {
        let fixture = try await Self.fixture()
        guard case .object(let members) = fixture.delta else { return }
        let changes: [String: JSONValue] = [
            "recordId": "rec_offline0000000000000002", "receiptId": "rcpt_offline00000000000002", "customerId": "cust-8",
            "sequenceNumber": 4, "delta": .number("42.500001"), "reason": "GPU hour", "referenceId": "inv-4",
            "metadata": ["region": "us", "units": 3], "adjusts": ["referenceId": "inv-1"], "createdAt": "2026-11-18T08:26:40.124Z",
            "contentHash": .string("0x" + String(repeating: "00", count: 32)),
        ]
        for (field, value) in changes {
            if field == "contentHash" && !keepStatedHash { continue }
            var changed = members.filter { keepStatedHash || $0.0 != "contentHash" }
            changed = changed.map { $0.0 == field ? (field, value) : $0 }
            #expect(throws: OfflineVerification.Failure.self, "\(field)") {
                try OfflineVerification.verify(delta: .object(changed), receipt: fixture.receipt, verifierKey: fixture.verifierKey)
            }
        }
        for absent in ["referenceId", "metadata", "adjusts"] {
            let without = members.filter { $0.0 != absent && (keepStatedHash || $0.0 != "contentHash") }
            #expect(throws: OfflineVerification.Failure.self, "without \(absent)") {
                try OfflineVerification.verify(delta: .object(without), receipt: fixture.receipt, verifierKey: fixture.verifierKey)
            }
        }
        let otherKey = try NoteSigner(name: "pacspace.test/tnt_offline/testnet", privateKey: .init()).verifierKey
        #expect(throws: OfflineVerification.Failure.self) {
            try OfflineVerification.verify(delta: fixture.delta, receipt: fixture.receipt, verifierKey: otherKey)
        }
    }

    @Test func timestampsHaveOneSpelling() {
        #expect(Timestamp.parse("2025-06-01T12:00:05.000Z") == 1_748_779_205_000)
        #expect(Timestamp.parse("2000-02-29T00:00:00.123Z") == 951_782_400_123)
        for bad in ["2025-06-01T12:00:05Z", "2025-06-01T12:00:05.000+00:00", "2025-02-30T00:00:00.000Z", "2025-13-01T00:00:00.000Z", ""] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct PeriodVerificationTests {
    struct Fixture {
        let checkpoint: JSONValue
        let deltas: [JSONValue]
        let receipt: String
        let key: String
    }

    static func fixture(_ version: PeriodRoot.Version = .v2) async throws -> Fixture {
        let signer = try NoteSigner(name: "pacspace.test/tnt_period/testnet", privateKey: .init())
        var deltas: [JSONValue] = []
        var hashes: [Hash] = []
        for index in 0..<3 {
            let content = DeltaContent(
                recordID: "rec_period000000000000000\(index)",
                customerID: "c",
                sequenceNumber: Int64(index + 1),
                delta: Amount(micros: Int64(index + 1) * 1_000_000),
                reason: "r",
                referenceID: nil,
                metadata: nil,
                adjusts: nil,
                createdAt: 1_795_000_000_000 + Int64(index)
            )
            hashes.append(content.contentHash())
            guard case .object(var members) = content.json else { continue }
            members = members.map { $0.0 == "delta" ? ("delta", content.delta.json) : $0 }
            deltas.append(.object(members))
        }
        let scope: JSONValue = ["customerId": "c", "startDate": "2026-11-01T00:00:00.000Z", "endDate": "2026-12-01T00:00:00.000Z"]
        let root = try PeriodRoot.root(version, of: hashes, origin: signer.name, scope: scope)
        let leaf = try LogEntry.checkpointLeaf(
            version,
            checkpointID: "chk_p",
            proofRoot: root,
            scope: scope,
            deltaCount: 3,
            netChange: Amount(micros: 6_000_000)
        )
        // A v1 checkpoint was logged in clear; a v2 one is logged as the server writes it now.
        let log = MemoryLog(leaves: [[1], [2], [3], version == .v1 ? leaf : LeafCommitment.leaf(committingTo: leaf)])
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 4, root: log.frontier.root).body)
        let receipt = TlogProof(index: 3, hashes: try await Merkle.inclusionProof(index: 3, size: 4, read: log.reader), checkpoint: note).text
        let checkpoint: JSONValue = [
            "checkpointId": "chk_p", "proofRoot": .string(root.prefixedHex), "scope": scope, "deltaCount": 3, "netChange": 6,
        ]
        return Fixture(checkpoint: checkpoint, deltas: deltas, receipt: receipt, key: signer.verifierKey)
    }

    /// Both root versions verify: checkpoints sealed before v2 stay checkable.
    @Test(arguments: PeriodRoot.Version.allCases)
    func periodVerifiesAndEveryChangeIsRejected(version: PeriodRoot.Version) async throws {
        let f = try await Self.fixture(version)
        let report = try OfflineVerification.verifyPeriod(checkpoint: f.checkpoint, deltas: f.deltas, receipt: f.receipt, verifierKey: f.key)
        #expect(report.deltaCount == 3)
        #expect(report.logIndex == 3)
        var changed = f.deltas
        changed[1] = .object(
            {
                guard case .object(let m) = f.deltas[1] else { return [] }
                return m.map { $0.0 == "delta" ? ("delta", .number("2.5")) : $0 }
            }()
        )
        let variants: [[JSONValue]] = [Array(f.deltas.dropLast()), f.deltas + [f.deltas[0]], [f.deltas[1], f.deltas[0], f.deltas[2]], changed]
        for deltas in variants {
            #expect(throws: OfflineVerification.Failure.self) {
                try OfflineVerification.verifyPeriod(checkpoint: f.checkpoint, deltas: deltas, receipt: f.receipt, verifierKey: f.key)
            }
        }
        guard case .object(let members) = f.checkpoint else { return }
        for (field, value) in [("checkpointId", JSONValue.string("chk_q")), ("scope", ["customerId": "d"]), ("netChange", 7), ("deltaCount", 2)] {
            let tampered = JSONValue.object(members.map { $0.0 == field ? (field, value) : $0 })
            #expect(throws: OfflineVerification.Failure.self, "\(field)") {
                try OfflineVerification.verifyPeriod(checkpoint: tampered, deltas: f.deltas, receipt: f.receipt, verifierKey: f.key)
            }
        }
    }
}
