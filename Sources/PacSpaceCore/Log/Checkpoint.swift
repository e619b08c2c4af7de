/// A C2SP tlog-checkpoint body (c2sp.org/tlog-checkpoint):
/// `<origin>\n<tree size>\n<base64 root hash>\n`, optionally followed by extension lines.
public struct Checkpoint: Sendable, Equatable {
    /// The log's origin line, e.g. `pacspace.example/tnt_…/testnet`.
    public let origin: String
    /// Number of leaves.
    public let size: UInt64
    /// RFC 9162 root hash of those leaves.
    public let root: Hash
    /// Extension lines, without their newlines.
    public let extensions: [String]

    public init(origin: String, size: UInt64, root: Hash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note body this checkpoint signs.
    public var body: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses a checkpoint body (the text of a signed note).
    public init(body: String) throws(NoteError) {
        guard body.hasSuffix("\n") else { throw .malformedNote("a checkpoint ends in a newline") }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw .malformedNote("a checkpoint has an origin, a size and a root hash line") }
        guard !lines[0].isEmpty else { throw .malformedNote("the origin line is empty") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else {
            throw .malformedNote("the tree size must be a decimal number without leading zeros")
        }
        guard let root = Hash(base64: lines[2]) else { throw .malformedNote("the root hash must be base64 of 32 bytes") }
        let extensions = Array(lines.dropFirst(3))
        guard !extensions.contains(where: \.isEmpty) else { throw .malformedNote("empty extension line") }
        self.init(origin: lines[0], size: size, root: root, extensions: extensions)
    }

    /// Parses `note`, checks its signature by `verifier` and returns the checkpoint.
    public static func open(_ note: String, verifier: NoteVerifier) throws(NoteError) -> Checkpoint {
        let text = try SignedNote(parsing: note).verified(by: verifier)
        return try Checkpoint(body: text)
    }
}
