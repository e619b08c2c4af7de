import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The dashboard's webhooks (docs/operations.md, "The dashboard"): endpoints with their
/// events, a test event, secret rotation (the secret shown once), enable, disable, delete;
/// an environment's delivery log with each attempt, and a retry — the typed queries the
/// `/dashboard/webhooks` and `/dashboard/webhook-deliveries` routes answer from
/// (``DashboardWebhooks``), rendered as ``WebhooksPage``.
struct WebhookPagesController: Sendable {
    let kit: AppPageKit
    let webhooks: DashboardWebhooks

    /// Deliveries the page lists.
    static let logSize = 50

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/webhooks", use: show)
        router.post("app/webhooks", use: create)
        router.post("app/webhooks/:id/test", use: test)
        router.post("app/webhooks/:id/rotate-secret", use: rotate)
        router.post("app/webhooks/:id/active", use: setActive)
        router.post("app/webhooks/:id/delete", use: delete)
        router.post("app/webhooks/deliveries/:eventId/retry", use: retry)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let environment = PageParts.environment(try QueryParameters(request: request).string("environment", maxLength: 16))
        return try await page(me, environment: environment, request: request, context: context)
    }

    /// The page of `environment`'s log, with a secret just issued, a notice or a refusal.
    private func page(
        _ me: WebSession.SignedIn,
        environment: EnvironmentName,
        issued: DashboardWebhooks.Keyed? = nil,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        async let endpoints = webhooks.list(user: me.user, page: 1, limit: 100)
        async let log = webhooks.deliveries(user: me.user, environment: environment, status: nil, limit: Self.logSize, offset: 0)
        let model = WebhooksPage(endpoints: try await endpoints.endpoints, log: try await log, environment: environment, issued: issued)
        return kit.render(
            .appWebhooks,
            model,
            request: request,
            context: context,
            me: me,
            current: "webhooks",
            error: error,
            notice: notice,
            status: status
        )
    }

    /// Runs one action; the page with its notice, or with its refusal: of the environment the
    /// form's field `shownEnvironment` names (testnet when none is named).
    private func act(
        _ request: Request,
        _ context: AppRequestContext,
        status: HTTPResponse.Status = .ok,
        shownEnvironment: String = "",
        _ action: (WebSession.SignedIn, FormBody) async throws -> (notice: String, issued: DashboardWebhooks.Keyed?)
    ) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let shown = PageParts.environment(shownEnvironment.isEmpty ? nil : form[shownEnvironment])
        do {
            let (notice, issued) = try await action(me, form)
            return try await page(me, environment: shown, issued: issued, notice: notice, status: status, request: request, context: context)
        } catch let refusal as APIError {
            return try await page(me, environment: shown, error: refusal.message, status: refusal.status, request: request, context: context)
        }
    }

    /// An endpoint from `url`, `description`, `environment` (empty: both) and the ticked
    /// `events` (none: all).
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, status: .created) { me, form in
            var members: [(String, JSONValue)] = [("url", .string(form["url"] ?? ""))]
            for name in ["description", "environment"] {
                if let value = form[name], !value.isEmpty { members.append((name, .string(value))) }
            }
            let events = form.all("events")
            if !events.isEmpty { members.append(("events", .array(events.map(JSONValue.string)))) }
            let draft = try WebhooksController.draft(try RequestBody(object: members, allowed: WebhooksController.draftFields))
            return ("Endpoint added.", try await webhooks.create(user: me.user, draft: draft))
        }
    }

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, _ in
            let event = try await webhooks.test(user: me.user, id: try context.pathParameter("id"), environment: nil)
            return ("Test event \(event.eventID) queued: see it below.", nil)
        }
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, _ in
            let keyed = try await webhooks.rotate(user: me.user, id: try context.pathParameter("id"))
            return ("Secret rotated: the previous one keeps signing for 24 hours.", keyed)
        }
    }

    /// The form's `active` is `true` or `false`.
    @Sendable func setActive(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, form in
            var change = WebhookEndpointChange()
            change.active = form["active"] == "true"
            let updated = try await webhooks.update(user: me.user, id: try context.pathParameter("id"), target: nil, change: change)
            return (updated.active ? "Endpoint enabled." : "Endpoint disabled: nothing is sent to it until enabled.", nil)
        }
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context) { me, _ in
            try await webhooks.delete(user: me.user, id: try context.pathParameter("id"))
            return (WebhooksController.deleted, nil)
        }
    }

    /// Sends an event of the form's environment again.
    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, shownEnvironment: "environment") { me, form in
            _ = try await webhooks.retry(
                user: me.user,
                environment: PageParts.environment(form["environment"]),
                eventID: try context.pathParameter("eventId")
            )
            return (WebhookDeliveriesController.scheduled, nil)
        }
    }
}
