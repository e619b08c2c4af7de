import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/webhooks*` and `/dashboard/webhook-deliveries*` (docs/api.md §7): endpoints,
/// secret rotation, test events, the delivery log; parses, calls ``DashboardWebhooks``,
/// presents.
struct WebhooksController: Sendable {
    let webhooks: DashboardWebhooks

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/webhooks").add(middleware: auth)
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.patch(":id", use: update)
        group.delete(":id", use: delete)
        group.post(":id/rotate-secret", use: rotate)
        group.post(":id/test", use: test)
        let deliveries = router.group("dashboard/webhook-deliveries").add(middleware: auth)
        deliveries.get(use: deliveryLog)
        deliveries.post(":eventId/retry", use: retry)
    }

    /// The members of a new endpoint.
    static let draftFields: Set<String> = ["url", "events", "description", "environment"]

    /// A new endpoint from a JSON body or the page's form.
    static func draft(_ body: RequestBody) throws -> DashboardWebhooks.Draft {
        DashboardWebhooks.Draft(
            target: try WebhookTarget(try body.string("url", maxLength: WebhookTarget.maxLength)),
            events: try events(body),
            environment: try body.optionalChoice("environment", of: EnvironmentName.self),
            description: try body.optionalString("description", maxLength: 500)
        )
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let draft = try Self.draft(try await RequestBody.decode(request, allowed: Self.draftFields))
        let keyed = try await webhooks.create(user: user, draft: draft)
        context.logger.info("webhook endpoint created", metadata: ["endpointId": .string(keyed.endpoint.id)])
        return Envelope.success(.created, Self.json(keyed), message: "Store the signing secret now: it is shown only once.")
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (page, limit) = try QueryParameters(request: request).page()
        let (items, total) = try await webhooks.list(user: user, page: page, limit: limit)
        return Envelope.page(items.map { .object($0.fields) }, total: total, page: page, limit: limit)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return Envelope.success(.ok, .object(try await webhooks.endpoint(user: user, id: try context.pathParameter("id")).fields))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.decode(request, allowed: ["url", "events", "description", "environment", "active"])
        let target = try body.optionalString("url", maxLength: WebhookTarget.maxLength).map(WebhookTarget.init)
        var change = WebhookEndpointChange()
        if body["events"] != nil { change.events = .some(try Self.events(body)) }
        if body["environment"] != nil { change.environment = .some(try body.optionalChoice("environment", of: EnvironmentName.self)) }
        if body["description"] != nil { change.description = .some(try body.optionalString("description", maxLength: 500)) }
        change.active = try body.optionalBool("active")
        let updated = try await webhooks.update(user: user, id: try context.pathParameter("id"), target: target, change: change)
        return Envelope.success(.ok, .object(updated.fields))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.pathParameter("id")
        try await webhooks.delete(user: user, id: id)
        return Envelope.success(.ok, ["id": .string(id), "deleted": true], message: Self.deleted)
    }

    /// What a deletion answers, for people.
    static let deleted = "Webhook endpoint deleted; its pending deliveries were dropped."

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        _ = try await RequestBody.decodeOptional(request, allowed: [])
        let keyed = try await webhooks.rotate(user: user, id: try context.pathParameter("id"))
        let until = Timestamp.iso8601(millis: keyed.endpoint.previousExpiresAt ?? 0)
        return Envelope.success(
            .ok,
            Self.json(keyed),
            message: "Store the new signing secret now: it is shown only once. The previous one keeps signing until \(until)."
        )
    }

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try await RequestBody.decodeOptional(request, allowed: ["environment"])?
            .optionalChoice("environment", of: EnvironmentName.self)
        let event = try await webhooks.test(user: user, id: try context.pathParameter("id"), environment: environment)
        return Envelope.success(
            .accepted,
            [
                "eventId": .string(event.eventID), "endpointId": .string(event.endpointID), "event": .string(WebhookEventType.test),
                "environment": .string(event.environment.rawValue), "status": .string(WebhookDeliveryState.pending.rawValue),
            ],
            message: "The test event is queued; GET /api/v1/balance/webhooks shows its delivery."
        )
    }

    @Sendable func deliveryLog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let (status, limit, offset) = try WebhookDeliveriesController.query(request)
        let environment = try request.namedEnvironment() ?? .testnet
        let page = try await webhooks.deliveries(user: user, environment: environment, status: status, limit: limit, offset: offset)
        return Envelope.success(.ok, WebhookDeliveriesController.json(page))
    }

    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try request.namedEnvironment() ?? .testnet
        _ = try await RequestBody.decodeOptional(request, allowed: [])
        let eventID = try context.pathParameter("eventId")
        let scheduled = try await webhooks.retry(user: user, environment: environment, eventID: eventID)
        return WebhookDeliveriesController.retried(eventID, scheduled, at: webhooks.now())
    }

    /// An endpoint with its secret: creation and rotation add `secret`.
    static func json(_ keyed: DashboardWebhooks.Keyed) -> JSONValue {
        var data = keyed.endpoint.fields
        data.append(("secret", .string(keyed.secret)))
        return .object(data)
    }

    /// `events`: absent or null = every event; otherwise a non-empty list of known names.
    static func events(_ body: RequestBody) throws -> [String]? {
        let allowed = WebhookEventType.names
        switch body["events"] {
        case nil, .null?: return nil
        case .array(let items)?:
            guard !items.isEmpty else {
                throw APIError.invalid("events", "required", "events must name at least one event, or be omitted for every event.")
            }
            var names: [String] = []
            for item in items {
                guard case .string(let name) = item, allowed.contains(name) else {
                    throw APIError.invalid("events", "enum", "events may only contain: \(allowed.joined(separator: ", ")).")
                }
                if !names.contains(name) { names.append(name) }
            }
            return names
        case let other?:
            throw APIError.invalid("events", "type", "events must be an array of event names, not \(other.typeName).")
        }
    }
}
