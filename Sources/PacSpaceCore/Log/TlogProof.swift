import Foundation

/// A C2SP tlog-proof (c2sp.org/tlog-proof): the offline-verifiable receipt that an entry
/// is at `index` in the tree a signed checkpoint commits to.
public struct TlogProof: Sendable, Equatable {
    static let header = "c2sp.org/tlog-proof@v1"

    /// Optional application data (the `extra` line).
    public let extra: [UInt8]?
    /// The entry's index in the log.
    public let index: UInt64
    /// The inclusion proof, leaf sibling first.
    public let hashes: [Hash]
    /// The signed checkpoint note, verbatim.
    public let checkpoint: String

    public init(extra: [UInt8]? = nil, index: UInt64, hashes: [Hash], checkpoint: String) {
        self.extra = extra
        self.index = index
        self.hashes = hashes
        self.checkpoint = checkpoint
    }

    /// The proof text.
    public var text: String {
        var lines = [Self.header]
        if let extra { lines.append("extra " + Base64.encode(extra)) }
        lines.append("index \(index)")
        lines += hashes.map(\.base64)
        return lines.map { $0 + "\n" }.joined() + "\n" + checkpoint
    }

    /// Parses proof text strictly; signatures and hashes are checked by ``verify(leafData:verifier:)``.
    public init(parsing text: String) throws(NoteError) {
        guard let split = text.range(of: "\n\n") else { throw .malformedNote("no blank line before the checkpoint") }
        var lines = text[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == Self.header else { throw .malformedNote("the first line must be \(Self.header)") }
        lines.removeFirst()
        var extra: [UInt8]?
        if let line = lines.first, line.hasPrefix("extra ") {
            guard let raw = Base64.decode(String(line.dropFirst(6))) else { throw .malformedNote("the extra line must be base64") }
            extra = raw
            lines.removeFirst()
        }
        guard let line = lines.first, line.hasPrefix("index "), let index = UInt64(line.dropFirst(6)),
            String(index) == line.dropFirst(6)
        else {
            throw .malformedNote("expected \"index <N>\"")
        }
        lines.removeFirst()
        var hashes: [Hash] = []
        for line in lines {
            guard let hash = Hash(base64: line) else { throw .malformedNote("each proof line must be base64 of a 32-byte hash") }
            hashes.append(hash)
        }
        self.init(extra: extra, index: index, hashes: hashes, checkpoint: String(text[split.upperBound...]))
    }

    /// Verifies the checkpoint signature and the inclusion of `leafData`; returns the checkpoint.
    public func verify(leafData: [UInt8], verifier: NoteVerifier) throws(NoteError) -> Checkpoint {
        let checkpoint = try Checkpoint.open(self.checkpoint, verifier: verifier)
        guard
            Merkle.verifyInclusion(
                leaf: Merkle.leafHash(leafData),
                index: index,
                size: checkpoint.size,
                proof: hashes,
                root: checkpoint.root
            )
        else {
            throw .malformedNote("the inclusion proof does not lead from the entry to the checkpoint's root")
        }
        return checkpoint
    }
}
