import Foundation
import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's customers (docs/operations.md, "The dashboard"): search and list with
/// balances, add one by hand, a customer's deltas filtered and paged, its CSV export, and
/// its billing periods sealed and linked to their verification pages — the
/// `/dashboard/customers` routes, called in process.
struct CustomerPagesController: Sendable {
    let kit: AppPageKit
    let links: VerifyLinks

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/customers", use: list)
        router.post("app/customers", use: create)
        router.get("app/customers/:customerId", use: show)
        router.get("app/customers/:customerId/export", use: export)
        router.post("app/customers/:customerId/checkpoint", use: seal)
    }

    /// The environment a page shows: `environment=testnet|mainnet`, testnet by default.
    private func environment(_ value: String?) -> EnvironmentName { value == "mainnet" ? .mainnet : .testnet }

    private func choices(_ selected: EnvironmentName) -> [[String: Any]] {
        EnvironmentName.allCases.map {
            ["value": $0.rawValue, "label": DashboardPagesController.label($0.rawValue), "selected": $0 == selected]
        }
    }

    private func pager(page: Int, pages: Int, link: (Int) -> String) -> [String: Any]? {
        guard pages > 1 else { return nil }
        var pager: [String: Any] = ["page": page, "pages": pages]
        if page > 1 { pager["previous"] = link(page - 1) }
        if page < pages { pager["next"] = link(page + 1) }
        return pager
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        return try await listPage(
            me,
            environment: environment(try query.string("environment", maxLength: 16)),
            search: try query.string("search", maxLength: 128) ?? "",
            page: try query.page("page", limit: 50),
            request: request,
            context: context
        )
    }

    private func listPage(
        _ me: WebSession.SignedIn,
        environment: EnvironmentName,
        search: String,
        page: Int,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let limit = 50
        var path = "/dashboard/customers?page=\(page)&limit=\(limit)"
        if !search.isEmpty { path += "&search=\(AppPageKit.escape(search))" }
        let answer = try await kit.api.call(.get, path, token: me.accessToken, headers: [.environment: environment.rawValue], context: context)
        var values: [String: Any] = [
            "environment": environment.rawValue, "environmentLabel": DashboardPagesController.label(environment.rawValue),
            "environmentChoices": choices(environment), "search": search,
        ]
        values["error"] = error ?? (answer.ok ? nil : answer.message)
        let customers: [[String: Any]] =
            answer.data["items"]?.items.map { customer in
                let id = customer["customerId"]?.text ?? ""
                return [
                    "customerId": id, "path": AppPageKit.escape(id), "displayName": customer["displayName"]?.text ?? id,
                    "balance": customer["computedBalance"]?.text ?? "0", "deltas": customer["totalDeltas"]?.text ?? "0",
                    "lastActivityAt": customer["lastActivityAt"]?.text ?? "", "environment": environment.rawValue,
                ]
            } ?? []
        let total = Int(answer.data["total"]?.text ?? "") ?? 0
        values["customers"] = customers
        values["hasCustomers"] = !customers.isEmpty
        values["total"] = total
        values["pager"] = pager(page: page, pages: (total + limit - 1) / limit) { number in
            "/app/customers?environment=\(environment.rawValue)&search=\(AppPageKit.escape(search))&page=\(number)"
        }
        return kit.render(.appCustomers, values, request: request, context: context, me: me, current: "customers", status: status)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let environment = environment(form["environment"])
        let answer = try await kit.api.call(
            .post,
            "/dashboard/customers",
            body: form.json(["displayName", "customerId", "unitLabel"]),
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
        guard answer.ok, let id = answer.data["customerId"]?.text else {
            return try await listPage(
                me,
                environment: environment,
                search: "",
                page: 1,
                error: answer.message,
                status: answer.status,
                request: request,
                context: context
            )
        }
        return AppPageKit.redirect("/app/customers/\(AppPageKit.escape(id))?environment=\(environment.rawValue)")
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        return try await customerPage(
            me,
            customerID: try context.pathParameter("customerId"),
            environment: environment(try query.string("environment", maxLength: 16)),
            filter: Filter(
                status: try query.string("status", maxLength: 16) ?? "",
                reason: try query.string("reason", maxLength: 200) ?? "",
                startDate: try query.string("startDate", maxLength: 40) ?? "",
                endDate: try query.string("endDate", maxLength: 40) ?? "",
                derive: try query.string("derive", maxLength: 7) ?? ""
            ),
            page: try query.page("page", limit: 50),
            request: request,
            context: context
        )
    }

    /// What the customer page is narrowed to: the deltas' status, reason and dates, and the
    /// month to derive (`YYYY-MM`); empty means not given.
    struct Filter {
        var status = ""
        var reason = ""
        var startDate = ""
        var endDate = ""
        var derive = ""

        /// The deltas' filter as the API's query parameters.
        var query: String {
            [("status", status), ("reason", reason), ("startDate", startDate), ("endDate", endDate)]
                .filter { !$0.1.isEmpty }.map { "&\($0.0)=\(AppPageKit.escape($0.1))" }.joined()
        }
    }

    private func customerPage(
        _ me: WebSession.SignedIn,
        customerID: String,
        environment: EnvironmentName,
        filter: Filter,
        page: Int,
        notice: String? = nil,
        error: String? = nil,
        answerStatus: HTTPResponse.Status = .ok,
        request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let id = AppPageKit.escape(customerID)
        let limit = 50
        let path = "/dashboard/customers/\(id)?deltaPage=\(page)&deltaLimit=\(limit)" + filter.query
        let headers: HTTPFields = [.environment: environment.rawValue]
        var answer = try await kit.api.call(.get, path, token: me.accessToken, headers: headers, context: context)
        var error = error
        if answer.status == .badRequest, !filter.query.isEmpty {
            // A filter the API refuses (a date it cannot read): say so above the unfiltered page.
            error = answer.message
            answer = try await kit.api.call(
                .get,
                "/dashboard/customers/\(id)?deltaLimit=\(limit)",
                token: me.accessToken,
                headers: headers,
                context: context
            )
        }
        guard answer.ok else { throw answer.failure }
        let customer = answer.data
        let checkpoints = try await kit.api.call(
            .get,
            "/dashboard/customers/\(id)/checkpoints?limit=24",
            token: me.accessToken,
            headers: headers,
            context: context
        )
        let deltas: [[String: Any]] =
            customer["deltas"]?["items"]?.items.map { delta in
                [
                    "sequenceNumber": delta["sequenceNumber"]?.text ?? "", "createdAt": delta["createdAt"]?.text ?? "",
                    "delta": delta["delta"]?.text ?? "", "reason": delta["reason"]?.text ?? "", "referenceId": delta["referenceId"]?.text ?? "",
                    "status": delta["status"]?.text ?? "", "verified": delta["status"]?.text == "VERIFIED", "recordId": delta["recordId"]?.text ?? "",
                ]
            } ?? []
        let sealed: [[String: Any]] =
            checkpoints.data["checkpoints"]?.items.map { checkpoint in
                let checkpointID = checkpoint["checkpointId"]?.text ?? ""
                return [
                    "window": VerifyPageView.window(checkpoint["scope"] ?? .null), "deltaCount": checkpoint["deltaCount"]?.text ?? "",
                    "netChange": checkpoint["netChange"]?.text ?? "", "endingBalance": checkpoint["endingBalance"]?.text ?? "",
                    "status": checkpoint["status"]?.text ?? "",
                    "verifyPath": String(links.disclosingPage(checkpointID).dropFirst(links.publicURL.count)),
                ]
            } ?? []
        var values: [String: Any] = [:]
        if !filter.derive.isEmpty {
            // Derive for a month: the receipt answer of that period (docs/api.md §5).
            let derived = try await kit.api.call(
                .get,
                "/dashboard/customers/\(id)/receipt?period=\(AppPageKit.escape(filter.derive))",
                token: me.accessToken,
                headers: headers,
                context: context
            )
            if derived.ok {
                let data = derived.data
                values["derived"] = [
                    "period": filter.derive, "deltaCount": data["deltaCount"]?.text ?? "0",
                    "startingBalance": data["startingBalance"]?.text ?? "0", "finalBalance": data["finalBalance"]?.text ?? "0",
                    "proofRoot": data["proofRoot"]?.text ?? "", "sealed": data["sealed"]?.isTrue ?? false,
                ]
            } else {
                error = derived.message
            }
        }
        let pages = Int(customer["deltas"]?["totalPages"]?.text ?? "") ?? 1
        values.merge([
            "customerId": customerID, "path": id, "displayName": customer["displayName"]?.text ?? customerID,
            "balance": customer["computedBalance"]?.text ?? "0", "totalDeltas": customer["totalDeltas"]?.text ?? "0",
            "verifiedDeltas": customer["verifiedDeltas"]?.text ?? "0", "environment": environment.rawValue,
            "environmentLabel": DashboardPagesController.label(environment.rawValue), "reason": filter.reason,
            "startDate": filter.startDate, "endDate": filter.endDate, "derive": filter.derive.isEmpty ? "" : filter.derive,
            "deltas": deltas, "hasDeltas": !deltas.isEmpty, "checkpoints": sealed, "hasCheckpoints": !sealed.isEmpty,
            "currentPeriod": String(Timestamp.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)).prefix(7)),
            "statusChoices": [("", "Any"), ("VERIFIED", "Verified"), ("QUEUED", "Waiting"), ("FAILED", "Failed")].map {
                ["value": $0.0, "label": $0.1, "selected": $0.0 == filter.status]
            },
        ]) { $1 }
        values["unitLabel"] = customer["unitLabel"]?.text
        values["named"] = customer["displayName"]?.text != customerID
        values["notice"] = notice
        values["error"] = error
        values["pager"] = pager(page: page, pages: pages) { number in
            "/app/customers/\(id)?environment=\(environment.rawValue)\(filter.query)&page=\(number)"
        }
        return kit.render(.appCustomer, values, request: request, context: context, me: me, current: "customers", status: answerStatus)
    }

    /// The CSV export as the API streams it.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let environment = environment(try QueryParameters(request: request).string("environment", maxLength: 16))
        let id = AppPageKit.escape(try context.pathParameter("customerId"))
        return try await kit.api.response(
            .get,
            "/dashboard/customers/\(id)/export",
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
    }

    /// Seals `period` (YYYY-MM) for the customer: `POST /dashboard/customers/:id/checkpoint`.
    @Sendable func seal(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let form = try await kit.form(request)
        let customerID = try context.pathParameter("customerId")
        let environment = environment(form["environment"])
        let answer = try await kit.api.call(
            .post,
            "/dashboard/customers/\(AppPageKit.escape(customerID))/checkpoint",
            body: form.json(["period"]),
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
        return try await customerPage(
            me,
            customerID: customerID,
            environment: environment,
            filter: Filter(),
            page: 1,
            notice: answer.ok ? "Period sealed: its checkpoint joins the log within seconds; the verify link is in the table." : nil,
            error: answer.ok ? nil : answer.message,
            answerStatus: answer.ok ? .ok : answer.status,
            request: request,
            context: context
        )
    }
}
