import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Synchronization
import Testing

/// Grants on records (issue 15, docs/records.md "Grants"): a grant reaches only its record,
/// only for its holder, in an environment of the reader's kind; it counts uses, expires and
/// stops at revocation.
@Suite struct RecordGrantsTests {
    static let grantHeader = HTTPField.Name("X-PacSpace-Grant") ?? .via

    @Test(arguments: Backend.all)
    func aTenantBoundGrantReachesOnlyItsRecordForItsTenant(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let owner = try await api.account()
            let ownerKey = try await api.apiKey(owner)
            let reader = try await api.account()
            let readerKey = try await api.apiKey(reader)
            let readerLive = try await api.apiKey(reader, environment: "mainnet")
            let stranger = try await api.apiKey(try await api.account())
            for record in ["shared", "private"] {
                _ = try await api.record(
                    .post,
                    "machine-action-record/\(record)/transitions",
                    key: ownerKey,
                    body: RecordsTests.entry(title: "\(record) title")
                )
            }
            _ = try await api.waitForRecordEntry("private", seq: 0, key: ownerKey)
            let made = try await api.record(
                .post,
                "machine-action-record/shared/grants",
                key: ownerKey,
                body: #"{"kind":"TENANT_BOUND","counterpartyTenantId":"\#(reader.tenantID)","maxUses":3,"label":"auditor"}"#
            )
            #expect(made.status == .created && made.data["token"] == nil && made.data["status"] == .string("ACTIVE"), "\(made.text)")
            let grant = try #require(made.data["grantId"]?.string)
            func read(_ path: String, _ key: String, grant: String? = grant) async throws -> Reply {
                var headers = HTTPFields()
                if let grant { headers[Self.grantHeader] = grant }
                return try await api.keyed(.get, "/api/v1/records/machine-action-record/" + path, key: key, headers: headers)
            }
            let history = try await read("shared/history", readerKey)
            #expect(history.status == .ok && history.text.contains("shared title"), "\(history.text)")
            // Not another record of the owner, not without the grant, not for another tenant or environment.
            #expect(try await read("private/history", readerKey).errorCode == "GRANT_NOT_FOUND")
            #expect(try await read("shared/history", readerKey, grant: nil).errorCode == "RECORD_NOT_FOUND")
            #expect(try await read("shared/history", stranger).errorCode == "GRANT_NOT_FOUND")
            #expect(try await read("shared/history", readerLive).errorCode == "GRANT_NOT_FOUND")
            #expect(try await read("shared/history", readerKey, grant: "grt_doesnotexist").errorCode == "GRANT_NOT_FOUND")
            // Uses are counted: three in all, then refused.
            #expect(try await read("shared/receipts/0", readerKey).status == .ok)
            #expect(try await read("shared/bundle", readerKey).status == .ok)
            let exhausted = try await read("shared/history", readerKey)
            #expect(exhausted.status == .forbidden && exhausted.errorCode == "GRANT_EXHAUSTED")
            // The owner sees the grant with its uses; the reader cannot list or revoke it.
            let listed = try await api.record(.get, "machine-action-record/shared/grants", key: ownerKey)
            #expect(listed.data["grants"]?.arrayValue?.first?["uses"] == .number("3"))
            #expect(try await api.record(.get, "machine-action-record/shared/grants", key: readerKey).errorCode == "RECORD_NOT_FOUND")
            #expect(
                try await api.record(.post, "machine-action-record/shared/grants/\(grant)/revoke", key: readerKey, body: "{}").status == .notFound
            )
            // A tenant cannot grant to itself, nor a LINK name a tenant.
            let own = #"{"kind":"TENANT_BOUND","counterpartyTenantId":"\#(owner.tenantID)"}"#
            #expect(try await api.record(.post, "machine-action-record/shared/grants", key: ownerKey, body: own).status == .badRequest)
            let mixed = #"{"kind":"LINK","counterpartyTenantId":"\#(reader.tenantID)"}"#
            #expect(try await api.record(.post, "machine-action-record/shared/grants", key: ownerKey, body: mixed).status == .badRequest)
        }
    }

    @Test func aLinkGrantIsABearerTokenThatExpiresAndStopsAtRevocation() async throws {
        var server = TestServer()
        let offset = Mutex<Int64>(0)
        server.configuration.now = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) + offset.withLock { $0 } }
        try await server.run { api in
            let ownerKey = try await api.apiKey(try await api.account())
            let readerKey = try await api.apiKey(try await api.account())
            _ = try await api.record(
                .post,
                "machine-action-record/linked/transitions",
                key: ownerKey,
                body: RecordsTests.entry(title: "linked title")
            )
            let made = try await api.record(
                .post,
                "machine-action-record/linked/grants",
                key: ownerKey,
                body: #"{"kind":"LINK","recipientEmail":"cfo@example.com","ttlHours":1,"authorizes":["history"]}"#
            )
            let token = try #require(made.data["token"]?.string)
            #expect(token.hasPrefix("pgr_") && made.data["expiresAt"]?.string != nil)
            func read(_ path: String, _ presented: String) async throws -> Reply {
                try await api.keyed(.get, "/api/v1/records/machine-action-record/" + path, key: readerKey, headers: [Self.grantHeader: presented])
            }
            #expect(try await read("linked/history", token).status == .ok)
            #expect(try await read("linked/receipts/0", token).errorCode == "GRANT_NOT_AUTHORIZED")
            let altered = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
            #expect(try await read("linked/history", altered).errorCode == "GRANT_NOT_FOUND")
            // Never stored in clear: the list does not carry it.
            #expect(!(try await api.record(.get, "machine-action-record/linked/grants", key: ownerKey)).text.contains(token))
            // An hour later it has expired.
            offset.withLock { $0 = 3_600_001 }
            #expect(try await read("linked/history", token).errorCode == "GRANT_EXPIRED")
            // Revoked: refused at once (a second grant, the clock stays where it is).
            let second = try await api.record(.post, "machine-action-record/linked/grants", key: ownerKey, body: #"{"kind":"LINK"}"#)
            let secondToken = try #require(second.data["token"]?.string)
            #expect(try await read("linked/history", secondToken).status == .ok)
            let grant = try #require(second.data["grantId"]?.string)
            let revoked = try await api.record(.post, "machine-action-record/linked/grants/\(grant)/revoke", key: ownerKey, body: "{}")
            #expect(revoked.data["status"] == .string("REVOKED"))
            let afterRevoke = try await read("linked/history", secondToken)
            #expect(afterRevoke.errorCode == "GRANT_REVOKED", "\(afterRevoke.text)")
        }
    }
}

extension JSONValue {
    /// The items of an array; nil for anything else.
    var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
}
