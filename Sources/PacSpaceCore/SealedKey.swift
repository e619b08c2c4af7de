import Crypto

/// Seals secrets at rest (environment signing keys) with the server's 32-byte master
/// key: AES-256-GCM, stored as nonce ‖ ciphertext ‖ tag.
public struct KeySealer: Sendable {
    private let key: SymmetricKey

    /// Why a master key or sealed box was rejected.
    public enum SealError: Error, Equatable, Sendable {
        case badMasterKey
        case cannotOpen
    }

    /// A sealer over a 32-byte master key.
    public init(masterKey: [UInt8]) throws(SealError) {
        guard masterKey.count == 32 else { throw .badMasterKey }
        self.key = SymmetricKey(data: masterKey)
    }

    /// Encrypts and authenticates `plaintext`.
    public func seal(_ plaintext: [UInt8]) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else { throw SealError.cannotOpen }
        return Array(combined)
    }

    /// Decrypts a sealed box; throws if it was altered or sealed under another key.
    public func open(_ sealed: [UInt8]) throws(SealError) -> [UInt8] {
        do {
            return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key))
        } catch {
            throw .cannotOpen
        }
    }
}
