import Foundation
import Logging
import PacSpaceStore
import SQLKit
import Testing

/// `sslmode` in a `DATABASE_URL` means what it means to libpq, against a real PostgreSQL
/// with TLS on (scripts/postgres-start: a throwaway CA, `PACSPACE_PG_CA`, signs the
/// server's certificate for the name localhost).
@Suite struct PostgresTLSTests {
    static let environment = ProcessInfo.processInfo.environment
    static let server: (port: Int, authority: String)? = {
        guard let text = environment["PACSPACE_TEST_POSTGRES_URL"], let url = URLComponents(string: text), let port = url.port else { return nil }
        return (port, "\(url.user ?? "postgres")@")
    }()
    static let rootCertificate = environment["PACSPACE_PG_CA"] ?? ""
    static let withTLS = server != nil && !rootCertificate.isEmpty
    /// PostgresNIO logs each refused connection at info; the test reads the error instead.
    static let quiet: Logger = {
        var logger = Logger(label: "tls-test")
        logger.logLevel = .critical
        return logger
    }()

    /// The host, sslmode and sslrootcert of a connection, and whether it gets one (true or
    /// false: over TLS or not) or is refused (nil).
    struct Case: Sendable, CustomTestStringConvertible {
        let host: String
        let query: String
        let encrypted: Bool?
        var testDescription: String { "\(host)?\(query.isEmpty ? "(no sslmode)" : query)" }
    }

    static let cases: [Case] = [
        Case(host: "127.0.0.1", query: "sslmode=disable", encrypted: false),
        Case(host: "127.0.0.1", query: "", encrypted: true),  // libpq's default is prefer
        Case(host: "127.0.0.1", query: "sslmode=allow", encrypted: true),
        Case(host: "127.0.0.1", query: "sslmode=prefer", encrypted: true),
        // require encrypts but checks no certificate: the test CA is trusted nowhere.
        Case(host: "127.0.0.1", query: "sslmode=require", encrypted: true),
        // verify-ca checks the chain, not the name: the certificate names localhost only.
        Case(host: "127.0.0.1", query: "sslmode=verify-ca&sslrootcert=\(rootCertificate)", encrypted: true),
        Case(host: "127.0.0.1", query: "sslmode=verify-full&sslrootcert=\(rootCertificate)", encrypted: nil),
        Case(host: "localhost", query: "sslmode=verify-full&sslrootcert=\(rootCertificate)", encrypted: true),
        // Without the test CA the chain does not verify (the system's roots do not hold it).
        Case(host: "localhost", query: "sslmode=verify-full", encrypted: nil),
        Case(host: "localhost", query: "sslmode=verify-ca&sslrootcert=system", encrypted: nil),
        // require with a root certificate verifies the chain, as libpq does.
        Case(host: "127.0.0.1", query: "sslmode=require&sslrootcert=\(rootCertificate)", encrypted: true),
        Case(host: "127.0.0.1", query: "sslmode=require&sslrootcert=system", encrypted: nil),
    ]

    @Test(.enabled(if: withTLS), arguments: cases)
    func eachModeMeansWhatItMeansToLibpq(_ connection: Case) async throws {
        guard let server = Self.server else { return }
        let url = "postgres://\(server.authority)\(connection.host):\(server.port)/pacspace_test?\(connection.query)"
        let database = try Database.postgres(url: url, maximumConnections: 1, logger: Self.quiet)
        let pool = Task { try await database.run() }
        defer { pool.cancel() }
        do {
            let encrypted = try await database.read(timeout: .seconds(10)) { db in
                try await db.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first()?.decode(column: "ssl", as: Bool.self)
            }
            #expect(encrypted == connection.encrypted)
        } catch {
            #expect(connection.encrypted == nil, "refused: \(error)")
            #expect(error is DatabaseError, "\(error)")
        }
    }

    @Test func unknownModesAndUnreadableRootsAreRefused() {
        for query in ["sslmode=", "sslmode=REQUIRE", "sslmode=verify_full", "sslmode=true", "sslmode=require&sslrootcert=/nonexistent/ca.crt"] {
            #expect(throws: DatabaseError.self, "\(query)") {
                _ = try Database.postgres(url: "postgres://postgres@127.0.0.1:5432/db?\(query)", logger: Self.quiet)
            }
        }
        for mode in PostgresSSLMode.allCases {
            #expect(throws: Never.self) {
                _ = try Database.postgres(url: "postgres://postgres@127.0.0.1:5432/db?sslmode=\(mode.rawValue)", logger: Self.quiet)
            }
        }
    }
}
