import PacSpaceCore
import Testing

/// Webhook signatures, the retry schedule and the SSRF address classes, with known answers.
@Suite struct WebhookCoreTests {
    /// Known answer from Python: `hmac.new(b"whsec_test", b'1700000000.{"id":"evt_1"}', sha256)`.
    @Test func signatureMatchesAnIndependentHMAC() {
        let body = Array(#"{"id":"evt_1"}"#.utf8)
        let expected = "v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
        #expect(WebhookSignature.sign(secret: "whsec_test", timestamp: 1_700_000_000, body: body) == expected)
        let header = WebhookSignature.header(secrets: ["whsec_new", "whsec_test"], timestamp: 1_700_000_000, body: body)
        #expect(header.hasSuffix("," + expected))
        #expect(WebhookSignature.verify(header: header, secret: "whsec_test", timestamp: 1_700_000_000, body: body))
        #expect(WebhookSignature.verify(header: header, secret: "whsec_new", timestamp: 1_700_000_000, body: body))
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_other", timestamp: 1_700_000_000, body: body))
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_test", timestamp: 1_700_000_001, body: body))
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_test", timestamp: 1_700_000_000, body: body + [0x20]))
        let secret = WebhookSignature.makeSecret()
        #expect(secret.hasPrefix("whsec_") && secret.count == 6 + 64)
    }

    /// A seeded generator (xorshift64*), so the schedule's jitter is reproducible.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    @Test func retriesBackOffExponentiallyForAtLeastTheWindow() {
        let schedule = RetrySchedule.standard
        #expect(schedule.nominalDelay(afterFailures: 1) == 30_000)
        #expect(schedule.nominalDelay(afterFailures: 2) == 60_000)
        #expect(schedule.nominalDelay(afterFailures: 10) == 15_360_000)
        #expect(schedule.nominalDelay(afterFailures: 11) == schedule.cap)
        #expect(schedule.nominalDelay(afterFailures: 500) == schedule.cap, "no overflow")
        for seed in [1, 42, 0xdead_beef] as [UInt64] {
            var generator = Seeded(state: seed)
            var now: Int64 = 0
            var attempts = 1
            var previousDelay: Int64 = 0
            while let next = schedule.nextAttempt(afterFailures: attempts, createdAt: 0, now: now, using: &generator) {
                let delay = next - now
                #expect(delay > 0)
                #expect(delay >= schedule.nominalDelay(afterFailures: attempts) / 2 || next == schedule.window)
                #expect(delay <= schedule.nominalDelay(afterFailures: attempts))
                #expect(delay >= previousDelay / 2 || next == schedule.window, "delays never shrink beyond the jitter")
                previousDelay = delay
                now = next
                attempts += 1
            }
            #expect(now == schedule.window, "the last attempt is at the end of the window: 3 days")
            #expect((15...30).contains(attempts), "\(attempts) attempts")
        }
    }

    @Test func onlyPublicAddressesArePublic() throws {
        let refused = [
            "127.0.0.1", "10.2.3.4", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1",
            "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2001:db8::1", "2002:a00:1::1",
            "[::1]", "::ffff:0:a00:1", "::ffff:0:7f00:1", "64:ff9b:1::808:808", "64:ff9b:1:ffff::1", "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", "100::1", "100::ffff:ffff:ffff:ffff", "2001:2::1", "2001:10::1", "2001:20::1",
        ]
        for text in refused {
            let bytes = try #require(NetworkAddress.parse(text), "\(text)")
            #expect(!NetworkAddress.isPublic(bytes), "\(text)")
        }
        for text in [
            "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2a00:1450::200e",
            "::ffff:0:808:808", "64:ff9b::808:808", "100:0:0:1::1", "2001:4860:4860::8888", "2001:200::1",
        ] {
            let bytes = try #require(NetworkAddress.parse(text), "\(text)")
            #expect(NetworkAddress.isPublic(bytes), "\(text)")
        }
        for text in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "example.com", "1::2::3", "12345::1", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9"] {
            #expect(NetworkAddress.parse(text) == nil, "\(text)")
        }
        #expect(NetworkAddress.parse("::ffff:1.2.3.4") == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4])
    }
}
