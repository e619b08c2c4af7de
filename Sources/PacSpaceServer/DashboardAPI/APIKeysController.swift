import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/api-keys*` (docs/api.md §4).
struct APIKeysController: Sendable {
    let keys: APIKeyStore
    let environments: EnvironmentStore
    let authenticator: APIKeyAuthenticator
    let now: @Sendable () -> Int64

    /// The longest rotation overlap: 7 days.
    static let maxOverlapSeconds = 7 * 24 * 3600

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/api-keys").add(middleware: auth)
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.patch(":id", use: update)
        group.post(":id/rotate", use: rotate)
        group.delete(":id", use: revoke)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "API keys")
        let body = try await RequestBody.decode(request, allowed: ["name", "environment"])
        let name = try body.optionalString("name", maxLength: 100) ?? "API key"
        let kind = try body.optionalChoice("environment", of: APIKey.Kind.self) ?? .test
        let deployed = try await environments.environments(tenantID: user.tenantID)
            .contains { $0.environment == kind.environment && $0.status == .active }
        guard deployed else {
            throw APIError(
                .preconditionFailed,
                "CONTRACT_NOT_DEPLOYED",
                "The \(kind.environment.rawValue) environment is not active; provision it first (POST /dashboard/contracts/provision)."
            )
        }
        let key = APIKey.generate(kind: kind)
        let record = APIKeyRecord(
            id: Identifier.make("key"),
            tenantID: user.tenantID,
            kind: kind,
            name: name,
            publicID: key.publicID,
            secretHash: key.secretHash,
            createdAt: now()
        )
        do { try await keys.insert(record) } catch APIKeyStore.Refusal.limitReached {
            throw APIError(
                .conflict,
                "API_KEY_LIMIT_REACHED",
                "This workspace holds \(APIKeyStore.maxPerTenant) API keys, as many as it may; revoke one first."
            )
        }
        context.logger.info("api key created", metadata: ["keyId": .string(record.id), "publicKey": .string(key.publicKey)])
        var data = record.fields
        data.append(("secretKey", .string(key.secretKey)))
        data.append(("fullKey", .string(key.fullKey)))
        return Envelope.success(.created, .object(data), message: "Store the secret now: it is shown only once.")
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await keys.list(tenantID: user.tenantID, limit: limit, offset: (page - 1) * limit)
        return Envelope.page(items.map { .object($0.fields) }, total: total, page: page, limit: limit)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return Envelope.success(.ok, .object(try await owned(context, user).fields))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "API keys")
        let body = try await RequestBody.decode(request, allowed: ["name", "active"])
        let name = try body.optionalString("name", maxLength: 100)
        let active = try body.optionalBool("active")
        guard name != nil || active != nil else {
            throw APIError(.badRequest, "VALIDATION_ERROR", "Send name and/or active to change.")
        }
        guard let record = try await keys.update(id: try context.pathParameter("id"), tenantID: user.tenantID, name: name, active: active) else {
            throw APIError.notFound("No such API key.")
        }
        await authenticator.forget(publicID: record.publicID)
        return Envelope.success(.ok, .object(record.fields))
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "API keys")
        let overlap =
            try await RequestBody.decodeOptional(request, allowed: ["overlapSeconds"])?
            .optionalInteger("overlapSeconds", in: 0...Self.maxOverlapSeconds) ?? 0
        let current = try await owned(context, user)
        let key = APIKey(kind: current.kind, publicID: current.publicID, secret: APIKey.generate(kind: current.kind).secret)
        guard
            let record = try await keys.rotate(
                id: current.id,
                tenantID: user.tenantID,
                secretHash: key.secretHash,
                previousExpiresAt: now() + Int64(overlap) * 1000
            )
        else {
            throw APIError.notFound("No such API key.")
        }
        await authenticator.forget(publicID: record.publicID)
        var data = record.fields
        data.append(("secretKey", .string(key.secretKey)))
        data.append(("fullKey", .string(key.fullKey)))
        data.append(("previousSecretValidUntil", overlap > 0 ? .string(Timestamp.iso8601(millis: record.previousExpiresAt ?? 0)) : .null))
        return Envelope.success(.ok, .object(data), message: "Store the new secret now: it is shown only once.")
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireManager(of: "API keys")
        guard let record = try await keys.revoke(id: try context.pathParameter("id"), tenantID: user.tenantID, now: now()) else {
            throw APIError.notFound("No such API key.")
        }
        await authenticator.forget(publicID: record.publicID)
        return Envelope.success(.ok, ["id": .string(record.id), "revoked": true], message: "API key revoked.")
    }

    private func owned(_ context: AppRequestContext, _ user: User) async throws -> APIKeyRecord {
        guard let record = try await keys.key(id: try context.pathParameter("id"), tenantID: user.tenantID) else {
            throw APIError.notFound("No such API key.")
        }
        return record
    }
}
