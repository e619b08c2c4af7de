import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The signed-in dashboard's home, environments and API keys (docs/operations.md, "The
/// dashboard"), each drawn from the JSON routes it calls in process.
struct DashboardPagesController: Sendable {
    let kit: AppPageKit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app", use: home)
        router.get("app/environments", use: environments)
        router.post("app/environments", use: activate)
        router.get("app/keys", use: keys)
        router.post("app/keys", use: createKey)
        router.post("app/keys/:id/revoke", use: revokeKey)
    }

    static func label(_ environment: String) -> String { environment == "mainnet" ? "Production (mainnet)" : "Sandbox (testnet)" }

    /// Per environment: what an operator looks at first.
    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let contracts = try await kit.api.call(.get, "/dashboard/contracts", token: me.accessToken, context: context)
        let profile = try await kit.api.call(.get, "/dashboard/auth/me", token: me.accessToken, context: context)
        var cards: [[String: Any]] = []
        for name in EnvironmentName.allCases {
            let contract = contracts.data.items.first { $0["environment"]?.text == name.rawValue }
            let status = contract?["status"]?.text ?? "not_provisioned"
            var card: [String: Any] = ["environment": name.rawValue, "label": Self.label(name.rawValue), "status": status]
            if status == "active", let contract {
                let summary = try await kit.api.call(
                    .get,
                    "/dashboard/customers/summary",
                    token: me.accessToken,
                    headers: [.environment: name.rawValue],
                    context: context
                ).data
                let total = Int(summary["totalDeltas"]?.text ?? "") ?? 0
                let verified = Int(summary["verifiedDeltas"]?.text ?? "") ?? 0
                card["active"] = true
                card["treeSize"] = contract["treeSize"]?.text ?? "0"
                card["customers"] = summary["customers"]?.text ?? "0"
                card["verifiedDeltas"] = String(verified)
                card["queuedDeltas"] = String(total - verified)
                card["balance"] = summary["computedBalance"]?.text ?? "0"
                if name.isPaid {
                    let credits = try await kit.api.call(.get, "/dashboard/credit/balances", token: me.accessToken, context: context)
                    card["credits"] = credits.data["availableBalance"]?.text ?? "—"
                }
            } else {
                card["explain"] =
                    status == "provisioning"
                    ? "Being provisioned; it is ready in a few seconds." : "Not active yet: activate it to get a log, a key and API keys."
            }
            cards.append(card)
        }
        let company = profile.data["tenant"]?["name"]?.text ?? "Your account"
        return kit.render(.appHome, ["company": company, "environments": cards], request: request, context: context, me: me, current: "home")
    }

    @Sendable func environments(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        return try await environmentsPage(me, request: request, context: context)
    }

    private func environmentsPage(
        _ me: WebSession.SignedIn,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let answer = try await kit.api.call(.get, "/dashboard/contracts/\(me.user.tenantID)/status", token: me.accessToken, context: context)
        let contracts = try await kit.api.call(.get, "/dashboard/contracts", token: me.accessToken, context: context)
        var provisioning = false
        let cards: [[String: Any]] =
            answer.data["environments"]?.items.map { entry in
                let name = entry["environment"]?.text ?? ""
                let state = entry["status"]?.text ?? "not_provisioned"
                var card: [String: Any] = ["environment": name, "label": Self.label(name), "status": state]
                switch state {
                case "active":
                    card["active"] = true
                    if let contract = contracts.data.items.first(where: { $0["environment"]?.text == name }) {
                        for field in ["id", "logOrigin", "publicKey", "chainId", "treeSize", "provisionedAt"] {
                            card[field] = contract[field]?.text ?? ""
                        }
                    }
                case "provisioning":
                    card["provisioning"] = true
                    provisioning = true
                case "error":
                    card["failed"] = true
                    card["error"] = entry["error"]?.text ?? "unknown error"
                    card["canActivate"] = true
                default:
                    card["canActivate"] = true
                }
                return card
            } ?? []
        var values: [String: Any] = ["environments": cards, "refresh": provisioning]
        values["error"] = error
        return kit.render(.appEnvironments, values, request: request, context: context, me: me, current: "environments", status: status)
    }

    /// Activates (or retries) an environment: `POST /dashboard/contracts/provision`.
    @Sendable func activate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let answer = try await kit.api.call(
            .post,
            "/dashboard/contracts/provision",
            body: form.json(["environment"]),
            token: me.accessToken,
            context: context
        )
        guard answer.ok else {
            return try await environmentsPage(me, error: answer.message, status: answer.status, request: request, context: context)
        }
        return AppPageKit.redirect("/app/environments")
    }

    @Sendable func keys(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        return try await keysPage(me, request: request, context: context)
    }

    private func keysPage(
        _ me: WebSession.SignedIn,
        created: JSONValue? = nil,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let list = try await kit.api.call(.get, "/dashboard/api-keys?limit=100", token: me.accessToken, context: context)
        let keys: [[String: Any]] =
            list.data["items"]?.items.map { key in
                let active = key["active"]?.isTrue ?? false
                return [
                    "id": key["id"]?.text ?? "", "name": key["name"]?.text ?? "", "publicKey": key["publicKey"]?.text ?? "",
                    "environment": key["environment"]?.text == "live" ? "production" : "sandbox", "active": active,
                    "status": active ? "active" : "revoked or disabled", "createdAt": key["createdAt"]?.text ?? "",
                    "lastUsedAt": key["lastUsedAt"]?.text ?? "never",
                ]
            } ?? []
        var values: [String: Any] = ["keys": keys, "hasKeys": !keys.isEmpty]
        if let created {
            values["created"] = [
                "fullKey": created["fullKey"]?.text ?? "", "environment": created["environment"]?.text == "live" ? "production" : "sandbox",
            ]
        }
        values["notice"] = notice
        values["error"] = error
        return kit.render(.appKeys, values, request: request, context: context, me: me, current: "keys", status: status)
    }

    /// Creates a key and shows it this once (the answer is never stored or cached: no-store).
    @Sendable func createKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let answer = try await kit.api.call(
            .post,
            "/dashboard/api-keys",
            body: form.json(["name", "environment"]),
            token: me.accessToken,
            context: context
        )
        guard answer.ok else { return try await keysPage(me, error: answer.message, status: answer.status, request: request, context: context) }
        return try await keysPage(me, created: answer.data, status: .created, request: request, context: context)
    }

    @Sendable func revokeKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        _ = try await kit.form(request)
        let id = AppPageKit.escape(try context.pathParameter("id"))
        let answer = try await kit.api.call(.delete, "/dashboard/api-keys/\(id)", token: me.accessToken, context: context)
        guard answer.ok else { return try await keysPage(me, error: answer.message, status: answer.status, request: request, context: context) }
        return try await keysPage(me, notice: "Key revoked: it is refused from now on.", request: request, context: context)
    }
}
