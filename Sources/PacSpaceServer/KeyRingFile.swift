import Foundation
import PacSpaceCore

/// A key file of the data directory (`master.key`, `jwt.key`): one key per line in hex,
/// the current key first, then retired keys that still open (verify) what they sealed
/// (signed). A file of one line, as every earlier version wrote, is a ring of one.
///
/// Written whole to a temporary file, fsynced, renamed into place and the directory
/// fsynced: a crash leaves the old ring or the new one, never half of one — losing a key
/// would lose every value sealed with it.
public struct KeyRingFile: Sendable {
    /// The two rings.
    public enum Ring: String, Sendable, CaseIterable {
        /// Seals signing keys and webhook secrets (``KeySealer``).
        case master
        /// Signs dashboard access tokens (HS256).
        case jwt

        public var fileName: String { self == .master ? "master.key" : "jwt.key" }
        /// The variable that replaces the file (its retired keys: the same name + `_RETIRED`).
        public var environmentVariable: String { self == .master ? "PACSPACE_MASTER_KEY" : "PACSPACE_JWT_SECRET" }
        /// The id a key is known by: in sealed values (master) or the tokens' `kid` (jwt).
        public func keyID(_ key: [UInt8]) -> String { self == .master ? KeySealer.keyID(key) : AccessTokens.keyID(key) }
    }

    public let path: String
    /// The size of each key: 32 bytes for both rings.
    public let keyBytes = 32

    public init(_ ring: Ring, in directory: String) {
        self.path = (directory as NSString).appendingPathComponent(ring.fileName)
    }

    /// The ring, current key first; nil when the file does not exist.
    public func read() throws -> [[UInt8]]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let keys = lines.compactMap { Hex.decode($0) }.filter { $0.count == keyBytes }
        guard !keys.isEmpty, keys.count == lines.count else {
            throw ConfigurationError("\(path) is damaged: it must hold \(keyBytes)-byte keys as hex, one per line, the current one first")
        }
        return keys
    }

    /// Replaces the ring (mode 0600).
    public func write(_ keys: [[UInt8]]) throws {
        let temporary = path + ".partial"
        let bytes = Array(keys.map { Hex.encode($0) + "\n" }.joined().utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw ConfigurationError("cannot write \(temporary)") }
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ConfigurationError("cannot write \(path)")
        }
        let parent = (path as NSString).deletingLastPathComponent
        let directory = open(parent.isEmpty ? "." : parent, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
