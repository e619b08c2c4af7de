import Crypto
import PacSpaceCore

/// Links to the public verification page (docs/verification.md, "The verification page").
///
/// Anyone holding an id sees what the log proves of it — hashes, amounts, times. What was
/// recorded (customer, reason, metadata; for a period, its scope and every record) shows
/// only through a link that carries `k`, a MAC of the id, which the API hands the provider
/// (`verifyUrl`) to pass on to its customer; or, for one delta, through its record id,
/// the random value that blinds its content hash. `k` is HMAC-SHA256 under a key derived
/// from the master key (HKDF, its own label), cut to 128 bits and written as 32 hex digits: stateless, and a link
/// keeps working while its master key stays in the ring (`pacspace keys retire` ends it).
struct VerifyLinks: Sendable {
    let publicURL: String
    /// Current key first, then the retired ones.
    private let keys: [SymmetricKey]

    init(publicURL: String, masterKeys: [[UInt8]]) {
        self.publicURL = publicURL
        keys = masterKeys.map {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: $0),
                info: Array("pacspace verify-link v1".utf8),
                outputByteCount: 32
            )
        }
    }

    /// The page of `id` for anyone: the public facts and the proof.
    func publicPage(_ id: String) -> String { "\(publicURL)/verify/\(id)" }

    /// A record entry's verification page: for a plaintext entry the one that also shows what
    /// was recorded; an encrypted entry's page shows only its proof (the server cannot read it).
    func page(of entry: RecordEntry) -> String { entry.envelopes == nil ? disclosingPage(entry.entryID) : publicPage(entry.entryID) }

    /// The page of `id` that also shows what was recorded.
    func disclosingPage(_ id: String) -> String { "\(publicURL)/verify/\(id)?k=\(token(for: id))" }

    /// `k` for `id` under the current key.
    func token(for id: String) -> String {
        keys.first.map { Hex.encode(mac(id, $0)) } ?? ""
    }

    /// Whether `token` is `k` for `id` under any key of the ring (constant time per key).
    func opens(_ token: String?, for id: String) -> Bool {
        guard let token, token.utf8.count == 32, let given = Hex.decode(token) else { return false }
        var opened = false
        for key in keys where ConstantTime.equals(given, mac(id, key)) { opened = true }
        return opened
    }

    private func mac(_ id: String, _ key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(id.utf8), using: key).prefix(16))
    }
}
