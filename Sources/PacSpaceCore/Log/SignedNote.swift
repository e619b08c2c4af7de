import Crypto
import Foundation

/// Why a signed note, key or signature was rejected.
public enum NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidKeyName(String)
    case malformedVerifierKey(String)
    case unsupportedAlgorithm(UInt8)
    case keyIDMismatch
    case invalidText(String)
    case malformedNote(String)
    case noSignatureByKey(String)
    case invalidSignature(String)

    public var description: String {
        switch self {
        case .invalidKeyName(let name): "invalid key name \(String(reflecting: name)): it must be non-empty and contain no spaces or '+'"
        case .malformedVerifierKey(let why): "malformed verifier key: \(why)"
        case .unsupportedAlgorithm(let type):
            "unsupported key type 0x\(Hex.encode([type])) here (an Ed25519 note key is 0x01, an Ed25519 cosigner key 0x04)"
        case .keyIDMismatch: "verifier key ID does not match its name and public key"
        case .invalidText(let why): "invalid note text: \(why)"
        case .malformedNote(let why): "malformed signed note: \(why)"
        case .noSignatureByKey(let name): "the note carries no signature by key \(name)"
        case .invalidSignature(let name): "the signature by key \(name) does not verify"
        }
    }
}

/// C2SP signed-note key identity shared by signers and verifiers (c2sp.org/signed-note).
public enum NoteKey {
    /// The Ed25519 signature type byte.
    public static let ed25519: UInt8 = 0x01

    /// First four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ type ‖ public key).
    public static func keyID(name: String, type: UInt8 = ed25519, publicKey: [UInt8]) -> UInt32 {
        let digest = Hash.sha256(Array(name.utf8) + [0x0a, type] + publicKey).bytes
        return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A key name is non-empty, has no Unicode whitespace and no '+'.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// Parses `<name>+<hex key ID>+<base64(type ‖ 32-byte Ed25519 public key)>`, a verifier
    /// key of `type` (0x01: a note signer; 0x04: a cosigner), and checks its key ID.
    static func parse(verifierKey text: String, type expected: UInt8) throws(NoteError) -> (String, UInt32, [UInt8]) {
        // Split at the first two '+' only: base64 may contain '+'.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedVerifierKey("expected <name>+<key ID>+<key>") }
        let name = String(parts[0])
        guard isValidName(name) else { throw .invalidKeyName(name) }
        guard parts[1].utf8.count == 8, let idBytes = Hex.decode(String(parts[1])), String(parts[1]) == Hex.encode(idBytes) else {
            throw .malformedVerifierKey("the key ID must be 8 lowercase hex digits")
        }
        guard let raw = Base64.decode(String(parts[2])), let type = raw.first else {
            throw .malformedVerifierKey("the key must be base64 of the type byte and the public key")
        }
        guard type == expected else { throw .unsupportedAlgorithm(type) }
        guard raw.count == 33 else { throw .malformedVerifierKey("an Ed25519 public key has 32 bytes") }
        let key = Array(raw.dropFirst())
        let id = idBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard keyID(name: name, type: type, publicKey: key) == id else { throw .keyIDMismatch }
        return (name, id, key)
    }

    static func keyIDBytes(_ id: UInt32) -> [UInt8] {
        [UInt8(id >> 24 & 0xff), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)]
    }

    static func hex8(_ id: UInt32) -> String { Hex.encode(keyIDBytes(id)) }
}

/// Signs note text with an Ed25519 key under a key name.
public struct NoteSigner: Sendable {
    /// The key name, e.g. the log origin.
    public let name: String
    /// The key ID derived from the name and public key.
    public let keyID: UInt32
    private let key: Curve25519.Signing.PrivateKey

    /// A signer over an existing private key.
    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws(NoteError) {
        guard NoteKey.isValidName(name) else { throw .invalidKeyName(name) }
        self.name = name
        self.key = privateKey
        self.keyID = NoteKey.keyID(name: name, publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The verifier key text `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`.
    public var verifierKey: String {
        "\(name)+\(NoteKey.hex8(keyID))+\(Base64.encode([NoteKey.ed25519] + Array(key.publicKey.rawRepresentation)))"
    }

    /// Signs `text` (which must end in a newline) and returns the signed note.
    public func sign(_ text: String) throws -> String {
        try SignedNote.validate(text: text)
        let signature = try key.signature(for: Array(text.utf8))
        return text + "\n" + SignedNote.signatureLine(name: name, keyID: keyID, signature: Array(signature))
    }
}

/// Checks note signatures made by one Ed25519 key.
public struct NoteVerifier: Sendable, Equatable {
    /// The key name.
    public let name: String
    /// The key ID.
    public let keyID: UInt32
    /// The raw 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// Parses verifier key text `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`.
    public init(verifierKey text: String) throws(NoteError) {
        (name, keyID, publicKey) = try NoteKey.parse(verifierKey: text, type: NoteKey.ed25519)
    }

    /// The verifier key text it was parsed from.
    public var verifierKey: String { "\(name)+\(NoteKey.hex8(keyID))+\(Base64.encode([NoteKey.ed25519] + publicKey))" }

    func isValid(signature: [UInt8], text: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Array(text.utf8))
    }
}

/// A parsed signed note: its text and its signature lines.
public struct SignedNote: Sendable, Equatable {
    /// One signature line.
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyID: UInt32
        public let bytes: [UInt8]
    }

    /// The signed text, ending in a newline.
    public let text: String
    /// The signatures, in note order.
    public let signatures: [Signature]

    /// Parses a signed note; it does not check any signature.
    public init(parsing note: String) throws(NoteError) {
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw .malformedNote("no blank line between text and signatures")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        do { try Self.validate(text: text) } catch { throw .malformedNote("\(error)") }
        let block = note[split.upperBound...]
        guard block.hasSuffix("\n") else { throw .malformedNote("the signature block must end in a newline") }
        var signatures: [Signature] = []
        for line in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("— ") else { throw .malformedNote("a signature line must start with an em dash and a space") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, NoteKey.isValidName(String(fields[0])) else {
                throw .malformedNote("a signature line is \"— <key name> <base64 signature>\"")
            }
            guard let raw = Base64.decode(String(fields[1])), raw.count >= 5 else {
                throw .malformedNote("a signature must be base64 of a 4-byte key ID and the signature")
            }
            let id = raw[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(Signature(name: String(fields[0]), keyID: id, bytes: Array(raw.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw .malformedNote("no signature lines") }
        guard signatures.count <= 100 else { throw .malformedNote("more than 100 signatures") }
        self.text = text
        self.signatures = signatures
    }

    /// The note text if it carries a valid signature by `verifier`'s key.
    public func verified(by verifier: NoteVerifier) throws(NoteError) -> String {
        let mine = signatures.filter { $0.name == verifier.name && $0.keyID == verifier.keyID }
        guard !mine.isEmpty else { throw .noSignatureByKey(verifier.name) }
        guard mine.allSatisfy({ verifier.isValid(signature: $0.bytes, text: text) }) else {
            throw .invalidSignature(verifier.name)
        }
        return text
    }

    /// Note text is UTF-8, non-empty, ends in a newline and has no control characters but newline.
    static func validate(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw .invalidText("it must end in a newline") }
        guard !text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7f }) else {
            throw .invalidText("it must not contain control characters other than newline")
        }
    }

    static func signatureLine(name: String, keyID: UInt32, signature: [UInt8]) -> String {
        "— \(name) \(Base64.encode(NoteKey.keyIDBytes(keyID) + signature))\n"
    }
}
