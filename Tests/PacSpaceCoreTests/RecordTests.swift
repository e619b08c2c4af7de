import Testing

@testable import PacSpaceCore

/// Record hash v2 and intake's admission (docs/records.md).
@Suite struct RecordTests {
    static let content = #"""
        {"title":"Deploy v2 ☃","occurredAt":"2026-11-30T10:00:00Z","actorId":"agent-7",
         "payloads":[{"alg":"sha-256","digest":"abababababababababababababababababababababababababababababababab","byteLength":"1024"},
                     {"alg":"hmac-sha-256","digest":"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","byteLength":"7"}],
         "references":[{"recordKey":"0x1111111111111111111111111111111111111111111111111111111111111111","seq":0}],
         "note":"a/b~c","kind":"signed-contract","n":1.5e21}
        """#

    /// Known answer: the official SDK 0.7.0's `commit_record_content_v2(content, "0x" + "42" * 32)`.
    @Test func theRecordHashIsTheSDKs() throws {
        let saltKey = try #require(Hash(bytes: [UInt8](repeating: 0x42, count: 32)))
        let (recordHash, leaves) = try RecordHash.commit(try JSONParser.parse(Array(Self.content.utf8)), saltKey: saltKey)
        #expect(recordHash.prefixedHex == "0x9caf759d1ca9087d38196e751ad4fe0748fdda9683f483a15f5cf51390fbd5cc")
        #expect(
            leaves.map(\.pointer) == [
                "/actorId", "/kind", "/n", "/note", "/occurredAt", "/payloads/0", "/payloads/1", "/references/0", "/title",
            ]
        )
        #expect(leaves[0].salt.prefixedHex == "0xfbe9330b364d9dcfa9a7e0874a0637fc519e9f427025f11d92b4d12105779701")
        #expect(leaves[8].salt.prefixedHex == "0xa5a6f355764e3f53869a31bf247fb39abeb5b1a1c707858fe797099f7e788b49")
        // A changed value, or a moved one, is another hash.
        var edited = leaves
        edited[3] = RecordHash.Leaf(pointer: "/note", value: .string("a/b~d"), salt: leaves[3].salt)
        #expect(try RecordHash.recordHash(of: edited) != recordHash)
        #expect(try RecordHash.recordHash(of: leaves.reversed()) == recordHash)
    }

    @Test func aPointerEscapesSlashAndTilde() throws {
        let saltKey = Hash.sha256([1])
        let leaves = try RecordHash.leaves(of: try JSONParser.parse(Array(#"{"a/b":1,"c~d":[],"e":[true]}"#.utf8)), saltKey: saltKey)
        #expect(leaves.map(\.pointer) == ["/a~1b", "/c~0d", "/e/0"])
    }

    @Test func admissionRefusesAsTheSDKDoes() throws {
        func refusal(_ json: String, type: String = "machine-action-record", lifecycle: String = "recorded") -> String? {
            guard let content = try? JSONParser.parse(Array(json.utf8)) else { return "unparsable" }
            do {
                _ = try RecordAdmission.admit(recordType: type, lifecycle: lifecycle, content: content)
                return nil
            } catch { return error.code.rawValue }
        }
        let payload = #"{"alg":"sha-256","digest":"\#(String(repeating: "a", count: 64))","byteLength":"3"}"#
        let base = #""title":"t","occurredAt":"2026-01-01T00:00:00Z","actorId":"a""#
        #expect(refusal("{\(base),\"payloads\":[\(payload)]}") == nil)
        #expect(refusal("{\(base),\"payloads\":[]}") == "RECORD_PAYLOADS_REQUIRED")
        #expect(refusal("{\(base)}") == "RECORD_PAYLOADS_REQUIRED")
        #expect(refusal(#"{"title":"t","actorId":"a","payloads":[\#(payload)]}"#) == "RECORD_CONTENT_INVALID")
        #expect(refusal(#"{"title":"t","occurredAt":"2026-01-01 00:00","actorId":"a","payloads":[\#(payload)]}"#) == "RECORD_CONTENT_INVALID")
        #expect(refusal("{\(base),\"payloads\":[\(payload)],\"seq\":1}") == "RECORD_CONTENT_INVALID")
        #expect(refusal("{\(base),\"payloads\":[\(payload)],\"attemptedTarget\":\"x\"}") == "RECORD_CONTENT_INVALID")
        #expect(refusal("{\(base),\"payloads\":[\(payload)],\"kind\":\"Not-Lower\"}") == "RECORD_CONTENT_INVALID")
        let long = String(repeating: "é", count: 121)
        #expect(
            refusal(#"{"title":"\#(long)","occurredAt":"2026-01-01T00:00:00Z","actorId":"a","payloads":[\#(payload)]}"#) == "RECORD_TITLE_TOO_LONG"
        )
        #expect(refusal("{\(base),\"payloads\":[{\"alg\":\"md5\",\"digest\":\"00\",\"byteLength\":\"1\"}]}") == "RECORD_PAYLOAD_ALG_UNSUPPORTED")
        #expect(refusal("{\(base),\"payloads\":[{\"alg\":\"sha-256\",\"digest\":\"AB\",\"byteLength\":\"1\"}]}") == "RECORD_CONTENT_INVALID")
        let blinded = #"{"alg":"hmac-sha-256","digest":"\#(String(repeating: "b", count: 64))","byteLength":"3","blinding":"x"}"#
        #expect(refusal("{\(base),\"payloads\":[\(blinded)]}") == "RECORD_BLINDING_INCLUDED")
        #expect(refusal("{\(base),\"payloads\":[\(payload)],\"extra\":{\"schema\":\"pacspace-blinding/v1\"}}") == "RECORD_BLINDING_INCLUDED")
        #expect(refusal("{\(base),\"payloads\":[\(payload)]}", lifecycle: "deleted") == "RECORD_STATE_UNKNOWN")
        #expect(refusal("{\(base),\"payloads\":[\(payload)]}", type: "no-such-type") == "RECORD_TYPE_UNKNOWN")
        #expect(refusal("{\(base),\"payloads\":[\(payload)],\"references\":[{\"recordKey\":\"0x12\",\"seq\":0}]}") == "RECORD_CONTENT_INVALID")
    }

    @Test func anEntrysLeafCommitsToItsHashNotItsContent() throws {
        let entry = RecordEntryHash(
            recordType: "machine-action-record",
            recordKey: Hash.sha256([7]),
            seq: 3,
            lifecycle: "recorded",
            recordHash: Hash.sha256([9]),
            recordHashVersion: .v2
        )
        let leaf = String(decoding: entry.leaf, as: UTF8.self)
        #expect(leaf == String(decoding: try JSONWriter.canonical(try JSONParser.parse(entry.leaf)), as: UTF8.self))
        #expect(leaf.hasPrefix(#"{"entryHash":"0x"#) && leaf.hasSuffix(#""seq":3,"type":"record-entry","v":1}"#))
        #expect(!leaf.contains("machine-action-record"))
        // The version is committed: the same hash stated as version 3 is another leaf.
        let v3 = RecordEntryHash(
            recordType: entry.recordType,
            recordKey: entry.recordKey,
            seq: entry.seq,
            lifecycle: entry.lifecycle,
            recordHash: entry.recordHash,
            recordHashVersion: .v3
        )
        #expect(v3.json["recordHashVersion"] == .number("3") && v3.leaf != entry.leaf)
    }
}
