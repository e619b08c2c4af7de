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
            // A lifetime and a use count are whole numbers in their ranges, nothing else.
            for bad in [
                #""ttlHours":0"#, #""ttlHours":87601"#, #""ttlHours":"1""#, #""ttlHours":1.5"#, #""ttlHours":1e400"#,
                #""maxUses":0"#, #""maxUses":1000001"#, #""maxUses":-9223372036854775808"#,
            ] {
                let refused = try await api.record(
                    .post,
                    "machine-action-record/linked/grants",
                    key: ownerKey,
                    body: #"{"kind":"LINK","recipientEmail":"cfo@example.com","authorizes":["history"],\#(bad)}"#
                )
                #expect(refused.status == .badRequest && refused.errorCode == "VALIDATION_ERROR", "\(bad): \(refused.text)")
            }
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
            #expect(try await read("linked/grant-key", token).errorCode == "GRANT_EXPIRED")  // an ended grant serves no key either
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

    /// A grant on an encrypted record carries the record's key wrapped to its reader
    /// (docs/records.md, "Grant key wraps"): only a TENANT_BOUND grant, only on an encrypted
    /// record, only made to the reader's current identity; served to that reader alone.
    @Test(arguments: Backend.all)
    func aGrantKeyIsWrappedToItsReaderAndServedToItAlone(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let ownerKey = try await api.apiKey(try await api.account())
            let reader = try await api.account()
            let readerKey = try await api.apiKey(reader)
            let bare = try await api.account()  // no identity
            let strangerKey = try await api.apiKey(try await api.account())
            let workspace = String(reader.tenantID.dropFirst(4))
            _ = try await api.record(.put, "encryption/identity", key: readerKey, body: RecordKeysTests.identity(7))
            let sealed = RecordKeysTests.sealedEntry(kid: String(repeating: "a", count: 64))
            #expect(try await api.record(.post, "machine-action-record/sealed/transitions", key: ownerKey, body: sealed).status == .created)
            _ = try await api.record(.post, "machine-action-record/open/transitions", key: ownerKey, body: RecordsTests.entry(title: "plain"))
            func readerWrap(pinned: String = RecordKeysTests.publicKeyID(7), rkid: String = String(repeating: "c", count: 64)) -> String {
                #"{"pinnedId":"\#(pinned)","rkid":"\#(rkid)","wrap":\#(RecordKeysTests.wrap)}"#
            }
            func grant(_ record: String, _ body: String) async throws -> Reply {
                try await api.record(.post, "machine-action-record/\(record)/grants", key: ownerKey, body: body)
            }
            func made(_ reply: Reply) -> String { "\(reply.status.code) \(reply.errorCode ?? "")" }
            let bound = #""kind":"TENANT_BOUND","counterpartyTenantId":"\#(workspace)""#
            #expect(made(try await grant("sealed", #"{"kind":"LINK","readerWrap":\#(readerWrap())}"#)) == "400 VALIDATION_ERROR")
            #expect(made(try await grant("open", #"{\#(bound),"readerWrap":\#(readerWrap())}"#)) == "409 RECORD_ENCRYPTION_MISMATCH")
            let stale = readerWrap(pinned: RecordKeysTests.publicKeyID(8))
            #expect(made(try await grant("sealed", #"{\#(bound),"readerWrap":\#(stale)}"#)) == "409 RECORDS_PIN_CHANGED")
            let noIdentity = #"{"kind":"TENANT_BOUND","counterpartyTenantId":"\#(bare.tenantID)","readerWrap":\#(readerWrap())}"#
            #expect(made(try await grant("sealed", noIdentity)) == "404 RECORDS_IDENTITY_NOT_FOUND")
            let pin = RecordKeysTests.publicKeyID(7)
            let rkid = String(repeating: "c", count: 64)
            for malformed in [
                #""x""#, "{}", #"{"pinnedId":"\#(pin)","rkid":"C","wrap":{}}"#, #"{"pinnedId":"\#(pin)","rkid":"\#(rkid)","wrap":[]}"#,
                #"{"pinnedId":"\#(pin)","rkid":"\#(rkid)","wrap":{"ct":"\#(String(repeating: "A", count: 9_000))"}}"#,
            ] {
                #expect(made(try await grant("sealed", #"{\#(bound),"readerWrap":\#(malformed)}"#)) == "400 VALIDATION_ERROR", "\(malformed)")
            }
            for counterparty in ["tnt_", "TNT_\(workspace)", String(repeating: "a", count: 19), "tnt_" + workspace.uppercased()] {
                let body = #"{"kind":"TENANT_BOUND","counterpartyTenantId":"\#(counterparty)"}"#
                #expect(made(try await grant("sealed", body)) == "400 VALIDATION_ERROR", "\(counterparty)")
            }
            // A grant named by workspace id, with the key wrapped to the reader's identity.
            let created = try await grant("sealed", #"{\#(bound),"readerWrap":\#(readerWrap()),"maxUses":1}"#)
            #expect(created.status == .created && created.data["counterpartyTenantId"] == .string(reader.tenantID), "\(created.text)")
            #expect(
                created.data["counterpartyWorkspaceId"] == .string(workspace)
                    && created.data["readerWrap"]?["rkid"] == .string(String(repeating: "c", count: 64))
            )
            let grantID = try #require(created.data["grantId"]?.string)
            func key(_ apiKey: String, _ presented: String? = grantID, record: String = "sealed") async throws -> Reply {
                try await api.keyed(
                    .get,
                    "/api/v1/records/machine-action-record/\(record)/grant-key",
                    key: apiKey,
                    headers: presented.map { [Self.grantHeader: $0] } ?? [:]
                )
            }
            let served = try await key(readerKey)
            #expect(
                served.status == .ok && served.data["rkid"] == .string(String(repeating: "c", count: 64)) && served.data["wrap"]?["alg"] == "A256GCM"
            )
            #expect(try await key(strangerKey).errorCode == "GRANT_NOT_FOUND")
            #expect(try await key(ownerKey).errorCode == "GRANT_NOT_FOUND")
            #expect(try await key(readerKey, nil).errorCode == "GRANT_NOT_FOUND")
            #expect(try await key(readerKey, record: "open").errorCode == "GRANT_NOT_FOUND")
            // Its one use spent on a read, the key still opens what that read fetched.
            let history = try await api.keyed(
                .get,
                "/api/v1/records/machine-action-record/sealed/history",
                key: readerKey,
                headers: [Self.grantHeader: grantID]
            )
            #expect(history.status == .ok)
            #expect(try await key(readerKey).status == .ok)
            // A grant without a wrap, and a LINK, carry no key.
            let plain = try #require(try await grant("sealed", #"{\#(bound)}"#).data["grantId"]?.string)
            #expect(try await key(readerKey, plain).errorCode == "GRANT_KEY_NOT_FOUND")
            let token = try #require(try await grant("sealed", #"{"kind":"LINK"}"#).data["token"]?.string)
            #expect(try await key(readerKey, token).errorCode == "GRANT_KEY_NOT_FOUND")
            // The owner wraps again (a re-key); nobody else can, nor to a LINK or a revoked grant.
            func rewrap(_ id: String, _ body: String, as apiKey: String = ownerKey) async throws -> String {
                made(try await api.record(.put, "machine-action-record/sealed/grants/\(id)/key-wrap", key: apiKey, body: body))
            }
            let next = readerWrap(rkid: String(repeating: "d", count: 64))
            #expect(try await rewrap(plain, next) == "200 ")
            #expect(try await key(readerKey, plain).data["rkid"] == .string(String(repeating: "d", count: 64)))
            #expect(try await rewrap(plain, next, as: readerKey) == "404 RECORD_NOT_FOUND")
            #expect(try await rewrap(plain, stale) == "409 RECORDS_PIN_CHANGED")
            #expect(try await rewrap(plain, #"{"pinnedId":"x"}"#) == "400 VALIDATION_ERROR")
            #expect(try await rewrap(plain, #"{"other":1}"#) == "400 VALIDATION_ERROR")
            let link = try #require(try await grant("sealed", #"{"kind":"LINK"}"#).data["grantId"]?.string)
            #expect(try await rewrap(link, next) == "404 GRANT_NOT_FOUND")
            _ = try await api.record(.post, "machine-action-record/sealed/grants/\(plain)/revoke", key: ownerKey, body: "{}")
            #expect(try await rewrap(plain, next) == "404 GRANT_NOT_FOUND")
            #expect(try await key(readerKey, plain).errorCode == "GRANT_REVOKED")
        }
    }
}

extension JSONValue {
    /// The items of an array; nil for anything else.
    var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }

    /// The `index`th item of a list.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
