import Crypto
import Foundation
import PacSpaceCore

/// Where a `pacspace witness` keeps everything (docs/witnesses.md, "pacspace witness"):
///
/// - `name`: its cosigner name;
/// - `witness.key`: its Ed25519 seed, 64 hex digits, readable by its owner only;
/// - `logs`: the logs it follows, one `<origin> <verifier key>` per line;
/// - `views/<SHA-256 of the origin, hex>`: per log, the latest checkpoint it cosigned
///   (`origin`, `size`, `root`, `time` lines), replaced durably before each answer.
public struct WitnessDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Why the directory cannot be used, in words for the operator.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    private var namePath: String { path + "/name" }
    private var keyPath: String { path + "/witness.key" }
    private var logsPath: String { path + "/logs" }
    private var viewsPath: String { path + "/views" }

    /// Makes a witness named `name` with a new key, unless the directory has one; returns its vkey.
    public func initialise(name: String) throws -> String {
        if FileManager.default.fileExists(atPath: keyPath) {
            let signer = try self.signer()
            guard signer.name == name else {
                throw Refusal(description: "\(path) already holds the witness \(signer.name); a new name is a new witness: use another directory")
            }
            return signer.verifierKey
        }
        guard NoteKey.isValidName(name) else { throw Refusal(description: "\(name) is not a key name (no spaces, no '+')") }
        try FileManager.default.createDirectory(atPath: viewsPath, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        try DurableFile.write(Array((name + "\n").utf8), to: namePath, mode: 0o644)
        try DurableFile.write(Array((Hex.encode(key.rawRepresentation) + "\n").utf8), to: keyPath, mode: 0o600)
        if !FileManager.default.fileExists(atPath: logsPath) { try DurableFile.write([], to: logsPath, mode: 0o644) }
        return try Cosignature.Signer(name: name, privateKey: key).verifierKey
    }

    /// The witness's signer; refuses a key file others may read.
    public func signer() throws -> Cosignature.Signer {
        guard let name = read(namePath)?.split(separator: "\n").first, let seed = read(keyPath).flatMap({ Hex.decode($0.trimmed) }),
            seed.count == 32
        else {
            throw Refusal(description: "\(path) is not a witness directory: run pacspace witness init first")
        }
        let mode = ((try? FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions]) as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else { throw Refusal(description: "\(keyPath) may be read by others (mode \(String(mode, radix: 8))): chmod 600 it") }
        do { return try Cosignature.Signer(name: String(name), privateKey: try .init(rawRepresentation: seed)) } catch {
            throw Refusal(description: "\(keyPath) is not an Ed25519 seed: \(error)")
        }
    }

    /// The logs followed: origin → the keys trusted for it.
    public func logs() throws -> [String: [NoteVerifier]] {
        var logs: [String: [NoteVerifier]] = [:]
        for line in (read(logsPath) ?? "").split(separator: "\n") where !line.isEmpty {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let verifier = try? NoteVerifier(verifierKey: String(fields[1])), verifier.name == String(fields[0]) else {
                throw Refusal(description: "\(logsPath): a line is not <origin> <verifier key named by the origin>")
            }
            logs[verifier.name, default: []].append(verifier)
        }
        return logs
    }

    /// Follows the log of `verifierKey` (its name is the log's origin); a second key of one
    /// origin is kept beside the first (a rotation).
    public func addLog(verifierKey: String) throws -> String {
        let verifier: NoteVerifier
        do { verifier = try NoteVerifier(verifierKey: verifierKey) } catch { throw Refusal(description: "the log key: \(error)") }
        _ = try signer()
        var lines = (read(logsPath) ?? "").split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let line = verifier.name + " " + verifierKey
        if !lines.contains(line) { lines.append(line) }
        try DurableFile.write(Array(lines.map { $0 + "\n" }.joined().utf8), to: logsPath, mode: 0o644)
        return verifier.name
    }

    /// A log's view and the time of its last cosignature, as stored.
    public struct StoredView: Sendable, Equatable {
        public let view: WitnessCheck.View
        public let time: UInt64
    }

    /// Every stored view, by origin.
    public func views() throws -> [String: StoredView] {
        var views: [String: StoredView] = [:]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: viewsPath)) ?? [] where !file.hasSuffix(".partial") {
            let lines = (read(viewsPath + "/" + file) ?? "").split(separator: "\n").map(String.init)
            guard lines.count == 4, let size = UInt64(lines[1]), let root = Hash(base64: lines[2]), let time = UInt64(lines[3]),
                Hex.encode(Hash.sha256(Array(lines[0].utf8)).bytes) == file
            else { throw Refusal(description: "\(viewsPath)/\(file) is damaged: the witness cannot know what it cosigned; restore it") }
            views[lines[0]] = StoredView(view: WitnessCheck.View(size: size, root: root), time: time)
        }
        return views
    }

    /// Replaces the stored view of `origin`, durably.
    func store(_ view: StoredView, of origin: String) throws {
        let text = "\(origin)\n\(view.view.size)\n\(view.view.root.base64)\n\(view.time)\n"
        try DurableFile.write(Array(text.utf8), to: viewsPath + "/" + Hex.encode(Hash.sha256(Array(origin.utf8)).bytes))
    }

    private func read(_ file: String) -> String? {
        FileManager.default.contents(atPath: file).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
