import Crypto

/// A witness's Ed25519 cosignature of a checkpoint (c2sp.org/tlog-cosignature, "cosignature/v1"):
/// a signed-note signature line `— <name> base64(key ID ‖ timestamp ‖ signature)`, where the
/// key ID is `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]`, the timestamp is 8 bytes
/// big-endian (POSIX seconds), and the signature covers
///
///     cosignature/v1
///     time <timestamp>
///     <the checkpoint's note text, final newline included>
///
/// A witness's verifier key (its vkey) is `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`.
public enum Cosignature {
    /// The vkey type byte of an Ed25519 cosigner.
    public static let keyType: UInt8 = 0x04

    /// A cosigner's identity, from its vkey.
    public struct Cosigner: Sendable, Equatable {
        public let name: String
        public let keyID: UInt32
        public let publicKey: [UInt8]

        /// Parses `<name>+<hex key ID>+<base64(0x04 ‖ 32-byte public key)>`.
        public init(verifierKey text: String) throws(NoteError) {
            (name, keyID, publicKey) = try NoteKey.parse(verifierKey: text, type: Cosignature.keyType)
        }

        /// Its vkey text, `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`.
        public var verifierKey: String {
            "\(name)+\(NoteKey.hex8(keyID))+\(Base64.encode([Cosignature.keyType] + publicKey))"
        }

        /// The time a cosignature line of this cosigner states, if it is one of its lines and
        /// its signature over `checkpoint` (the note text, final newline included) verifies.
        public func timestamp(of line: String, cosigning checkpoint: String) -> UInt64? {
            let trimmed = line.hasSuffix("\n") ? String(line.dropLast()) : line
            guard trimmed.hasPrefix("— ") else { return nil }
            let fields = trimmed.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, fields[0] == name, let raw = Base64.decode(String(fields[1])), raw.count == 4 + 8 + 64 else { return nil }
            guard raw[0..<4].reduce(UInt32(0), { $0 << 8 | UInt32($1) }) == keyID else { return nil }
            let time = raw[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard time <= UInt64(Int64.max), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
                key.isValidSignature(Array(raw[12...]), for: Cosignature.message(checkpoint, time: time))
            else { return nil }
            return time
        }
    }

    /// The signed message: the header, the time line, the checkpoint's note text.
    static func message(_ checkpoint: String, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n".utf8) + Array(checkpoint.utf8)
    }

    /// A cosigner's key: what `pacspace witness` signs with.
    public struct Signer: Sendable {
        public let name: String
        let key: Curve25519.Signing.PrivateKey

        public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws(NoteError) {
            guard NoteKey.isValidName(name) else { throw .invalidKeyName(name) }
            self.name = name
            key = privateKey
        }

        public var keyID: UInt32 { NoteKey.keyID(name: name, type: Cosignature.keyType, publicKey: Array(key.publicKey.rawRepresentation)) }

        /// `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`.
        public var verifierKey: String {
            "\(name)+\(NoteKey.hex8(keyID))+\(Base64.encode([Cosignature.keyType] + Array(key.publicKey.rawRepresentation)))"
        }

        /// The cosignature line of `checkpoint` (its note text) at `time`.
        public func cosign(_ checkpoint: String, time: UInt64) throws -> String {
            let signature = try key.signature(for: Cosignature.message(checkpoint, time: time))
            var stamp: [UInt8] = []
            for shift in stride(from: 56, through: 0, by: -8) { stamp.append(UInt8(truncatingIfNeeded: time >> UInt64(shift))) }
            return "— \(name) \(Base64.encode(NoteKey.keyIDBytes(keyID) + stamp + Array(signature)))\n"
        }
    }
}
