import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceServer
import Synchronization
import Testing

/// Shared Record links (issue 15, docs/records.md "Shared Record links") at their edges: the
/// access code (never in clear, limited per link and per address), what an owner may store,
/// and a link that ends — revoked or expired — serving nothing.
@Suite struct RecordLinksTests {
    /// A sealed disclosure's shape: 0x01, a 12-byte IV, one 4,096-byte block and the tag.
    static let envelope = Base64.encode([1] + [UInt8](repeating: 7, count: 12 + 4_096 + 16)).replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")

    static func verify(_ api: API, _ handle: String, _ code: String) async throws -> Reply {
        try await api.call(.post, "/api/v1/c/\(handle)/access/verify", body: #"{"factor":"ACCESS_HINT","value":"\#(code)"}"#)
    }

    @Test(arguments: Backend.all)
    func anOwnerStoresWellFormedDisclosuresOnItsOwnOpenLinksOnly(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let owner = try await api.apiKey(try await api.account())
            let stranger = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/shared/transitions", key: owner, body: RecordsTests.entry(title: "shared"))
            func outcome(_ reply: Reply) -> String { "\(reply.status.code) \(reply.errorCode ?? "")" }
            #expect(outcome(try await api.record(.post, "machine-action-record/nowhere/share", key: owner, body: "{}")) == "404 RECORD_NOT_FOUND")
            for body in [#"{"ttlHours":0}"#, #"{"ttlHours":8761}"#, #"{"accessCode":"yes"}"#, #"{"label":"\#(String(repeating: "l", count: 201))"}"#]
            {
                #expect(outcome(try await api.record(.post, "machine-action-record/shared/share", key: owner, body: body)) == "400 VALIDATION_ERROR")
            }
            let made = try await api.record(.post, "machine-action-record/shared/share", key: owner, body: #"{"ttlHours":1}"#)
            #expect(made.status == .created && made.data["accessMode"] == "TWO_TIER", "\(made.text)")
            let handle = try #require(made.data["handle"]?.string)
            let code = try #require(made.data["accessCode"]?.string)
            #expect(code.count == 6 && code.allSatisfy { "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains($0) })
            // Listed without its code; the code is nowhere in the database file either.
            let listed = try await api.record(.get, "machine-action-record/shared/share", key: owner)
            #expect(listed.data["links"]?[0]?["handle"] == .string(handle) && !listed.text.contains(code))
            func disclose(_ envelope: String, as key: String = owner, handle: String = handle) async throws -> String {
                outcome(
                    try await api.record(
                        .put,
                        "machine-action-record/shared/share/\(handle)/disclosure",
                        key: key,
                        body: #"{"envelope":"\#(envelope)"}"#
                    )
                )
            }
            let wrongFirst = "Ag" + Self.envelope.dropFirst(2)
            #expect(try await disclose("") == "400 VALIDATION_ERROR")
            for malformed in ["not base64!", String(Self.envelope.dropLast(4)), wrongFirst, Self.envelope + "="] {
                #expect(try await disclose(malformed) == "400 DISCLOSURE_ENVELOPE_MALFORMED", "\(malformed.prefix(8))")
            }
            #expect(try await disclose(Self.envelope, as: stranger) == "404 RECORD_NOT_FOUND")
            #expect(try await disclose(Self.envelope, handle: String(repeating: "a", count: 32)) == "404 RECORD_LINK_NOT_FOUND")
            #expect(try await disclose(Self.envelope, handle: "g" + String(repeating: "a", count: 31)) == "404 RECORD_LINK_NOT_FOUND")
            #expect(try await disclose(Self.envelope) == "200 ")
            // Read with the code: the disclosure as stored; a session of one link opens no other.
            let verified = try await Self.verify(api, handle, code.lowercased())
            let cookie = try #require(verified.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let read = try await api.call(.get, "/api/v1/c/\(handle)/disclosure", headers: [.cookie: cookie])
            #expect(read.json["envelope"] == .string(Self.envelope) && read.headers[.cacheControl] == "no-store")
            let other = try #require(
                try await api.record(.post, "machine-action-record/shared/share", key: owner, body: "{}").data["handle"]?.string
            )
            #expect(try await api.call(.get, "/api/v1/c/\(other)/history", headers: [.cookie: cookie]).errorCode == "RECORD_LINK_ACCESS_REQUIRED")
            #expect(try await api.call(.get, "/api/v1/c/\(other)/disclosure", headers: [.cookie: "pacspace_link=x"]).status == .forbidden)
            // Only its owner revokes it; revoked, it serves nothing, to anyone.
            #expect(try await api.record(.post, "machine-action-record/shared/share/\(handle)/revoke", key: stranger, body: "{}").status == .notFound)
            #expect(try await api.record(.post, "machine-action-record/shared/share/\(handle)/revoke", key: owner, body: "{}").status == .ok)
            #expect(try await api.call(.get, "/api/v1/c/\(handle)/disclosure", headers: [.cookie: cookie]).errorCode == "RECORD_LINK_NOT_FOUND")
            #expect(try await Self.verify(api, handle, code).errorCode == "RECORD_LINK_NOT_FOUND")
            #expect(try await disclose(Self.envelope) == "404 RECORD_LINK_NOT_FOUND")
        }
    }

    /// Wrong codes: ten per link, then one every 90 s; a right code after the bucket is full
    /// waits too. Another link, from another address, is not held back by them.
    @Test func wrongCodesAreLimitedPerLinkAndAddress() async throws {
        try await TestServer().run { api in
            let owner = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/guarded/transitions", key: owner, body: RecordsTests.entry(title: "guarded"))
            let made = try await api.record(.post, "machine-action-record/guarded/share", key: owner, body: "{}")
            let handle = try #require(made.data["handle"]?.string)
            let code = try #require(made.data["accessCode"]?.string)
            #expect(try await api.call(.post, "/api/v1/c/\(handle)/access/verify", body: #"{"factor":"PASSWORD","value":"x"}"#).status == .badRequest)
            for _ in 1...10 { #expect(try await Self.verify(api, handle, "ZZZZZZ").errorCode == "RECORD_LINK_ACCESS_DENIED") }
            let limited = try await Self.verify(api, handle, code)
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            #expect(try await Self.verify(api, handle, String(repeating: "Z", count: 64)).status == .tooManyRequests)
            // The server never answered which of the wrong codes were close: each is the same 403.
            #expect(try await api.call(.get, "/api/v1/c/\(handle)/history").errorCode == "RECORD_LINK_ACCESS_REQUIRED")
        }
    }

    /// Codes sent at once are counted before they are checked (issue 25: 30 at once checked
    /// 60 codes where 10 were allowed), and one guesser cannot lock out a reader elsewhere:
    /// the link's own limit is shared by every address and far wider than one address's.
    @Test func aGuesserNeitherOutrunsTheLimitNorLocksAReaderOut() async throws {
        var server = TestServer()
        if let loopback = NetworkRange(parsing: "127.0.0.0/8") { server.configuration.trustedProxies = [loopback] }
        try await server.run { api in
            let owner = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/contested/transitions", key: owner, body: RecordsTests.entry())
            let made = try await api.record(.post, "machine-action-record/contested/share", key: owner, body: "{}")
            let handle = try #require(made.data["handle"]?.string)
            let code = try #require(made.data["accessCode"]?.string)
            @Sendable func verify(_ value: String, from client: String) async throws -> Reply {
                var headers = HTTPFields()
                headers[HTTPField.Name("X-Forwarded-For") ?? .via] = client
                return try await api.call(
                    .post,
                    "/api/v1/c/\(handle)/access/verify",
                    body: #"{"factor":"ACCESS_HINT","value":"\#(value)"}"#,
                    headers: headers
                )
            }
            let flood = try await concurrently(30) { _ in try await verify("ZZZZZZ", from: "203.0.113.66") }
            // Checked, or refused by the bcrypt queue's share of one address (503): 10 in all.
            let checked = flood.filter { $0.status == .forbidden || $0.status == .serviceUnavailable }
            #expect(checked.count == 10, "\(flood.map(\.status.code))")
            #expect(flood.filter { $0.status == .tooManyRequests }.count == 20)
            let reader = try await verify(code, from: "198.51.100.20")
            #expect(reader.status == .ok, "the reader elsewhere is let in: \(reader.text)")
            // A right code gives its tokens back: the reader may open the link again and again.
            for _ in 0..<12 { #expect(try await verify(code, from: "198.51.100.20").status == .ok) }
        }
    }

    /// A link's key is wrapped only to another workspace's current identity; the reader gets
    /// its own wrap and nobody else's.
    @Test(arguments: Backend.all)
    func readerWrapsGoToPinnedWorkspacesOnly(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let ownerAccount = try await api.account()
            let owner = try await api.apiKey(ownerAccount)
            let readerAccount = try await api.account()
            let reader = try await api.apiKey(readerAccount)
            let bare = try await api.account()  // no identity
            _ = try await api.record(.put, "encryption/identity", key: reader, body: RecordKeysTests.identity(4))
            _ = try await api.record(.post, "machine-action-record/wrapped/transitions", key: owner, body: RecordsTests.entry(title: "wrapped"))
            let handle = try #require(
                try await api.record(.post, "machine-action-record/wrapped/share", key: owner, body: "{}").data["handle"]?.string
            )
            func wrap(_ workspace: String, pin: UInt8 = 4, handle: String = handle) async throws -> String {
                let body = #"{"workspaceId":"\#(workspace)","pinnedId":"\#(RecordKeysTests.publicKeyID(pin))","wrap":\#(RecordKeysTests.wrap)}"#
                let reply = try await api.record(.put, "machine-action-record/wrapped/share/\(handle)/key-wraps", key: owner, body: body)
                return "\(reply.status.code) \(reply.errorCode ?? "")"
            }
            let readerWorkspace = String(readerAccount.tenantID.dropFirst(4))
            func fetch(_ key: String, _ handle: String = handle) async throws -> Reply {
                try await api.record(.post, "disclosures/key-wrap", key: key, body: #"{"handle":"\#(handle)"}"#)
            }
            #expect(try await fetch(reader).errorCode == "RECORD_LINK_WRAP_NOT_FOUND")  // none stored yet
            #expect(try await wrap(String(ownerAccount.tenantID.dropFirst(4))) == "400 VALIDATION_ERROR")
            #expect(try await wrap("tnt_tnt_" + readerWorkspace) == "400 VALIDATION_ERROR")
            #expect(try await wrap(String(bare.tenantID.dropFirst(4))) == "404 RECORDS_IDENTITY_NOT_FOUND")
            #expect(try await wrap(readerWorkspace, pin: 5) == "409 RECORDS_PIN_CHANGED")
            #expect(try await wrap(readerWorkspace, handle: String(repeating: "b", count: 32)) == "404 RECORD_LINK_NOT_FOUND")
            #expect(try await wrap(readerWorkspace) == "200 ")
            #expect(try await wrap("tnt_" + readerWorkspace) == "200 ")  // the same workspace by its tenant id: replaced
            let fetched = try await fetch(reader)
            #expect(fetched.data["ownerWorkspaceId"] == .string(String(ownerAccount.tenantID.dropFirst(4))))
            #expect(fetched.data["wrap"]?["alg"] == "A256GCM")
            #expect(try await fetch(owner).errorCode == "RECORD_LINK_WRAP_NOT_FOUND")
            #expect(try await fetch(reader, "not-a-handle").errorCode == "RECORD_LINK_NOT_FOUND")
            // Revoked, the link's wraps are served no more.
            _ = try await api.record(.post, "machine-action-record/wrapped/share/\(handle)/revoke", key: owner, body: "{}")
            #expect(try await fetch(reader).errorCode == "RECORD_LINK_WRAP_NOT_FOUND")
        }
    }

    /// A record has at most 64 open links; a revoked one frees its place.
    @Test func linksStopAtTheirBound() async throws {
        try await TestServer().run { api in
            let owner = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/popular/transitions", key: owner, body: RecordsTests.entry(title: "popular"))
            var first = ""
            for index in 1...64 {
                let made = try await api.record(.post, "machine-action-record/popular/share", key: owner, body: #"{"accessCode":false}"#)
                #expect(made.status == .created)
                if index == 1 { first = made.data["handle"]?.string ?? "" }
            }
            let past = try await api.record(.post, "machine-action-record/popular/share", key: owner, body: #"{"accessCode":false}"#)
            #expect(past.errorCode == "RECORDS_LIMIT_REACHED")
            _ = try await api.record(.post, "machine-action-record/popular/share/\(first)/revoke", key: owner, body: "{}")
            #expect(try await api.record(.post, "machine-action-record/popular/share", key: owner, body: "{}").status == .created)
        }
    }

    @Test func anExpiredLinkIsGone() async throws {
        var server = TestServer()
        let offset = Mutex<Int64>(0)
        server.configuration.now = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) + offset.withLock { $0 } }
        try await server.run { api in
            let owner = try await api.apiKey(try await api.account())
            _ = try await api.record(.post, "machine-action-record/brief/transitions", key: owner, body: RecordsTests.entry(title: "brief"))
            let made = try await api.record(.post, "machine-action-record/brief/share", key: owner, body: #"{"ttlHours":1,"accessCode":false}"#)
            let handle = try #require(made.data["handle"]?.string)
            #expect(made.data["accessMode"] == "LINK_ONLY" && made.data["accessCode"] == nil)
            #expect(try await api.call(.get, "/api/v1/c/\(handle)/history").json["schema"] == "record-seal-history/v1")
            #expect(try await api.call(.get, "/api/v1/c/\(handle)/disclosure").errorCode == "RECORD_LINK_NO_DISCLOSURE")
            offset.withLock { $0 = 3_600_001 }
            #expect(try await api.call(.get, "/api/v1/c/\(handle)/history").errorCode == "RECORD_LINK_NOT_FOUND")
            let listed = try await api.record(.get, "machine-action-record/brief/share", key: owner)
            #expect(listed.data["links"]?[0]?["status"] == "EXPIRED")
        }
    }
}
