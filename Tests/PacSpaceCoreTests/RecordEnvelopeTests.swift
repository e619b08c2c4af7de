import Testing

@testable import PacSpaceCore

/// An encrypted entry's envelope is taken only in the shape every SDK reader checks first
/// (`read_record_envelope_shape` of pacspace-sdk 0.7.0).
struct RecordEnvelopeTests {
    /// `ct` of one pad block and the tag: 272 bytes, 363 base64url characters.
    static func envelope(kid: String = String(repeating: "a", count: 64), iv: String = "AAAAAAAAAAAAAAAA", ct: String? = nil) -> JSONValue {
        ["v": 1, "alg": "A256GCM", "kid": .string(kid), "iv": .string(iv), "ct": .string(ct ?? String(repeating: "A", count: 363))]
    }

    @Test func aWellFormedEnvelopeIsTakenWithItsKid() throws {
        let envelope = try RecordEnvelope(Self.envelope())
        #expect(envelope.kid == String(repeating: "a", count: 64))
        // The largest entry: 47,104 bytes of plaintext and the tag.
        let largest = String(repeating: "A", count: RecordEnvelope.ciphertextMaxCharacters)
        #expect(RecordEnvelope.ciphertextMaxCharacters == 62_827)
        #expect(try RecordEnvelope(Self.envelope(ct: largest)).kid == envelope.kid)
        #expect(throws: RecordEnvelope.Problem.tooLarge) { try RecordEnvelope(Self.envelope(ct: largest + "AAAA")) }
    }

    @Test func everyOtherShapeIsMalformed() {
        let malformed: [JSONValue] = [
            .null, "envelope", [],
            ["v": 1, "alg": "A256GCM", "kid": .string(String(repeating: "a", count: 64)), "iv": "AAAAAAAAAAAAAAAA"],
            ["v": 2, "alg": "A256GCM", "kid": .string(String(repeating: "a", count: 64)), "iv": "AAAAAAAAAAAAAAAA", "ct": "A"],
            Self.envelope(kid: String(repeating: "A", count: 64)),  // uppercase hex
            Self.envelope(kid: String(repeating: "a", count: 63)),
            Self.envelope(iv: "AAAAAAAAAAAAAAA"),  // 11 bytes
            Self.envelope(iv: "AAAAAAAAAAAAAAA="),  // padded
            Self.envelope(ct: String(repeating: "A", count: 362)),  // 255 bytes of body
            Self.envelope(ct: String(repeating: "A", count: 362) + "B"),  // not canonical: low bits set
            Self.envelope(ct: "+" + String(repeating: "A", count: 362)),  // standard alphabet
            Self.envelope(ct: String(repeating: "A", count: 24)),  // the tag only
        ]
        for value in malformed {
            #expect(throws: RecordEnvelope.Problem.malformed, "\(value)") { try RecordEnvelope(value) }
        }
        var extra = Self.envelope()
        if case .object(let members) = extra { extra = .object(members + [("note", "x")]) }
        #expect(throws: RecordEnvelope.Problem.malformed) { try RecordEnvelope(extra) }
    }

    @Test func base64urlIsCanonicalAndUnpadded() {
        #expect(Base64.decodeURL("-_8") == [0xfb, 0xff])
        #expect(Base64.decodeURL("") == [])
        #expect(Base64.decodeURL("-_9") == nil)  // low bits set
        #expect(Base64.decodeURL("-_8=") == nil)
        #expect(Base64.decodeURL("+/8") == nil)
        #expect(Base64.decodeURL("A") == nil)
    }
}
