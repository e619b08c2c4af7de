import Crypto

/// Seals secrets at rest (environment signing keys, webhook signing secrets) with the
/// server's 32-byte master keys: AES-256-GCM.
///
/// A sealed value is text, `v2.<key id>.<base64 of nonce ‖ ciphertext ‖ tag>`, and its
/// associated data names the row it belongs to (``Binding``): a value copied into
/// another row does not open there. The key id (16 hex digits of SHA-256 over the key)
/// names the master key that sealed it, so a key ring can hold retired keys that still
/// open old values while new ones are sealed with the current key (README, "Rotating
/// keys").
///
/// Values sealed before the key ring (``SealedFormat/legacy``: bare base64, no associated
/// data) still open, with any key of the ring, until the server re-seals them at start-up.
public struct KeySealer: Sendable {
    /// The key new values are sealed with.
    public let currentKeyID: String
    private let current: SymmetricKey
    /// Every key that opens values, current first, by key id.
    private let keys: [(id: String, key: SymmetricKey)]

    /// Why a master key or sealed value was rejected.
    public enum SealError: Error, Equatable, Sendable {
        case badMasterKey
        case cannotOpen
        /// Sealed by a key the ring does not hold (a retired key was dropped too early).
        case unknownKey(String)
    }

    /// What a sealed value belongs to: its associated data.
    public struct Binding: Sendable, Equatable {
        let text: String
        /// The signing key of the environment `environmentID`.
        public static func signingKey(environmentID: String) -> Binding { Binding(text: "environment-signing-key:" + environmentID) }
        /// The signing key of the server log (docs/witnesses.md).
        public static let serverLogKey = Binding(text: "server-log-signing-key")
        /// A signing secret (current or previous) of the webhook endpoint `endpointID`.
        public static func webhookSecret(endpointID: String) -> Binding { Binding(text: "webhook-secret:" + endpointID) }
    }

    /// A sealer over a key ring: `masterKeys[0]` seals, every key opens. Each is 32 bytes.
    public init(masterKeys: [[UInt8]]) throws(SealError) {
        guard let first = masterKeys.first, masterKeys.allSatisfy({ $0.count == 32 }) else { throw .badMasterKey }
        keys = masterKeys.map { (Self.keyID($0), SymmetricKey(data: $0)) }
        current = SymmetricKey(data: first)
        currentKeyID = Self.keyID(first)
    }

    /// A sealer over one key.
    public init(masterKey: [UInt8]) throws(SealError) {
        try self.init(masterKeys: [masterKey])
    }

    /// The id of a master key: 16 hex digits of SHA-256 over "pacspace-master-key\n" ‖ key.
    public static func keyID(_ key: [UInt8]) -> String {
        String(Hex.encode(Array(SHA256.hash(data: Array("pacspace-master-key\n".utf8) + key))).prefix(16))
    }

    /// Encrypts and authenticates `plaintext` for the row `binding` names.
    public func seal(_ plaintext: [UInt8], for binding: Binding) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: current, authenticating: Array(binding.text.utf8))
        guard let combined = box.combined else { throw SealError.cannotOpen }
        return "v2." + currentKeyID + "." + Base64.encode(Array(combined))
    }

    /// Decrypts a sealed value of the row `binding` names; throws if it was altered, moved
    /// from another row, or sealed under a key the ring does not hold.
    public func open(_ sealed: String, for binding: Binding) throws(SealError) -> [UInt8] {
        switch SealedFormat(sealed) {
        case .current(let keyID, let bytes):
            guard let key = keys.first(where: { $0.id == keyID })?.key else { throw .unknownKey(keyID) }
            return try Self.open(bytes, key, Array(binding.text.utf8))
        case .legacy(let bytes):
            for (_, key) in keys {
                if let plaintext = try? Self.open(bytes, key, nil) { return plaintext }
            }
            throw .cannotOpen
        case .malformed:
            throw .cannotOpen
        }
    }

    private static func open(_ bytes: [UInt8], _ key: SymmetricKey, _ associated: [UInt8]?) throws(SealError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: bytes)
            if let associated { return Array(try AES.GCM.open(box, using: key, authenticating: associated)) }
            return Array(try AES.GCM.open(box, using: key))
        } catch {
            throw .cannotOpen
        }
    }
}

/// The stored forms of a sealed value.
public enum SealedFormat: Equatable, Sendable {
    /// `v2.<key id>.<base64>`, sealed with associated data.
    case current(keyID: String, bytes: [UInt8])
    /// Bare base64 as written before the key ring, without associated data.
    case legacy(bytes: [UInt8])
    case malformed

    public init(_ text: String) {
        if text.hasPrefix("v2.") {
            let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1].count == 16, let bytes = Base64.decode(String(parts[2])) else {
                self = .malformed
                return
            }
            self = .current(keyID: String(parts[1]), bytes: bytes)
        } else if let bytes = Base64.decode(text) {
            self = .legacy(bytes: bytes)
        } else {
            self = .malformed
        }
    }

    /// The key id of a current-format value; nil for legacy or malformed ones.
    public var keyID: String? {
        if case .current(let keyID, _) = self { return keyID }
        return nil
    }
}
