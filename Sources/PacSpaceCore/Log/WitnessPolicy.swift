/// A transparency-log trust policy (c2sp.org/tlog-policy): the logs a verifier accepts, the
/// witnesses it knows, and the quorum of them whose cosignatures make a checkpoint
/// witnessed. The server reads one (`PACSPACE_WITNESS_POLICY`) to know whom to ask;
/// `pacspace verify-receipt --policy` and `pacspace monitor` read one to judge.
public struct WitnessPolicy: Sendable, Equatable {
    /// A witness: its name in the policy, its cosigner key, its submission prefix if given.
    public struct Witness: Sendable, Equatable {
        public let name: String
        public let cosigner: Cosignature.Cosigner
        public let url: String?
    }

    /// A log the policy accepts, with its URL if given.
    public struct Log: Sendable, Equatable {
        public let verifier: NoteVerifier
        public let url: String?
    }

    /// A rule over witnesses and groups: at least `threshold` of `members` witnessed.
    indirect enum Rule: Sendable, Equatable {
        case none
        case witness(String)
        case group(threshold: Int, members: [Rule])
    }

    public private(set) var logs: [Log]
    public let witnesses: [Witness]
    let quorum: Rule

    /// Why a policy file was refused: the line and what is wrong with it.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let problem: String
        public var description: String { line > 0 ? "policy line \(line): \(problem)" : "policy: \(problem)" }
    }

    /// The most logs, witnesses and groups a policy may define each (the spec asks for at least 32).
    public static let limit = 256

    /// Parses a policy file.
    public init(parsing text: String) throws(Refusal) {
        let bytes = Array(text.utf8)
        if let bad = bytes.firstIndex(where: { !($0 == 0x09 || $0 == 0x0a || (0x20...0x7e).contains($0) || $0 >= 0x80) }) {
            let line = bytes[..<bad].filter { $0 == 0x0a }.count + 1
            throw Refusal(line: line, problem: "a control character other than tab and newline")
        }
        var logs: [Log] = []
        var witnesses: [Witness] = []
        var rules: [String: Rule] = ["none": .none]
        var quorum: Rule?
        var groups = 0
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            func refuse(_ problem: String) -> Refusal { Refusal(line: number, problem: problem) }
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = words.first, !keyword.hasPrefix("#") else { continue }
            switch keyword {
            case "log":
                guard words.count == 2 || words.count == 3 else { throw refuse("log <vkey> [<url>]") }
                let verifier: NoteVerifier
                do { verifier = try NoteVerifier(verifierKey: words[1]) } catch { throw refuse("the log key: \(error)") }
                guard !logs.contains(where: { $0.verifier.publicKey == verifier.publicKey }) else { throw refuse("a log listed twice") }
                guard logs.count < Self.limit else { throw refuse("more than \(Self.limit) logs") }
                logs.append(Log(verifier: verifier, url: words.count == 3 ? words[2] : nil))
            case "witness":
                guard words.count == 3 || words.count == 4 else { throw refuse("witness <name> <vkey> [<url>]") }
                guard rules[words[1]] == nil else { throw refuse("the name \(words[1]) is taken") }
                let cosigner: Cosignature.Cosigner
                do { cosigner = try Cosignature.Cosigner(verifierKey: words[2]) } catch { throw refuse("the witness key: \(error)") }
                guard !witnesses.contains(where: { $0.cosigner.publicKey == cosigner.publicKey }) else { throw refuse("a witness listed twice") }
                guard witnesses.count < Self.limit else { throw refuse("more than \(Self.limit) witnesses") }
                witnesses.append(Witness(name: words[1], cosigner: cosigner, url: words.count == 4 ? words[3] : nil))
                rules[words[1]] = .witness(words[1])
            case "group":
                guard words.count >= 4 else { throw refuse("group <name> all|any|<k> <name>...") }
                guard rules[words[1]] == nil else { throw refuse("the name \(words[1]) is taken") }
                let names = Array(words[3...])
                guard Set(names).count == names.count else { throw refuse("a member listed twice") }
                var members: [Rule] = []
                for name in names {
                    guard name != "none", let rule = rules[name] else { throw refuse("\(name) is not defined on a line before") }
                    members.append(rule)
                }
                let threshold: Int
                switch words[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard words[2].allSatisfy(\.isASCII), let k = Int(words[2]), String(k) == words[2], (1...members.count).contains(k) else {
                        throw refuse("the threshold must be all, any or 1 to \(members.count)")
                    }
                    threshold = k
                }
                groups += 1
                guard groups <= Self.limit else { throw refuse("more than \(Self.limit) groups") }
                rules[words[1]] = .group(threshold: threshold, members: members)
            case "quorum":
                guard words.count == 2 else { throw refuse("quorum <name>") }
                guard quorum == nil else { throw refuse("a second quorum line") }
                guard let rule = rules[words[1]] else { throw refuse("\(words[1]) is not defined on a line before") }
                quorum = rule
            default:
                throw refuse("unknown keyword \(keyword)")
            }
        }
        guard let quorum else { throw Refusal(line: 0, problem: "no quorum line") }
        self.logs = logs
        self.witnesses = witnesses
        self.quorum = quorum
    }

    /// The policy with `verifier`'s log accepted too: the server checks its own receipts
    /// under its policy, whose file need not name the server's own log.
    public func accepting(log verifier: NoteVerifier) -> WitnessPolicy {
        guard !logs.contains(where: { $0.verifier == verifier }) else { return self }
        var policy = self
        policy.logs.append(Log(verifier: verifier, url: nil))
        return policy
    }

    /// The quorum as JSON, for a verifier that evaluates it itself (the verify page's
    /// script): `true` for `none`, a witness's name, or `{"k": threshold, "of": [rules]}`.
    public var quorumJSON: JSONValue { Self.json(quorum) }

    private static func json(_ rule: Rule) -> JSONValue {
        switch rule {
        case .none: .bool(true)
        case .witness(let name): .string(name)
        case .group(let threshold, let members): ["k": .int(Int64(threshold)), "of": .array(members.map(json))]
        }
    }

    /// Whether cosignatures by the witnesses named `cosigned` meet the quorum.
    public func isMet(by cosigned: Set<String>) -> Bool { Self.holds(quorum, cosigned) }

    private static func holds(_ rule: Rule, _ cosigned: Set<String>) -> Bool {
        switch rule {
        case .none: true
        case .witness(let name): cosigned.contains(name)
        case .group(let threshold, let members): members.filter { holds($0, cosigned) }.count >= threshold
        }
    }
}
