import Foundation
import HTTPTypes
import Hummingbird
import PacSpaceCore

/// The dashboard's records (docs/records.md): an environment's records by type, and one
/// record with its entries (each with its verification page), its grants and its links, over
/// `GET /dashboard/records*` called in process.
struct RecordPagesController: Sendable {
    let kit: AppPageKit
    let links: VerifyLinks

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("app/records", use: list)
        router.get("app/records/:recordType/:entityId", use: show)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        let environment = try Self.environment(query)
        let type = try query.string("recordType", maxLength: 64)
        let limit = 50
        let page = try query.page("page", limit: limit)
        var path = "/dashboard/records?limit=\(limit + 1)&offset=\((page - 1) * limit)"
        if let type { path += "&recordType=" + (type.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
        let answer = try await kit.api.call(.get, path, token: me.accessToken, headers: [.environment: environment.rawValue], context: context)
        let found = answer.data["records"]?.items ?? []
        let rows: [[String: Any]] = found.prefix(limit).map { record in
            let recordType = record["recordType"]?.text ?? ""
            let entity = record["entityId"]?.text ?? ""
            return [
                "recordType": recordType, "entityId": entity, "entryCount": record["entryCount"]?.text ?? "",
                "lifecycle": record["lifecycle"]?.text ?? "—", "updatedAt": record["updatedAt"]?.text ?? "",
                "path": Self.recordPath(recordType, entity, environment),
            ]
        }
        var values: [String: Any] = [
            "records": rows, "hasRecords": !rows.isEmpty, "recordType": type ?? "",
            "environmentLabel": DashboardPagesController.label(environment.rawValue),
            "environmentChoices": Self.choices(environment),
            "typeChoices": [["value": "", "label": "Every type", "selected": type == nil]]
                + Set(RecordLayout.published.map(\.recordType)).sorted().map { ["value": $0, "label": $0, "selected": $0 == type] },
        ]
        values["error"] = answer.ok ? nil : answer.message
        var pager: [String: Any] = ["page": page]
        let base = "/app/records?environment=\(environment.rawValue)" + (type.map { "&recordType=\($0)" } ?? "")
        if page > 1 { pager["previous"] = "\(base)&page=\(page - 1)" }
        if found.count > limit { pager["next"] = "\(base)&page=\(page + 1)" }
        if pager.count > 1 { values["pager"] = pager }
        return kit.render(
            .appRecords,
            values,
            request: request,
            context: context,
            me: me,
            current: "records",
            status: answer.ok ? .ok : answer.status
        )
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let me = try await kit.signedIn(request)
        let query = QueryParameters(request: request)
        let environment = try Self.environment(query)
        let type = try context.pathParameter("recordType")
        let entity = try context.pathParameter("entityId")
        let from = try query.integer("fromSeq", in: 0...Int(Int32.max)) ?? 0
        let answer = try await kit.api.call(
            .get,
            "/dashboard/records/\(Self.escaped(type))/\(Self.escaped(entity))?fromSeq=\(from)",
            token: me.accessToken,
            headers: [.environment: environment.rawValue],
            context: context
        )
        guard answer.ok else { throw answer.failure }
        let entries: [[String: Any]] = (answer.data["entries"]?.items ?? []).map { receipt in
            let revealed = receipt["revealed"]?.items ?? []
            // An encrypted entry (or its attempt, a row of any version) reveals nothing: the
            // server cannot read it. A plaintext entry always reveals its admitted fields.
            let sealed = receipt["envelopes"] != nil || revealed.isEmpty
            let title = sealed ? "Encrypted by the writer" : revealed.first { $0["pointer"]?.text == "/title" }?["value"]?.text ?? ""
            let attempted = revealed.first { $0["pointer"]?.text == "/attemptedTarget" }?["value"]?.text
            let seq = Int(receipt["seq"]?.text ?? "") ?? 0
            let verify = receipt["verifyUrl"]?.text ?? ""
            return [
                "entry": String(seq + 1), "lifecycle": receipt["lifecycle"]?.text ?? "", "attempted": attempted ?? "",
                "hasAttempted": attempted != nil, "title": title, "status": receipt["status"]?.text ?? "",
                "createdAt": receipt["createdAt"]?.text ?? "", "receiptId": receipt["receiptId"]?.text ?? "",
                "verifyPath": verify.hasPrefix(links.publicURL) ? String(verify.dropFirst(links.publicURL.count)) : verify,
            ]
        }
        let grants: [[String: Any]] = (answer.data["grants"]?.items ?? []).map { grant in
            let uses = grant["uses"]?.text ?? "0"
            return [
                "kind": grant["kind"]?.text == "LINK" ? "Link" : "Tenant",
                "holder": grant["counterpartyTenantId"]?.text ?? grant["recipientEmail"]?.text ?? "whoever holds the link",
                "label": grant["label"]?.text ?? "", "status": grant["status"]?.text?.lowercased() ?? "",
                "uses": grant["maxUses"]?.text.map { "\(uses) of \($0)" } ?? uses, "expiresAt": grant["expiresAt"]?.text ?? "never",
            ]
        }
        let shared: [[String: Any]] = (answer.data["links"]?.items ?? []).map { link in
            [
                "link": link["link"]?.text ?? "", "label": link["label"]?.text ?? "",
                "access": link["accessMode"]?.text == "TWO_TIER" ? "link and access code" : "link alone",
                "disclosure": link["disclosureStored"] == .bool(true) ? "stored" : "not yet", "status": link["status"]?.text?.lowercased() ?? "",
                "expiresAt": link["expiresAt"]?.text ?? "",
            ]
        }
        let record = answer.data["record"] ?? .null
        var values: [String: Any] = [
            "recordType": type, "entityId": entity, "recordKey": record["recordKey"]?.text ?? "",
            "entryCount": record["entryCount"]?.text ?? "", "lifecycle": record["lifecycle"]?.text ?? "",
            "entries": entries, "grants": grants, "hasGrants": !grants.isEmpty, "links": shared, "hasLinks": !shared.isEmpty,
            "environmentLabel": DashboardPagesController.label(environment.rawValue),
        ]
        if let next = answer.data["nextFromSeq"]?.text {
            values["next"] = Self.recordPath(type, entity, environment) + "&fromSeq=\(next)"
        }
        return kit.render(.appRecord, values, request: request, context: context, me: me, current: "records")
    }

    private static func environment(_ query: QueryParameters) throws -> EnvironmentName {
        try query.string("environment", maxLength: 16) == "mainnet" ? .mainnet : .testnet
    }

    private static func choices(_ environment: EnvironmentName) -> [[String: Any]] {
        EnvironmentName.allCases.map { ["value": $0.rawValue, "label": DashboardPagesController.label($0.rawValue), "selected": $0 == environment] }
    }

    private static func escaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? ""
    }

    static func recordPath(_ type: String, _ entity: String, _ environment: EnvironmentName) -> String {
        "/app/records/\(escaped(type))/\(escaped(entity))?environment=\(environment.rawValue)"
    }
}
