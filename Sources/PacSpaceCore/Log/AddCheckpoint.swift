import Foundation

/// The body of a C2SP tlog-witness `add-checkpoint` request (c2sp.org/tlog-witness): the
/// line `old <size>`, up to 63 consistency-proof lines of base64 hashes, an empty line, then
/// the signed checkpoint note. Every line ends in a newline.
public struct AddCheckpoint: Sendable, Equatable {
    /// The most proof lines a request may carry.
    public static let maxProofLines = 63

    /// The size of the checkpoint the witness last cosigned, as the client believes.
    public let oldSize: UInt64
    /// An RFC 6962 consistency proof from `oldSize` to the checkpoint's size.
    public let proof: [Hash]
    /// The signed checkpoint note, as sent.
    public let checkpoint: String

    public init(oldSize: UInt64, proof: [Hash], checkpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// Why a body is not an add-checkpoint request (the witness answers 400).
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a request body strictly: no leading zero in the size, canonical base64
    /// hashes of 32 bytes, at most 63 of them.
    public init(parsing body: String) throws(Malformed) {
        guard let blank = body.range(of: "\n\n") else { throw Malformed(description: "no empty line before the checkpoint") }
        let head = body[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let size = Self.decimal(first.dropFirst(4)) else {
            throw Malformed(description: "the first line must be old <size>, in decimal without leading zeros")
        }
        let lines = head.dropFirst()
        guard lines.count <= Self.maxProofLines else { throw Malformed(description: "more than \(Self.maxProofLines) proof lines") }
        var proof: [Hash] = []
        for line in lines {
            guard let hash = Hash(base64: String(line)), hash.base64 == line else {
                throw Malformed(description: "a proof line must be the base64 of a 32-byte hash")
            }
            proof.append(hash)
        }
        oldSize = size
        self.proof = proof
        checkpoint = String(body[blank.upperBound...])
    }

    /// The request body.
    public var body: String {
        "old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + checkpoint
    }

    /// A size: ASCII digits, no leading zero (but `0`), at most 2^63 − 1.
    static func decimal(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), text == "0" || !text.hasPrefix("0"),
            let value = UInt64(text), value <= UInt64(Int64.max)
        else { return nil }
        return value
    }
}
