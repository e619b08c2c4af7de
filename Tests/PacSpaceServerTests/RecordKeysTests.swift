import Crypto
import Foundation
import HTTPTypes
import PacSpaceCore
import PacSpaceStore
import Testing

@testable import PacSpaceServer

/// The workspace keys of encrypted records (issue 15, docs/records.md "Workspace keys"): each
/// environment's identity, its secret's versions, its holders and what it holds for others —
/// every value at its edges, and no tenant reaching another's.
@Suite struct RecordKeysTests {
    /// An X-Wing public key's size, filled with `byte`, in unpadded base64url.
    static func publicKey(_ byte: UInt8, count: Int = 1_216) -> String {
        Base64.encode([UInt8](repeating: byte, count: count)).replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SDK's `public_key_id`: SHA-256 of its label, 0x00 and the key.
    static func publicKeyID(_ byte: UInt8) -> String {
        SHA256.hash(data: Array("pacspace:public-key-id:v1".utf8) + [0] + [UInt8](repeating: byte, count: 1_216))
            .map { String(format: "%02x", $0) }.joined()
    }

    static let wrap = #"{"v":1,"alg":"A256GCM","kid":"k","iv":"AAAAAAAAAAAAAAAA","ct":"AAAA"}"#

    /// An encrypted entry's write body with an envelope under `kid`.
    static func sealedEntry(kid: String, reference: String = "r") -> String {
        #"{"lifecycle":"recorded","referenceId":"\#(reference)","recordHash":"0x\#(String(repeating: "b", count: 64))","recordHashVersion":3,"#
            + #""contentTag":"\#(String(repeating: "A", count: 43))","envelope":{"v":1,"alg":"A256GCM","kid":"\#(kid)","#
            + #""iv":"AAAAAAAAAAAAAAAA","ct":"\#(String(repeating: "A", count: 363))"}}"#
    }

    static func identity(_ byte: UInt8, version: Int = 1) -> String {
        #"{"xwingPublic":"\#(publicKey(byte))","seedWrap":{"version":\#(version),"wrap":\#(wrap)}}"#
    }

    @Test(arguments: Backend.all)
    func identitiesAreRegisteredOnceAndReadByOthersOfTheSameKind(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let owner = try await api.account()
            let key = try await api.apiKey(owner)
            let other = try await api.apiKey(try await api.account())
            func put(_ body: String, _ key: String) async throws -> String {
                let reply = try await api.record(.put, "encryption/identity", key: key, body: body)
                return "\(reply.status.code) \(reply.errorCode ?? (reply.data["created"] == .bool(true) ? "true" : "false"))"
            }
            let empty = try await api.record(.get, "encryption/identity", key: key)
            let workspace = String(owner.tenantID.dropFirst(4))
            #expect(empty.data["workspaceId"] == .string(workspace) && empty.data["xwingPublicId"] == .null)
            #expect(
                try await put(#"{"xwingPublic":"\#(Self.publicKey(1, count: 1_215))","seedWrap":{"version":1,"wrap":{}}}"#, key)
                    == "400 VALIDATION_ERROR"
            )
            #expect(try await put(#"{"xwingPublic":"\#(Self.publicKey(1))=","seedWrap":{"version":1,"wrap":{}}}"#, key) == "400 VALIDATION_ERROR")
            #expect(try await put(Self.identity(1, version: 0), key) == "400 VALIDATION_ERROR")
            #expect(try await put(#"{"xwingPublic":"\#(Self.publicKey(1))","seedWrap":{"version":1,"wrap":"x"}}"#, key) == "400 VALIDATION_ERROR")
            let huge = #"{"xwingPublic":"\#(Self.publicKey(1))","seedWrap":{"version":1,"wrap":{"ct":"\#(String(repeating: "A", count: 9_000))"}}}"#
            #expect(try await put(huge, key) == "400 VALIDATION_ERROR")
            #expect(try await put(Self.identity(1), key) == "201 true")
            #expect(try await put(Self.identity(1), key) == "200 false")
            #expect(try await put(Self.identity(2), key) == "409 RECORDS_IDENTITY_EXISTS")
            let mine = try await api.record(.get, "encryption/identity", key: key)
            #expect(mine.data["xwingPublicId"] == .string(Self.publicKeyID(1)))
            #expect(mine.data["seedWraps"]?[0]?["version"] == .number("1"))
            // Another tenant of the sandbox reads the public part only.
            let seen = try await api.record(.get, "encryption/workspaces/\(workspace)/identity", key: other)
            #expect(seen.status == .ok && seen.data["xwingPublicId"] == .string(Self.publicKeyID(1)) && seen.data["seedWraps"] == nil)
            // Its tenant id names the same workspace, as on every records route (issue 26).
            let byTenant = try await api.record(.get, "encryption/workspaces/tnt_\(workspace)/identity", key: other)
            #expect(byTenant.status == .ok && byTenant.data["workspaceId"] == .string(workspace))
            #expect(try await api.record(.get, "encryption/workspaces/tnt_tnt_\(workspace)/identity", key: other).errorCode == "VALIDATION_ERROR")
            #expect(
                try await api.record(.get, "encryption/workspaces/\(String(repeating: "a", count: 24))/identity", key: other).errorCode
                    == "RECORDS_IDENTITY_NOT_FOUND"
            )
        }
    }

    /// Replacing an identity names the current one; the old one is kept, retired, with its
    /// seed wraps, and never comes back.
    @Test(arguments: Backend.all)
    func anIdentityIsReplacedOnlyByNamingTheCurrentOne(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let key = try await api.apiKey(try await api.account())
            let other = try await api.apiKey(try await api.account())
            func replace(_ byte: UInt8, naming current: String) async throws -> String {
                let body = Self.identity(byte).dropLast() + #","replaces":"\#(current)"}"#
                let reply = try await api.record(.put, "encryption/identity", key: key, body: String(body))
                return "\(reply.status.code) \(reply.errorCode ?? (reply.data["created"] == .bool(true) ? "true" : "false"))"
            }
            #expect(try await replace(1, naming: Self.publicKeyID(9)) == "409 RECORDS_IDENTITY_CHANGED")  // nothing to replace
            #expect(try await api.record(.put, "encryption/identity", key: key, body: Self.identity(1)).status == .created)
            #expect(try await replace(2, naming: Self.publicKeyID(9)) == "409 RECORDS_IDENTITY_CHANGED")
            #expect(try await replace(2, naming: "x") == "400 VALIDATION_ERROR")
            #expect(try await replace(2, naming: Self.publicKeyID(1)) == "201 true")
            #expect(try await replace(2, naming: Self.publicKeyID(1)) == "200 false")  // a retry
            let mine = try await api.record(.get, "encryption/identity", key: key)
            #expect(mine.data["xwingPublicId"] == .string(Self.publicKeyID(2)))
            #expect(mine.data["retiredIdentities"]?[0]?["xwingPublicId"] == .string(Self.publicKeyID(1)))
            #expect(mine.data["retiredIdentities"]?[0]?["seedWraps"]?[0]?["version"] == .number("1"))
            let workspace = try #require(mine.data["workspaceId"]?.string)
            let seen = try await api.record(.get, "encryption/workspaces/\(workspace)/identity", key: other)
            #expect(seen.data["xwingPublicId"] == .string(Self.publicKeyID(2)))
            #expect(try await replace(1, naming: Self.publicKeyID(2)) == "409 RECORDS_IDENTITY_RETIRED")
            // At most 16 keys, retired ones included.
            for byte in UInt8(3)...16 { #expect(try await replace(byte, naming: Self.publicKeyID(byte - 1)) == "201 true") }
            #expect(try await replace(17, naming: Self.publicKeyID(16)) == "409 RECORDS_LIMIT_REACHED")
        }
    }

    @Test(arguments: Backend.all)
    func holdersAreTheOwnersAndHoldingsTheHolders(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let owner = try await api.apiKey(try await api.account())
            let holderAccount = try await api.account()
            let holder = try await api.apiKey(holderAccount)
            let stranger = try await api.apiKey(try await api.account())
            let holderWorkspace = String(holderAccount.tenantID.dropFirst(4))
            _ = try await api.record(.put, "encryption/identity", key: owner, body: Self.identity(1))
            // No identity yet: nobody can hold for it.
            let early = #"{"workspaceId":"\#(holderWorkspace)","scope":"workspace","pinnedId":"\#(Self.publicKeyID(2))"}"#
            #expect(try await api.record(.post, "encryption/holders", key: owner, body: early).errorCode == "RECORDS_IDENTITY_NOT_FOUND")
            _ = try await api.record(.put, "encryption/identity", key: holder, body: Self.identity(2))
            let wrongPin = #"{"workspaceId":"\#(holderWorkspace)","scope":"workspace","pinnedId":"\#(Self.publicKeyID(3))"}"#
            #expect(try await api.record(.post, "encryption/holders", key: owner, body: wrongPin).errorCode == "RECORDS_PIN_CHANGED")
            let added = try await api.record(.post, "encryption/holders", key: owner, body: early)
            #expect(added.status == .created)
            let holderID = try #require(added.data["holderId"]?.string)
            #expect(try await api.record(.post, "encryption/holders", key: owner, body: early).status == .ok)  // the same again
            let byTenant = early.replacingOccurrences(of: #""workspaceId":""#, with: #""workspaceId":"tnt_"#)
            #expect(try await api.record(.post, "encryption/holders", key: owner, body: byTenant).data["holderId"] == .string(holderID))
            // A wrap needs a registered version; then the holder sees it, and only the holder does.
            let wrapBody = #"{"version":1,"pinnedId":"\#(Self.publicKeyID(2))","wrap":\#(Self.wrap)}"#
            #expect(
                try await api.record(.put, "encryption/holders/\(holderID)/wraps", key: owner, body: wrapBody).errorCode == "RECORDS_VERSION_UNKNOWN"
            )
            let listed = try await api.record(.get, "encryption/holders", key: owner)
            let holderSet = try #require(listed.data["holderSet"]?.string)
            let kid = String(repeating: "c", count: 64)
            let stale = #"{"kid":"\#(kid)","wrapFormat":2,"holderSet":"0x00","holderWraps":[]}"#
            #expect(try await api.record(.put, "encryption/versions/1", key: owner, body: stale).errorCode == "RECORDS_HOLDER_SET_CHANGED")
            let holderWrap = #"{"holderId":"\#(holderID)","pinnedId":"\#(Self.publicKeyID(2))","wrap":\#(Self.wrap)}"#
            let version =
                #"{"kid":"\#(kid)","wrapFormat":2,"holderSet":"\#(holderSet)","holderWraps":[\#(holderWrap)]}"#
            let registered = try await api.record(.put, "encryption/versions/1", key: owner, body: version)
            #expect(registered.status == .ok && registered.data["holdersNeedingConfirmation"] == .array([.string(holderID)]), "\(registered.text)")
            let other = #"{"kid":"\#(String(repeating: "d", count: 64))","wrapFormat":2}"#
            #expect(try await api.record(.put, "encryption/versions/1", key: owner, body: other).errorCode == "RECORDS_VERSION_CONFLICT")
            #expect(try await api.record(.put, "encryption/versions/0", key: owner, body: other).errorCode == "VALIDATION_ERROR")
            let held = try await api.record(.get, "encryption/holdings", key: holder)
            #expect(held.data["holdings"]?[0]?["wraps"]?[0]?["kid"] == .string(kid), "\(held.text)")
            #expect(held.data["holdings"]?[0]?["wraps"]?[0]?["state"] == "stored")
            #expect(try await api.record(.get, "encryption/holdings", key: stranger).data["holdings"] == .array([]))
            #expect(try await api.record(.get, "encryption/holders", key: stranger).data["holders"] == .array([]))
            // Reading as a holder: an encrypted record of the owner's, once a wrap is confirmed;
            // never a plaintext one; never before; never for a workspace that holds nothing.
            let sealed = Self.sealedEntry(kid: kid)
            #expect(try await api.record(.post, "machine-action-record/sealed/transitions", key: owner, body: sealed).status == .created)
            _ = try await api.record(.post, "machine-action-record/open/transitions", key: owner, body: RecordsTests.entry(title: "plain"))
            let ownerWorkspace = String(try #require(try await api.record(.get, "encryption/identity", key: owner).data["workspaceId"]?.string))
            func readAsHolder(_ record: String, _ key: String, for workspace: String = ownerWorkspace) async throws -> Reply {
                try await api.keyed(
                    .get,
                    "/api/v1/records/machine-action-record/\(record)/history",
                    key: key,
                    headers: [HTTPField.Name("X-PacSpace-Holder-For") ?? .via: workspace]
                )
            }
            #expect(try await readAsHolder("sealed", holder).errorCode == "RECORDS_NOT_HOLDER")  // stored, not confirmed
            // Only the holder answers, and only with the version's key id.
            let confirm = #"{"version":1,"kid":"\#(kid)"}"#
            #expect(try await api.record(.post, "encryption/holdings/\(holderID)/confirm", key: stranger, body: confirm).status == .notFound)
            let wrongKid = #"{"version":1,"kid":"\#(String(repeating: "e", count: 64))"}"#
            #expect(try await api.record(.post, "encryption/holdings/\(holderID)/confirm", key: holder, body: wrongKid).status == .notFound)
            #expect(try await api.record(.post, "encryption/holdings/\(holderID)/confirm", key: holder, body: confirm).data["state"] == "confirmed")
            #expect(try await readAsHolder("sealed", holder).json["schema"] == "record-history-bundle/v3")
            #expect(try await readAsHolder("sealed", holder, for: "tnt_" + ownerWorkspace).json["schema"] == "record-history-bundle/v3")
            #expect(try await readAsHolder("open", holder).errorCode == "RECORDS_NOT_HOLDER")
            #expect(try await readAsHolder("sealed", stranger).errorCode == "RECORDS_NOT_HOLDER")
            #expect(try await readAsHolder("sealed", holder, for: "tnt_x").errorCode == "RECORDS_NOT_HOLDER")
            // Only the owner removes; removed, the holder holds nothing.
            #expect(try await api.record(.delete, "encryption/holders/\(holderID)", key: stranger).errorCode == "RECORDS_HOLDER_NOT_FOUND")
            #expect(try await api.record(.delete, "encryption/holders/\(holderID)", key: owner).status == .ok)
            #expect(try await api.record(.get, "encryption/holdings", key: holder).data["holdings"] == .array([]))
            #expect(try await readAsHolder("sealed", holder).errorCode == "RECORDS_NOT_HOLDER")
            #expect(
                try await api.record(.put, "encryption/holders/\(holderID)/wraps", key: owner, body: wrapBody).errorCode == "RECORDS_HOLDER_NOT_FOUND"
            )
        }
    }

    /// A required holder holds back writes under each version registered after it was named
    /// until it confirms that version's wrap (docs/records.md, "Required holders"); a new
    /// record is pointed to the newest version that waits for nobody.
    @Test(arguments: Backend.all)
    func writesUnderAVersionWaitForItsRequiredHolders(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let owner = try await api.apiKey(try await api.account())
            let holderAccount = try await api.account()
            let holder = try await api.apiKey(holderAccount)
            _ = try await api.record(.put, "encryption/identity", key: owner, body: Self.identity(1))
            _ = try await api.record(.put, "encryption/identity", key: holder, body: Self.identity(2))
            let (first, second) = (String(repeating: "1", count: 64), String(repeating: "2", count: 64))
            func write(_ record: String, _ kid: String, _ reference: String = "r") async throws -> Reply {
                try await api.record(
                    .post,
                    "machine-action-record/\(record)/transitions",
                    key: owner,
                    body: Self.sealedEntry(kid: kid, reference: reference)
                )
            }
            func outcome(_ reply: Reply) -> String { "\(reply.status.code) \(reply.errorCode ?? "")" }
            #expect(try await api.record(.put, "encryption/versions/1", key: owner, body: #"{"kid":"\#(first)"}"#).status == .ok)
            #expect(outcome(try await write("early", first)) == "201 ")
            // Named after version 1, a required holder does not stop writes under it.
            let named =
                #"{"workspaceId":"\#(holderAccount.tenantID.dropFirst(4))","scope":"workspace","required":true,"pinnedId":"\#(Self.publicKeyID(2))"}"#
            let holderID = try #require(try await api.record(.post, "encryption/holders", key: owner, body: named).data["holderId"]?.string)
            #expect(outcome(try await write("early", first, "r2")) == "201 ")
            // Version 2 waits for it: listed as such, a new record is pointed back to version 1,
            // and a re-key to version 2 is refused with the holders it waits for.
            #expect(try await api.record(.put, "encryption/versions/2", key: owner, body: #"{"kid":"\#(second)"}"#).status == .ok)
            let wrap = #"{"version":2,"pinnedId":"\#(Self.publicKeyID(2))","wrap":\#(Self.wrap)}"#
            #expect(try await api.record(.put, "encryption/holders/\(holderID)/wraps", key: owner, body: wrap).status == .ok)
            let listed = try await api.record(.get, "encryption/versions", key: owner)
            #expect(listed.data["versions"]?[0]?["writable"] == .bool(true) && listed.data["versions"]?[1]?["writable"] == .bool(false))
            #expect(listed.data["versions"]?[1]?["awaitingHolders"] == .array([.string(holderID)]))
            let pointed = try await write("fresh", second)
            #expect(outcome(pointed) == "409 RECORD_ENCRYPTION_VERSION_MISMATCH" && pointed.json["error"]?["recordKid"] == .string(first))
            let envelope = #"{"v":1,"alg":"A256GCM","kid":"\#(second)","iv":"AAAAAAAAAAAAAAAA","ct":"\#(String(repeating: "A", count: 363))"}"#
            let rekey = try await api.record(.put, "machine-action-record/early/entries/1/envelope", key: owner, body: #"{"envelope":\#(envelope)}"#)
            #expect(outcome(rekey) == "409 RECORDS_HOLDERS_UNCONFIRMED")
            #expect(rekey.json["error"]?["holdersNeedingConfirmation"] == .array([.string(holderID)]))
            #expect(outcome(try await write("fresh", first)) == "201 ")
            // Confirmed, version 2 takes writes and re-keys.
            let confirm = #"{"version":2,"kid":"\#(second)"}"#
            #expect(try await api.record(.post, "encryption/holdings/\(holderID)/confirm", key: holder, body: confirm).status == .ok)
            #expect(outcome(try await write("later", second)) == "201 ")
            let again = try await api.record(.put, "machine-action-record/early/entries/1/envelope", key: owner, body: #"{"envelope":\#(envelope)}"#)
            #expect(again.status == .ok)
            // A workspace whose only version waits has nowhere to point a new record: refused.
            let lone = try await api.apiKey(try await api.account())
            _ = try await api.record(.put, "encryption/identity", key: lone, body: Self.identity(3))
            let loneHolder = try #require(try await api.record(.post, "encryption/holders", key: lone, body: named).data["holderId"]?.string)
            #expect(try await api.record(.put, "encryption/versions/1", key: lone, body: #"{"kid":"\#(first)"}"#).status == .ok)
            let refused = try await api.record(.post, "machine-action-record/solo/transitions", key: lone, body: Self.sealedEntry(kid: first))
            #expect(outcome(refused) == "409 RECORDS_HOLDERS_UNCONFIRMED" && refused.json["error"]?["kid"] == .string(first))
            // Removed, it holds nothing back.
            #expect(try await api.record(.delete, "encryption/holders/\(loneHolder)", key: lone).status == .ok)
            #expect(
                try await api.record(.post, "machine-action-record/solo/transitions", key: lone, body: Self.sealedEntry(kid: first)).status
                    == .created
            )
        }
    }

    /// A holder has at most 512 wraps (a record holder gets one per re-key of its record),
    /// and 16 until it has confirmed one; replacing one it has is not a new one. The holder
    /// may throw a holding away.
    @Test func wrapsStopAtTheirBound() async throws {
        var server = TestServer()
        server.configuration.rateLimits.apiKey = RateLimiter.Policy(burst: 2_000, intervalMillis: 1)  // 514 writes at once
        try await server.run { api in
            let owner = try await api.apiKey(try await api.account())
            let holderAccount = try await api.account()
            let holder = try await api.apiKey(holderAccount)
            _ = try await api.record(.put, "encryption/identity", key: owner, body: Self.identity(1))
            _ = try await api.record(.put, "encryption/identity", key: holder, body: Self.identity(2))
            let named =
                #"{"workspaceId":"\#(holderAccount.tenantID.dropFirst(4))","scope":"record","pinnedId":"\#(Self.publicKeyID(2))","#
                + #""record":{"recordType":"machine-action-record","entityId":"kept"}}"#
            let holderID = try #require(try await api.record(.post, "encryption/holders", key: owner, body: named).data["holderId"]?.string)
            func wrap(_ index: Int) async throws -> Reply {
                let body = #"{"rkid":"\#(String(format: "%064x", index))","pinnedId":"\#(Self.publicKeyID(2))","wrap":\#(Self.wrap)}"#
                return try await api.record(.put, "encryption/holders/\(holderID)/wraps", key: owner, body: body)
            }
            // Until the holder confirms one, an owner leaves at most 16 wraps with it (issue 25:
            // anyone may name anyone a holder).
            for index in 1...16 { #expect(try await wrap(index).status == .ok) }
            #expect(try await wrap(17).errorCode == "RECORDS_LIMIT_REACHED")
            #expect(try await wrap(16).status == .ok)  // the same rkid again replaces its wrap
            let kid = String(repeating: "c", count: 64)
            #expect(try await api.record(.post, "encryption/holdings/\(holderID)/confirm", key: holder, body: #"{"kid":"\#(kid)"}"#).status == .ok)
            for index in 17...512 { #expect(try await wrap(index).status == .ok) }
            #expect(try await wrap(513).errorCode == "RECORDS_LIMIT_REACHED")
            #expect(try await wrap(512).status == .ok)
            // Holdings are paged by their wraps (1,024 a page): 512 + 512 fit, one more does not.
            func recordHolder(_ entity: String) async throws -> String {
                let body = named.replacingOccurrences(of: #""entityId":"kept""#, with: #""entityId":"\#(entity)""#)
                return try #require(try await api.record(.post, "encryption/holders", key: owner, body: body).data["holderId"]?.string)
            }
            let second = try await recordHolder("second")
            let third = try await recordHolder("third")
            for (id, count) in [(second, 512), (third, 1)] {
                for index in 1...count {
                    let body = #"{"rkid":"\#(String(format: "%064x", index))","pinnedId":"\#(Self.publicKeyID(2))","wrap":\#(Self.wrap)}"#
                    #expect(try await api.record(.put, "encryption/holders/\(id)/wraps", key: owner, body: body).status == .ok)
                }
            }
            let first = try await api.record(.get, "encryption/holdings", key: holder)
            #expect(first.data["holdings"]?.count == 2 && first.data["nextOffset"] == 2, "\(first.text.prefix(200))")
            let rest = try await api.record(.get, "encryption/holdings?offset=2", key: holder)
            #expect(rest.data["holdings"]?.count == 1 && rest.data["nextOffset"] == .null)
            for id in [second, third] { #expect(try await api.record(.delete, "encryption/holdings/\(id)", key: holder).status == .ok) }
            // The holder throws the holding away: its wraps are gone, the owner sees it removed.
            #expect(try await api.record(.delete, "encryption/holdings/\(holderID)", key: owner).errorCode == "RECORDS_HOLDING_NOT_FOUND")
            #expect(try await api.record(.delete, "encryption/holdings/\(holderID)", key: holder).status == .ok)
            #expect(try await api.record(.get, "encryption/holdings", key: holder).data["holdings"] == .array([]))
            #expect(try await api.record(.get, "encryption/holders", key: owner).data["holders"]?[0]?["removedAt"] != .null)
            #expect(try await wrap(1).errorCode == "RECORDS_HOLDER_NOT_FOUND")
            #expect(try await api.record(.delete, "encryption/holdings/\(holderID)", key: holder).status == .notFound)
        }
    }

    /// A workspace has at most 64 active holders; a removed one frees its place.
    @Test func holdersStopAtTheirBound() async throws {
        var server = TestServer()
        server.configuration.rateLimits.authRoutes = RateLimiter.Policy(burst: 1_000, intervalMillis: 1)  // 67 sign-ups from one address
        try await server.run { api in
            let owner = try await api.apiKey(try await api.account())
            _ = try await api.record(.put, "encryption/identity", key: owner, body: Self.identity(1))
            func name(_ account: Account, byte: UInt8) async throws -> Reply {
                _ = try await api.record(.put, "encryption/identity", key: try await api.apiKey(account), body: Self.identity(byte))
                let body = #"{"workspaceId":"\#(account.tenantID.dropFirst(4))","scope":"workspace","pinnedId":"\#(Self.publicKeyID(byte))"}"#
                return try await api.record(.post, "encryption/holders", key: owner, body: body)
            }
            var first = ""
            for byte in UInt8(2)...65 {
                let added = try await name(try await api.account(), byte: byte)
                #expect(added.status == .created)
                if byte == 2 { first = added.data["holderId"]?.string ?? "" }
            }
            let past = try await api.account()
            #expect(try await name(past, byte: 66).errorCode == "RECORDS_LIMIT_REACHED")
            #expect(try await api.record(.delete, "encryption/holders/\(first)", key: owner).status == .ok)
            #expect(try await name(past, byte: 66).status == .created)
        }
    }

    /// A workspace holds at most 64 holdings from owners it has not accepted (confirmed a wrap
    /// of): a 65th is refused, whoever sends it, until it removes one.
    @Test func holdingsFromOwnersNotAcceptedStopAtTheirBound() async throws {
        var server = TestServer()
        server.configuration.rateLimits.apiKey = RateLimiter.Policy(burst: 2_000, intervalMillis: 1)
        try await server.run { api in
            let holderAccount = try await api.account()
            let holder = try await api.apiKey(holderAccount)
            _ = try await api.record(.put, "encryption/identity", key: holder, body: Self.identity(2))
            func name(_ owner: String, _ entity: String) async throws -> Reply {
                let body =
                    #"{"workspaceId":"\#(holderAccount.tenantID.dropFirst(4))","scope":"record","pinnedId":"\#(Self.publicKeyID(2))","#
                    + #""record":{"recordType":"machine-action-record","entityId":"\#(entity)"}}"#
                return try await api.record(.post, "encryption/holders", key: owner, body: body)
            }
            let first = try await api.apiKey(try await api.account())
            let second = try await api.apiKey(try await api.account())
            var held: [String] = []
            for index in 0..<RecordKeyStore.maxUnacceptedHoldings {
                let added = try await name(first, "r\(index)")
                #expect(added.status == .created)
                held.append(added.data["holderId"]?.string ?? "")
            }
            let refused = try await name(second, "other")
            #expect(refused.status == .conflict && refused.errorCode == "RECORDS_LIMIT_REACHED", "\(refused.text)")
            #expect(try await api.record(.delete, "encryption/holdings/\(held[0])", key: holder).status == .ok)
            #expect(try await name(second, "other").status == .created)
        }
    }

    @Test func versionsStopAtTheirBound() async throws {
        try await TestServer().run { api in
            let key = try await api.apiKey(try await api.account())
            for version in 1...256 {
                let kid = String(format: "%064x", version)
                #expect(try await api.record(.put, "encryption/versions/\(version)", key: key, body: #"{"kid":"\#(kid)"}"#).status == .ok)
            }
            let past = #"{"kid":"\#(String(repeating: "f", count: 64))"}"#
            #expect(try await api.record(.put, "encryption/versions/257", key: key, body: past).errorCode == "RECORDS_LIMIT_REACHED")
            #expect(try await api.record(.get, "encryption/versions", key: key).data["versions"]?[255]?["version"] == .number("256"))
        }
    }
}
