import Crypto
import Foundation
import Testing

@testable import PacSpaceCore

func canonical(_ json: String) throws -> String {
    String(decoding: try JSONWriter.canonical(JSONParser.parse(Array(json.utf8))), as: UTF8.self)
}

@Suite struct JSONTests {
    /// RFC 8785 §3.2.2 / Appendix B number samples, as IEEE 754 bit patterns.
    @Test(
        arguments: [
            (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"), (0x0000_0000_0000_0001, "5e-324"),
            (0x8000_0000_0000_0001, "-5e-324"), (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
            (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"), (0x4340_0000_0000_0000, "9007199254740992"),
            (0xc340_0000_0000_0000, "-9007199254740992"), (0x4430_0000_0000_0000, "295147905179352830000"),
            (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"), (0x44b5_2d02_c7e1_4af6, "1e+23"),
            // The next value was checked against V8 (node).
            (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"), (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
            (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"), (0x444b_1ae4_d6e2_ef50, "1e+21"),
            (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"), (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
            (0x41b3_de43_5555_5553, "333333333.3333332"), (0x41b3_de43_5555_5554, "333333333.33333325"),
            (0x41b3_de43_5555_5555, "333333333.3333333"), (0x41b3_de43_5555_5556, "333333333.3333334"),
            (0x41b3_de43_5555_5557, "333333333.33333343"), (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
            (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
        ] as [(UInt64, String)]
    )
    func ecmaScriptNumbers(bits: UInt64, expected: String) {
        #expect(ECMAScriptNumber.format(Double(bitPattern: bits)) == expected)
    }

    @Test func rfc8785Example() throws {
        let input =
            #"{ "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "#
            + #""string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false] }"#
        #expect(
            try canonical(input)
                == #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        )
    }

    /// Every control character escaped (the short forms where RFC 8785 has one), `"` and
    /// `\\` escaped, nothing else: `/`, DEL and non-ASCII stay as UTF-8; escapes at the ends
    /// and side by side.
    @Test func stringEscapes() {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        var out: [UInt8] = []
        JSONWriter.appendString("\"" + controls + "/\u{7f}é😀\\", to: &out)
        let expected =
            #""\"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f/"#
            + "\u{7f}é😀" + #"\\""#
        #expect(String(decoding: out, as: UTF8.self) == expected)
        out = []
        JSONWriter.appendString("", to: &out)
        #expect(out == Array(#""""#.utf8))
    }

    @Test func rfc8785Sorting() throws {
        let input =
            #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","#
            + #""\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let keys = try canonical(input)
        #expect(
            keys
                == "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\","
                + "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"דּ\":\"Hebrew Letter Dalet With Dagesh\"}"
        )
    }

    @Test func strictParsing() {
        for bad in [
            "", "{", "{\"a\":1,}", "[1,]", "{\"a\":1,\"a\":2}", "01", "1.", ".5", "-", "\"\\ud800\"", "\"a\u{01}\"",
            "nul", "{\"a\" 1}", "1 2", "\"\\x\"", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        ] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xff, 0x22]) }
        #expect(
            try! JSONParser.parse(Array("{\"a\":[1.50,\"x\\u00e9\",true,null]}".utf8))
                == ["a": [.number("1.50"), "xé", true, .null]]
        )
    }

    @Test func serializeKeepsOrderAndNumberText() {
        let value: JSONValue = ["b": .number("1.50"), "a": "\u{1}"]
        #expect(String(decoding: JSONWriter.serialize(value), as: UTF8.self) == #"{"b":1.50,"a":"\u0001"}"#)
        #expect(throws: JCSError.self) { try JSONWriter.canonical(.number("1e400")) }
    }
}

@Suite struct AmountTests {
    @Test(
        arguments: [
            ("0", 0), ("-0", 0), ("12", 12_000_000), ("12.5", 12_500_000), ("-0.000001", -1), ("1e-05", 10),
            ("1.5E+2", 150_000_000), ("1000000000", 1_000_000_000_000_000), ("0.100000", 100_000), ("2.50e-1", 250_000),
        ] as [(String, Int64)]
    )
    func parses(text: String, micros: Int64) throws {
        #expect(try Amount(parsing: text).micros == micros)
    }

    @Test func rejects() {
        #expect(throws: Amount.ParseError.tooPrecise) { try Amount(parsing: "0.0000001") }
        #expect(throws: Amount.ParseError.tooPrecise) { try Amount(parsing: "1e-7") }
        #expect(throws: Amount.ParseError.outOfRange) { try Amount(parsing: "1e300") }
        #expect(throws: Amount.ParseError.outOfRange) { try Amount(parsing: "99999999999999999999") }
        for bad in ["", "abc", "1.", ".1", "1e", "--1", "1.2.3", "1e+-5", "1e--5", "1e5-", "-", "1e+", "١"] {
            #expect(throws: Amount.ParseError.notANumber, "\(bad)") { try Amount(parsing: bad) }
        }
    }

    /// Exponents at and past Int64's edges trapped in `abs` (issue 11); now they are read
    /// digit by digit: past three significant digits no non-zero amount is representable.
    @Test func exponentsOfAnyLength() throws {
        #expect(throws: Amount.ParseError.tooPrecise) { try Amount(parsing: "1e-9223372036854775808") }
        #expect(throws: Amount.ParseError.outOfRange) { try Amount(parsing: "1e9223372036854775807") }
        #expect(throws: Amount.ParseError.outOfRange) { try Amount(parsing: "-1E+" + String(repeating: "9", count: 100)) }
        #expect(throws: Amount.ParseError.tooPrecise) { try Amount(parsing: "1e-1000") }
        #expect(try Amount(parsing: "0e-9223372036854775808") == .zero)
        #expect(try Amount(parsing: "-0.0e99999999999999999999") == .zero)
        #expect(try Amount(parsing: "1e+0000000000000000000000006").micros == 1_000_000_000_000)
        #expect(try Amount(parsing: "100000000e-14").micros == 1)
        #expect(try Amount(parsing: "999999999999.999999").micros == 999_999_999_999_999_999)
        #expect(throws: Amount.ParseError.outOfRange) { try Amount(parsing: "1000000000000") }
    }

    /// A megabyte of zeros is parsed in linear time (leading zeros were removed one
    /// `removeFirst` at a time: quadratic).
    @Test func longTextIsLinear() throws {
        let zeros = String(repeating: "0", count: 1_000_000)
        let started = ContinuousClock.now
        #expect(try Amount(parsing: zeros + "1.5").micros == 1_500_000)
        #expect(try Amount(parsing: "1." + "5" + zeros).micros == 1_500_000)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func sumsAreExactAndNarrowedOnlyWhenTheyFit() {
        let extremes = [Amount(micros: .max), Amount(micros: .max), Amount(micros: .min)]
        #expect(extremes.exactSum == Int128(Int64.max) - 1)
        #expect(Amount(exactly: Int128(Int64.max) + 1) == nil)
        #expect(Amount(exactly: Int128(Int64.min)) == Amount(micros: .min))
        #expect(Amount(micros: .max).adding(Amount(micros: 1)) == nil)
        #expect(Amount(micros: .min).subtracting(Amount(micros: 1)) == nil)
        #expect(Amount(micros: .min).description == "-9223372036854.775808")
        #expect(Amount.maxTotal.isWithinTotalBound && !Amount(micros: Amount.maxTotal.micros + 1).isWithinTotalBound)
        #expect(Amount(micros: -Amount.maxTotal.micros).isWithinTotalBound)
    }
}

/// I-JSON (RFC 7493 §2.2): which numbers keep their value through an IEEE-754 double.
@Suite struct ExactNumberTests {
    @Test(arguments: [
        "0", "-0", "0.1", "1.0", "1e3", "1E-7", "12.50", "9007199254740992", "5e-324", "1.7976931348623157e308", "-2.5", "0e-99999999999",
    ])
    func roundTrips(text: String) { #expect(ECMAScriptNumber.roundTrips(text), "\(text)") }

    @Test(arguments: [
        "12345678901234567891", "9007199254740993", "1.00000000000000000001", "1e400", "-1e400", "1e-400",
        "0.1000000000000000055511151231257827", "1e99999999999999999999",
    ])
    func doesNotRoundTrip(text: String) { #expect(!ECMAScriptNumber.roundTrips(text), "\(text)") }

    @Test func formatsWithoutTrailingZeros() {
        #expect(Amount(micros: 12_500_000).description == "12.5")
        #expect(Amount(micros: -1).description == "-0.000001")
        #expect(Amount(micros: 100_000_000).description == "100")
        #expect(Amount(micros: 0).description == "0")
        #expect(Amount(micros: .max).adding(Amount(micros: 1)) == nil)
        #expect(Amount(micros: 0.1e6.exponent == 0 ? 0 : 100_000).adding(Amount(micros: 200_000)) == Amount(micros: 300_000))
    }
}

@Suite struct IdentifierAndTimeTests {
    @Test func identifiers() {
        let id = Identifier.make("tnt")
        #expect(Identifier.isWellFormed(id, prefix: "tnt"))
        #expect(!Identifier.isWellFormed(id, prefix: "usr"))
        #expect(Identifier.make("tnt") != id)
        #expect(!Identifier.isWellFormed("tnt_ABC", prefix: "tnt"))
    }

    /// Ordered ids carry the time in fixed-width base 36 (known answers), so a later id
    /// sorts after an earlier one, and keep 19 random characters (≥ 96 bits).
    @Test func orderedIdentifiers() {
        let id = Identifier.makeOrdered("rec", millis: 1_748_779_205_000)
        #expect(id.hasPrefix("rec_0mbdlziiw"))
        #expect(id.count == "rec_".count + 28)
        #expect(Identifier.isWellFormed(id, prefix: "rec"))
        #expect(Identifier.makeOrdered("rec", millis: 0).hasPrefix("rec_000000000"))
        #expect(Identifier.makeOrdered("rec", millis: 1_748_779_205_000) != id)
        var previous = ""
        for millis in stride(from: Int64(0), to: 4_000_000_000_000, by: 97_654_321_123) {
            let next = Identifier.makeOrdered("rcpt", millis: millis)
            #expect(next > previous)
            previous = next
        }
    }

    @Test func timestamps() {
        #expect(Timestamp.iso8601(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(millis: 1_748_779_205_000) == "2025-06-01T12:00:05.000Z")
        #expect(Timestamp.iso8601(millis: 951_782_400_123) == "2000-02-29T00:00:00.123Z")
    }

    @Test func sealing() throws {
        let old = Array(repeating: UInt8(7), count: 32)
        let new = Array(repeating: UInt8(9), count: 32)
        let sealer = try KeySealer(masterKey: old)
        let row = KeySealer.Binding.webhookSecret(endpointID: "wh_1")
        let sealed = try sealer.seal([1, 2, 3], for: row)
        #expect(sealed.hasPrefix("v2.\(KeySealer.keyID(old))."))
        #expect(try sealer.open(sealed, for: row) == [1, 2, 3])
        // Bound to its row: the same value in another row, or of another kind, does not open.
        #expect(throws: KeySealer.SealError.cannotOpen) { try sealer.open(sealed, for: .webhookSecret(endpointID: "wh_2")) }
        #expect(throws: KeySealer.SealError.cannotOpen) { try sealer.open(sealed, for: .signingKey(environmentID: "wh_1")) }
        var altered = Array(sealed.utf8)
        altered[altered.count - 3] = altered[altered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: KeySealer.SealError.cannotOpen) { try sealer.open(String(decoding: altered, as: UTF8.self), for: row) }
        #expect(throws: KeySealer.SealError.badMasterKey) { try KeySealer(masterKey: [1]) }
        #expect(throws: KeySealer.SealError.badMasterKey) { try KeySealer(masterKeys: []) }

        // A ring: the new key seals, the retired one still opens; without it the key id says why.
        let ring = try KeySealer(masterKeys: [new, old])
        #expect(try ring.open(sealed, for: row) == [1, 2, 3])
        #expect(SealedFormat(sealed).keyID == KeySealer.keyID(old))
        let resealed = try ring.seal([1, 2, 3], for: row)
        #expect(SealedFormat(resealed).keyID == ring.currentKeyID && ring.currentKeyID == KeySealer.keyID(new))
        #expect(throws: KeySealer.SealError.unknownKey(KeySealer.keyID(new))) { try sealer.open(resealed, for: row) }

        // Values from before the ring: bare base64 without associated data, still opened.
        let legacy = Base64.encode(Array(try AES.GCM.seal([4, 5], using: SymmetricKey(data: old)).combined ?? Data()))
        #expect(SealedFormat(legacy).keyID == nil)
        #expect(try ring.open(legacy, for: row) == [4, 5])
        #expect(throws: KeySealer.SealError.cannotOpen) { try KeySealer(masterKey: new).open(legacy, for: row) }
        #expect(SealedFormat("v2.short.AAAA") == .malformed)
    }
}

@Suite struct APIKeyTests {
    @Test func roundTripAndRejection() {
        let key = APIKey.generate(kind: .test)
        #expect(key.fullKey.hasPrefix("pk_test_"))
        #expect(key.fullKey.contains(".sk_test_"))
        #expect(APIKey(parsing: key.fullKey) == key)
        #expect(key.secret.count == 64)
        for bad in [
            "", "pk_test_abc", "pk_test_abc.sk_live_def", "pk_prod_abc.sk_prod_def", "pk_test_a-b.sk_test_c",
            "pk_test_.sk_test_x", "sk_test_a.pk_test_b", "pk_test_a.sk_test_b.c", key.fullKey + " ", "pk_test_\u{e9}.sk_test_x",
            "pk_test_a.sk_test_b_c", "pk_test_" + String(repeating: "a", count: 65) + ".sk_test_b",
            "pk_test_a.sk_test_" + String(repeating: "b", count: 129),
        ] {
            #expect(APIKey(parsing: bad) == nil, "\(bad)")
        }
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
    }
}
