import Foundation
import Logging
import PacSpaceCore

/// One line per event on standard error, in one of two formats (`PACSPACE_LOG_FORMAT`):
/// text, as swift-log's `StreamLogHandler` writes it
/// (`<time> <level> <label>: <key=value …> [<source>] <message>`), or JSON
/// (`{"ts","level","label","msg",…metadata}`).
///
/// Metadata is formatted only when a line is written. `StreamLogHandler` formats all of it
/// again each time a key is set, and a request sets three (request id, key id, environment
/// id) whether or not anything is logged: 3.4 % of the server's CPU under single emits
/// (`perf`, issue 28; docs/architecture.md, "Per-request CPU").
public struct LineLogHandler: LogHandler {
    /// How a line is written.
    public enum Format: String, Sendable {
        case text, json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let format: Format
    private static let lock = NSLock()

    public init(label: String, format: Format) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let bytes = line(event, at: Int64(Date().timeIntervalSince1970 * 1000))
        Self.lock.withLock { FileHandle.standardError.write(Data(bytes)) }
    }

    /// The line `event` is written as, at `millis` since the epoch (JSON's `ts`; text shows local time).
    func line(_ event: LogEvent, at millis: Int64) -> [UInt8] {
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        switch format {
        case .text:
            let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return Array("\(Self.localTime()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(pretty) [\(event.source)] \(event.message)\n".utf8)
        case .json:
            // Metadata never replaces the four fields every line has.
            var fields: [String: JSONValue] = merged.mapValues { .string("\($0)") }
            fields["ts"] = .string(Timestamp.iso8601(millis: millis))
            fields["level"] = .string(event.level.rawValue)
            fields["label"] = .string(label)
            fields["msg"] = .string(event.message.description)
            return JSONWriter.serialize(.object(fields.sorted { $0.key < $1.key })) + [0x0a]
        }
    }

    /// Local time, `%Y-%m-%dT%H:%M:%S%z`, as `StreamLogHandler` writes it.
    private static func localTime() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
