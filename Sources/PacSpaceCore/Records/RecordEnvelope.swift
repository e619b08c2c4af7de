/// An encrypted entry's envelope (docs/records.md, "Encrypted entries"): the entry's
/// content and salt key, padded and sealed with AES-256-GCM under the record key by the
/// writer. The server holds no key; it checks the shape only, as every reader of the SDK
/// does first (`read_record_envelope_shape`), and stores the envelope as sent.
public struct RecordEnvelope: Sendable, Equatable {
    /// Plaintext is padded with spaces to a multiple of this many bytes before sealing.
    public static let padBlock = 256
    /// The most plaintext bytes one entry may seal (the SDK's `PLAINTEXT_MAX_BYTES`).
    public static let plaintextMaxBytes = 47_104
    static let ivBytes = 12
    static let tagBytes = 16
    /// The longest `ct` (base64url of the largest ciphertext, tag included).
    public static let ciphertextMaxCharacters = ((plaintextMaxBytes + tagBytes) * 4 + 2) / 3

    /// Why an envelope is refused.
    public enum Problem: Error, Sendable, Equatable {
        /// Not `{v: 1, alg: "A256GCM", kid, iv, ct}` with a 64-hex kid, a 12-byte IV and a
        /// ciphertext of whole pad blocks plus the tag, each canonical unpadded base64url.
        case malformed
        /// The ciphertext is longer than the largest entry seals to.
        case tooLarge
    }

    /// The id of the records key (the workspace's key version) the record key came from.
    public let kid: String
    /// The envelope as sent.
    public let json: JSONValue

    public init(_ value: JSONValue) throws(Problem) {
        guard case .object(let members) = value, members.count == 5,
            Set(members.map(\.0)) == ["v", "alg", "kid", "iv", "ct"],
            case .number(let version)? = value["v"], Double(version) == 1,
            value["alg"] == .string("A256GCM"),
            case .string(let kid)? = value["kid"], Self.isHex64(kid),
            case .string(let iv)? = value["iv"], case .string(let ciphertext)? = value["ct"]
        else { throw .malformed }
        guard ciphertext.utf8.count <= Self.ciphertextMaxCharacters else { throw .tooLarge }
        guard let ivBytes = Base64.decodeURL(iv), ivBytes.count == Self.ivBytes,
            let sealed = Base64.decodeURL(ciphertext)
        else { throw .malformed }
        let body = sealed.count - Self.tagBytes
        guard body > 0, body % Self.padBlock == 0 else { throw .malformed }
        self.kid = kid
        self.json = value
    }

    /// 64 lowercase hexadecimal digits: a key id or a digest without its `0x`.
    public static func isHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(RecordFormats.isLowerHex)
    }
}
