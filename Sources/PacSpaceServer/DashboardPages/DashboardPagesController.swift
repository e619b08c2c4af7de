import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The signed-in dashboard's home and environments (docs/operations.md, "The dashboard"),
/// each drawn from the JSON routes it calls in process.
struct DashboardPagesController: Sendable {
    let kit: AppPageKit

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app", use: home)
        router.get("app/environments", use: environments)
        router.post("app/environments", use: activate)
    }

    static func label(_ environment: String) -> String { PageParts.label(EnvironmentName(rawValue: environment) ?? .testnet) }

    /// A wire status for people: `not_provisioned` → "not provisioned".
    static func words(_ status: String) -> String { status.split(separator: "_").joined(separator: " ") }

    /// How long ago an ISO 8601 time was, for people: "4 s ago", "3 min ago", "2 h ago", "5 days ago".
    static func age(_ time: String?, now: Int64) -> String? {
        guard let time, let millis = Timestamp.parse(time) else { return nil }
        let seconds = max(0, (now - millis) / 1000)
        switch seconds {
        case ..<120: return "\(seconds) s ago"
        case ..<7200: return "\(seconds / 60) min ago"
        case ..<172_800: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) days ago"
        }
    }

    /// Per environment: what an operator looks at first.
    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let contracts = try await kit.api.call(.get, "/dashboard/contracts", token: me.accessToken, context: context)
        let profile = try await kit.api.call(.get, "/dashboard/auth/me", token: me.accessToken, context: context)
        let endpoints = try await kit.api.call(.get, "/dashboard/webhooks?limit=100", token: me.accessToken, context: context)
        let failing = endpoints.data["items"]?.items.filter { $0["failingSince"]?.text != nil || $0["active"]?.isTrue == false } ?? []
        var cards: [[String: Any]] = []
        let now = kit.web.now()
        for name in EnvironmentName.allCases {
            let contract = contracts.data.items.first { $0["environment"]?.text == name.rawValue }
            let status = contract?["status"]?.text ?? "not_provisioned"
            var card: [String: Any] = [
                "environment": name.rawValue, "label": Self.label(name.rawValue), "status": status, "statusLabel": Self.words(status),
            ]
            if status == "active", let contract {
                let summary = try await kit.api.call(
                    .get,
                    "/dashboard/customers/summary",
                    token: me.accessToken,
                    headers: [.environment: name.rawValue],
                    context: context
                ).data
                card["active"] = true
                card["treeSize"] = contract["treeSize"]?.text ?? "0"
                card["customers"] = summary["customers"]?.text ?? "0"
                card["verifiedThisMonth"] = summary["verifiedThisMonth"]?.text ?? "0"
                card["queuedDeltas"] = summary["queuedDeltas"]?.text ?? "0"
                card["lag"] = Self.age(summary["oldestQueuedAt"]?.text, now: now) ?? "none"
                card["lastSigned"] = Self.age(summary["lastSignedAt"]?.text, now: now) ?? "never"
                card["balance"] = summary["computedBalance"]?.text ?? "0"
                card["lastMonth"] = summary["lastMonth"]?["period"]?.text ?? ""
                card["unsealed"] = summary["lastMonth"]?["customersUnsealed"]?.text ?? "0"
                card["hasUnsealed"] = summary["lastMonth"]?["customersUnsealed"]?.text != "0"
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
        var values: [String: Any] = ["company": company, "environments": cards]
        if !failing.isEmpty {
            values["failingEndpoints"] = failing.map { ["url": $0["url"]?.text ?? "", "since": $0["failingSince"]?.text ?? "disabled"] }
        }
        return kit.render(.appHome, values, request: request, context: context, me: me, current: "home")
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
                var card: [String: Any] = ["environment": name, "label": Self.label(name), "status": state, "statusLabel": Self.words(state)]
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
}
