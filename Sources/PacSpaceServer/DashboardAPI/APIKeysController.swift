import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/api-keys*` (docs/api.md §4): parses, calls ``DashboardKeys``, presents.
struct APIKeysController: Sendable {
    let keys: DashboardKeys

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/api-keys").add(middleware: auth)
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.patch(":id", use: update)
        group.post(":id/rotate", use: rotate)
        group.delete(":id", use: revoke)
    }

    /// `{name?, environment?}` of a new key: "API key" and `test` when left out.
    static func newKey(_ body: RequestBody) throws -> (name: String, kind: APIKey.Kind) {
        (try body.optionalString("name", maxLength: 100) ?? "API key", try body.optionalChoice("environment", of: APIKey.Kind.self) ?? .test)
    }

    /// `{name?, active?}` of a change.
    static func change(_ body: RequestBody) throws -> (name: String?, active: Bool?) {
        (try body.optionalString("name", maxLength: 100), try body.optionalBool("active"))
    }

    /// `{overlapSeconds?}` of a rotation: 0 when left out.
    static func overlap(_ body: RequestBody?) throws -> Int {
        try body?.optionalInteger("overlapSeconds", in: 0...DashboardKeys.maxOverlapSeconds) ?? 0
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (name, kind) = try Self.newKey(try await RequestBody.decode(request, allowed: ["name", "environment"]))
        let issued = try await keys.create(user: user, name: name, kind: kind)
        context.logger.info("api key created", metadata: ["keyId": .string(issued.record.id), "publicKey": .string(issued.key.publicKey)])
        return Envelope.success(.created, Self.json(issued), message: "Store the secret now: it is shown only once.")
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await keys.list(user: user, page: page, limit: limit)
        return Envelope.page(items.map { .object($0.fields) }, total: total, page: page, limit: limit)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return Envelope.success(.ok, .object(try await keys.key(user: user, id: try context.pathParameter("id")).fields))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (name, active) = try Self.change(try await RequestBody.decode(request, allowed: ["name", "active"]))
        let record = try await keys.update(user: user, id: try context.pathParameter("id"), name: name, active: active)
        return Envelope.success(.ok, .object(record.fields))
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let overlap = try Self.overlap(try await RequestBody.decodeOptional(request, allowed: ["overlapSeconds"]))
        let issued = try await keys.rotate(user: user, id: try context.pathParameter("id"), overlapSeconds: overlap)
        return Envelope.success(.ok, Self.json(issued), message: "Store the new secret now: it is shown only once.")
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let record = try await keys.revoke(user: user, id: try context.pathParameter("id"))
        return Envelope.success(.ok, ["id": .string(record.id), "revoked": true], message: "API key revoked.")
    }

    /// A key with its secret: creation adds `secretKey` and `fullKey`, rotation also
    /// `previousSecretValidUntil`.
    static func json(_ issued: DashboardKeys.Issued) -> JSONValue {
        var data = issued.record.fields
        data.append(("secretKey", .string(issued.key.secretKey)))
        data.append(("fullKey", .string(issued.key.fullKey)))
        if issued.rotated {
            data.append(("previousSecretValidUntil", issued.previousValidUntil.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null))
        }
        return .object(data)
    }
}
