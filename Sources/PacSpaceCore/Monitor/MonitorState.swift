/// What a monitor remembers between runs (docs/witnesses.md, "Following a log"): for each log
/// it follows, the last checkpoint it accepted (the signed note, verbatim: evidence if the log
/// later contradicts it); for the server log, also the frontier of that tree, so the next run
/// reads only the new entries and still checks that they extend it; and for each environment,
/// the largest of its checkpoints seen among the server log's entries.
public struct MonitorState: Sendable, Equatable {
    /// One followed log's last accepted view.
    public struct LogView: Sendable, Equatable {
        /// The signed checkpoint note, as the log served it (cosignature lines included).
        public var note: String
        public var size: UInt64
        public var root: Hash
        /// The server log's frontier at `size` (empty for an environment's log).
        public var frontier: [Hash]

        public init(note: String, size: UInt64, root: Hash, frontier: [Hash] = []) {
            self.note = note
            self.size = size
            self.root = root
            self.frontier = frontier
        }
    }

    /// An environment checkpoint among the server log's entries.
    public struct Sighting: Sendable, Equatable {
        public var size: UInt64
        public var root: Hash
        /// Its index in the server log.
        public var serverLogIndex: UInt64
    }

    /// By origin.
    public var logs: [String: LogView] = [:]
    /// By environment origin: the largest checkpoint seen in the server log.
    public var sightings: [String: Sighting] = [:]

    public init() {}

    /// The state file's format tag.
    static let format = "pacspace-monitor/v1"

    /// The state as JSON (keys sorted, so an unchanged state writes the same bytes).
    public var json: [UInt8] {
        let logs = self.logs.sorted { $0.key < $1.key }.map { origin, view -> (String, JSONValue) in
            (
                origin,
                [
                    "note": .string(view.note), "size": .number(String(view.size)), "root": .string(view.root.base64),
                    "frontier": .array(view.frontier.map { .string($0.base64) }),
                ]
            )
        }
        let sightings = self.sightings.sorted { $0.key < $1.key }.map { origin, seen -> (String, JSONValue) in
            (origin, ["size": .number(String(seen.size)), "root": .string(seen.root.base64), "serverLogIndex": .number(String(seen.serverLogIndex))])
        }
        return JSONWriter.serialize(["format": .string(Self.format), "logs": .object(logs), "sightings": .object(sightings)])
    }

    /// Why a state file was refused.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a state file written by ``json``.
    public init(json bytes: [UInt8]) throws(Unreadable) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw Unreadable(description: "not JSON: \(error)") }
        guard value["format"] == .string(Self.format), case .object(let logs)? = value["logs"], case .object(let sightings)? = value["sightings"]
        else { throw Unreadable(description: "not a \(Self.format) state") }
        func number(_ value: JSONValue?) -> UInt64? {
            guard case .number(let text)? = value else { return nil }
            return UInt64(text)
        }
        func hash(_ value: JSONValue?) -> Hash? {
            guard case .string(let text)? = value else { return nil }
            return Hash(base64: text)
        }
        for (origin, view) in logs {
            guard case .string(let note)? = view["note"], let size = number(view["size"]), let root = hash(view["root"]),
                case .array(let items)? = view["frontier"]
            else { throw Unreadable(description: "the view of \(origin) is incomplete") }
            let frontier = items.compactMap { hash($0) }
            guard frontier.count == items.count else { throw Unreadable(description: "the frontier of \(origin) is not base64 hashes") }
            self.logs[origin] = LogView(note: note, size: size, root: root, frontier: frontier)
        }
        for (origin, seen) in sightings {
            guard let size = number(seen["size"]), let root = hash(seen["root"]), let index = number(seen["serverLogIndex"]) else {
                throw Unreadable(description: "the sighting of \(origin) is incomplete")
            }
            self.sightings[origin] = Sighting(size: size, root: root, serverLogIndex: index)
        }
    }
}
