import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's checkpoints (docs/operations.md, "The dashboard"): every sealed period
/// of an environment — its customers' and its own — with its status and the link that
/// shows it to the customer (`GET /dashboard/checkpoints`, called in process).
struct CheckpointPagesController: Sendable {
    let kit: AppPageKit
    let links: VerifyLinks

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/checkpoints", use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        let environment: EnvironmentName = try query.string("environment", maxLength: 16) == "mainnet" ? .mainnet : .testnet
        let limit = 50
        let page = try query.page("page", limit: limit)
        let answer = try await kit.api.call(
            .get,
            "/dashboard/checkpoints?limit=\(limit)&offset=\((page - 1) * limit)",
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
        let rows: [[String: Any]] =
            answer.data["checkpoints"]?.items.map { checkpoint in
                let id = checkpoint["checkpointId"]?.text ?? ""
                return [
                    "customer": checkpoint["customerId"]?.text ?? "the whole environment",
                    "window": VerifyPageView.window(checkpoint["scope"] ?? .null),
                    "deltaCount": checkpoint["deltaCount"]?.text ?? "", "netChange": checkpoint["netChange"]?.text ?? "",
                    "endingBalance": checkpoint["endingBalance"]?.text ?? "", "status": checkpoint["status"]?.text ?? "",
                    "sealedAt": checkpoint["createdAt"]?.text ?? "", "verifyPath": String(links.disclosingPage(id).dropFirst(links.publicURL.count)),
                ]
            } ?? []
        let total = Int(answer.data["total"]?.text ?? "") ?? 0
        var values: [String: Any] = [
            "checkpoints": rows, "hasCheckpoints": !rows.isEmpty, "total": total,
            "environmentLabel": DashboardPagesController.label(environment.rawValue),
            "environmentChoices": EnvironmentName.allCases.map {
                ["value": $0.rawValue, "label": DashboardPagesController.label($0.rawValue), "selected": $0 == environment]
            },
        ]
        values["error"] = answer.ok ? nil : answer.message
        let pages = (total + limit - 1) / limit
        if pages > 1 {
            var pager: [String: Any] = ["page": page, "pages": pages]
            if page > 1 { pager["previous"] = "/app/checkpoints?environment=\(environment.rawValue)&page=\(page - 1)" }
            if page < pages { pager["next"] = "/app/checkpoints?environment=\(environment.rawValue)&page=\(page + 1)" }
            values["pager"] = pager
        }
        return kit.render(
            .appCheckpoints,
            values,
            request: request,
            context: context,
            me: me,
            current: "checkpoints",
            status: answer.ok ? .ok : answer.status
        )
    }
}
