import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's webhooks (docs/operations.md, "The dashboard"): endpoints with their
/// events, a test event, secret rotation (the secret shown once), enable, disable, delete;
/// an environment's delivery log with each attempt, and a retry — the `/dashboard/webhooks`
/// and `/dashboard/webhook-deliveries` routes, called in process.
struct WebhookPagesController: Sendable {
    let kit: AppPageKit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/webhooks", use: show)
        router.post("app/webhooks", use: create)
        router.post("app/webhooks/:id/test", use: test)
        router.post("app/webhooks/:id/rotate-secret", use: rotate)
        router.post("app/webhooks/:id/active", use: setActive)
        router.post("app/webhooks/:id/delete", use: delete)
        router.post("app/webhooks/deliveries/:eventId/retry", use: retry)
    }

    private func environment(_ value: String?) -> EnvironmentName { value == "mainnet" ? .mainnet : .testnet }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let environment = environment(try QueryParameters(request: request).string("environment", maxLength: 16))
        return try await page(me, environment: environment, request: request, context: context)
    }

    private func page(
        _ me: WebSession.SignedIn,
        environment: EnvironmentName,
        secret: (url: String, value: String)? = nil,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let endpoints = try await kit.api.call(.get, "/dashboard/webhooks?limit=100", token: me.accessToken, context: context)
        let deliveries = try await kit.api.call(
            .get,
            "/dashboard/webhook-deliveries?limit=50",
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
        let rows: [[String: Any]] =
            endpoints.data["items"]?.items.map { endpoint in
                let active = endpoint["active"]?.isTrue ?? false
                return [
                    "id": endpoint["id"]?.text ?? "", "url": endpoint["url"]?.text ?? "", "active": active,
                    "events": endpoint["allEvents"]?.isTrue == true
                        ? "all" : (endpoint["events"]?.items.compactMap(\.text) ?? []).joined(separator: ", "),
                    "environment": endpoint["environment"]?.text ?? "both", "description": endpoint["description"]?.text ?? "",
                    "state": active ? "active" : "disabled" + (endpoint["disabledReason"]?.text.map { ": \($0)" } ?? ""),
                    "failingSince": endpoint["failingSince"]?.text ?? "",
                ]
            } ?? []
        let log: [[String: Any]] =
            deliveries.data["deliveries"]?.items.map { delivery in
                let code = delivery["lastStatusCode"]?.text
                return [
                    "eventId": delivery["eventId"]?.text ?? "", "event": delivery["event"]?.text ?? "", "url": delivery["url"]?.text ?? "",
                    "state": delivery["state"]?.text ?? "", "attempts": delivery["attempts"]?.text ?? "0",
                    "lastAnswer": code.map { "HTTP \($0)" } ?? delivery["lastError"]?.text ?? "—", "createdAt": delivery["createdAt"]?.text ?? "",
                    "environment": environment.rawValue,
                    "history": delivery["history"]?.items.map { attempt in
                        [
                            "attemptedAt": attempt["attemptedAt"]?.text ?? "",
                            "outcome": attempt["statusCode"]?.text.map { "HTTP \($0)" } ?? attempt["error"]?.text ?? "no answer",
                        ]
                    } ?? [],
                ]
            } ?? []
        var values: [String: Any] = [
            "endpoints": rows, "hasEndpoints": !rows.isEmpty, "deliveries": log, "hasDeliveries": !log.isEmpty,
            "eventChoices": WebhookEventType.names, "environmentLabel": DashboardPagesController.label(environment.rawValue),
            "environmentChoices": EnvironmentName.allCases.map {
                ["value": $0.rawValue, "label": DashboardPagesController.label($0.rawValue), "selected": $0 == environment]
            },
        ]
        if let secret { values["secret"] = ["url": secret.url, "value": secret.value] }
        values["notice"] = notice
        values["error"] = error ?? (endpoints.ok ? nil : endpoints.message)
        return kit.render(.appWebhooks, values, request: request, context: context, me: me, current: "webhooks", status: status)
    }

    /// `POST /dashboard/webhooks`: `url`, `description`, `environment` (empty: both) and the ticked `events` (none: all).
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        var body: [(String, JSONValue)] = [("url", .string(form["url"] ?? ""))]
        if let description = form["description"], !description.isEmpty { body.append(("description", .string(description))) }
        if let environment = form["environment"], !environment.isEmpty { body.append(("environment", .string(environment))) }
        let events = form.all("events")
        if !events.isEmpty { body.append(("events", .array(events.map(JSONValue.string)))) }
        let answer = try await kit.api.call(.post, "/dashboard/webhooks", body: .object(body), token: me.accessToken, context: context)
        guard answer.ok else {
            return try await page(me, environment: .testnet, error: answer.message, status: answer.status, request: request, context: context)
        }
        let secret = (answer.data["url"]?.text ?? "", answer.data["secret"]?.text ?? "")
        return try await page(
            me,
            environment: .testnet,
            secret: secret,
            notice: "Endpoint added.",
            status: .created,
            request: request,
            context: context
        )
    }

    /// One endpoint action through the API, then the page with its message.
    private func act(
        _ request: Request,
        _ context: AppRequestContext,
        _ method: HTTPRequest.Method,
        _ suffix: String,
        body: (FormBody) -> JSONValue? = { _ in nil },
        done: (InProcessAPI.Answer) -> (notice: String, secret: (String, String)?)
    ) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("id"))
        let answer = try await kit.api.call(method, "/dashboard/webhooks/\(id)\(suffix)", body: body(form), token: me.accessToken, context: context)
        guard answer.ok else {
            return try await page(me, environment: .testnet, error: answer.message, status: answer.status, request: request, context: context)
        }
        let outcome = done(answer)
        return try await page(me, environment: .testnet, secret: outcome.secret, notice: outcome.notice, request: request, context: context)
    }

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, .post, "/test") { answer in ("Test event \(answer.data["eventId"]?.text ?? "") queued: see it below.", nil) }
    }

    @Sendable func rotate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, .post, "/rotate-secret") { answer in
            ("Secret rotated: the previous one keeps signing for 24 hours.", (answer.data["url"]?.text ?? "", answer.data["secret"]?.text ?? ""))
        }
    }

    @Sendable func setActive(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(
            request,
            context,
            .patch,
            "",
            body: { ["active": .bool($0["active"] == "true")] },
            done: { answer in
                (answer.data["active"]?.isTrue == true ? "Endpoint enabled." : "Endpoint disabled: nothing is sent to it until enabled.", nil)
            }
        )
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await act(request, context, .delete, "") { answer in (answer.message, nil) }
    }

    /// `POST /dashboard/webhook-deliveries/:eventId/retry` in the form's environment.
    @Sendable func retry(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let environment = environment(form["environment"])
        let eventID = AppPageKit.escape(try context.pathParameter("eventId"))
        let answer = try await kit.api.call(
            .post,
            "/dashboard/webhook-deliveries/\(eventID)/retry",
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
        return try await page(
            me,
            environment: environment,
            notice: answer.ok ? answer.message : nil,
            error: answer.ok ? nil : answer.message,
            status: answer.ok ? .ok : answer.status,
            request: request,
            context: context
        )
    }
}
