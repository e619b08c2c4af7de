import Foundation
import NIOSSL
import PostgresNIO

/// libpq's `sslmode`, each value with libpq's meaning (PostgreSQL documentation, 34.19.1
/// "Protection Provided in Different Modes"), so that a `DATABASE_URL` that works with
/// `psql` means the same here. An unknown value is refused, never read as "no TLS".
///
/// PostgresNIO offers three behaviours (no TLS, TLS with fallback to plaintext, TLS only),
/// and certificate checks come from NIOSSL's `TLSConfiguration`:
///
/// | sslmode       | TLS                         | certificate checked           |
/// |---------------|-----------------------------|-------------------------------|
/// | `disable`     | never                       | –                             |
/// | `allow`       | tried, plaintext if refused | no                            |
/// | `prefer` (default, as in libpq) | tried, plaintext if refused | no          |
/// | `require`     | always                      | no; with `sslrootcert`, the chain (as libpq) |
/// | `verify-ca`   | always                      | the chain, not the host name  |
/// | `verify-full` | always                      | the chain and the host name   |
///
/// `allow` asks libpq to try plaintext first and TLS second; PostgresNIO can only try TLS
/// first, which reaches the same servers and encrypts more often, so `allow` behaves like
/// `prefer`. `sslrootcert` names a PEM file of trusted roots (`system`: the system's, the
/// default for the verifying modes).
public enum PostgresSSLMode: String, CaseIterable, Sendable {
    case disable
    case allow
    case prefer
    case require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"

    /// The mode a URL names, `prefer` when it names none.
    public init(_ text: String?) throws(DatabaseError) {
        guard let text else {
            self = .prefer
            return
        }
        guard let mode = Self(rawValue: text) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidURL("sslmode \(text) is not one of \(known)")
        }
        self = mode
    }

    /// What the mode asks of the connection; `rootCertificate` is the URL's `sslrootcert`.
    public func tls(rootCertificate: String?) throws(DatabaseError) -> PostgresClient.Configuration.TLS {
        switch self {
        case .disable:
            return .disable
        case .allow, .prefer:
            return .prefer(try configuration(verifying: .none, rootCertificate: nil))
        case .require:
            return .require(try configuration(verifying: rootCertificate == nil ? .none : .noHostnameVerification, rootCertificate: rootCertificate))
        case .verifyCA:
            return .require(try configuration(verifying: .noHostnameVerification, rootCertificate: rootCertificate))
        case .verifyFull:
            return .require(try configuration(verifying: .fullVerification, rootCertificate: rootCertificate))
        }
    }

    private func configuration(verifying: CertificateVerification, rootCertificate: String?) throws(DatabaseError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = verifying
        if let rootCertificate, rootCertificate != "system" {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw .invalidURL("sslrootcert \(rootCertificate) is not a readable file")
            }
            configuration.trustRoots = .file(rootCertificate)
        }
        return configuration
    }
}
