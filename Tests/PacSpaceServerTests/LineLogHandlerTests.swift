import Logging
import PacSpaceCore
import Testing

@testable import PacSpaceServer

/// `PACSPACE_LOG_FORMAT`'s two line formats (LineLogHandler).
@Suite struct LineLogHandlerTests {
    static func event(_ metadata: Logger.Metadata) -> LogEvent {
        LogEvent(level: .warning, message: "cannot \"x\"", metadata: metadata, source: "src", file: "f", function: "g", line: 1)
    }

    @Test func jsonLinesParseAndKeepTheirFields() throws {
        var handler = LineLogHandler(label: "pacspace", format: .json)
        handler[metadataKey: "requestId"] = "r1"
        let bytes = handler.line(Self.event(["msg": "not the message", "keyId": "key_1"]), at: 1_790_000_000_123)
        #expect(bytes.last == 0x0a)
        let value = try JSONParser.parse(bytes.dropLast(), maxDepth: 4)
        #expect(value["ts"] == "2026-09-21T14:13:20.123Z")
        #expect(value["level"] == "warning")
        #expect(value["label"] == "pacspace")
        #expect(value["msg"] == "cannot \"x\"")
        #expect(value["requestId"] == "r1")
        #expect(value["keyId"] == "key_1")
    }

    @Test func textLinesShowSortedMetadataSourceAndMessage() {
        var handler = LineLogHandler(label: "pacspace", format: .text)
        handler[metadataKey: "b"] = "2"
        let text = String(decoding: handler.line(Self.event(["a": "1"]), at: 0), as: UTF8.self)
        #expect(text.hasSuffix(" warning pacspace: a=1 b=2 [src] cannot \"x\"\n"))
    }
}
