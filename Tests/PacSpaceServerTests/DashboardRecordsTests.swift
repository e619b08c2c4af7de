import Foundation
import HTTPTypes
import PacSpaceCore
import Testing

/// The dashboard's records (issue 15): the JSON routes and their pages, per tenant.
@Suite struct DashboardRecordsTests {
    @Test(arguments: Backend.all)
    func aRecordsEntriesAndGrantsAreShownToItsTenantOnly(backend: Backend) async throws {
        try await TestServer(backend).run { api in
            let account = try await api.account()
            let key = try await api.apiKey(account)
            let reader = try await api.account()
            _ = try await api.apiKey(reader)
            let path = "machine-action-record/deploy%2F7/transitions"
            _ = try await api.record(.post, path, key: key, body: RecordsTests.entry(title: "First <deploy>"))
            _ = try await api.record(.post, path, key: key, body: RecordsTests.entry(lifecycle: "closed"))
            _ = try await api.record(.post, path, key: key, body: RecordsTests.entry(title: "After closing"))
            _ = try await api.record(
                .post,
                "machine-action-record/deploy%2F7/grants",
                key: key,
                body: #"{"kind":"TENANT_BOUND","counterpartyTenantId":"\#(reader.tenantID)","label":"the auditor","maxUses":9}"#
            )
            let listed = try await api.call(.get, "/dashboard/records", token: account.accessToken)
            #expect(listed.status == .ok && listed.data["records"]?.arrayValue?.first?["entityId"] == .string("deploy/7"), "\(listed.text)")
            #expect(
                try await api.call(.get, "/dashboard/records?recordType=usage-meter", token: account.accessToken).data["records"]?.arrayValue?.isEmpty
                    == true
            )
            let detail = try await api.call(.get, "/dashboard/records/machine-action-record/deploy%2F7", token: account.accessToken)
            #expect(detail.data["entries"]?.arrayValue?.count == 3 && detail.data["grants"]?.arrayValue?.count == 1)
            // Another tenant's user sees neither the list entry nor the record.
            #expect(try await api.call(.get, "/dashboard/records", token: reader.accessToken).data["records"]?.arrayValue?.isEmpty == true)
            let stranger = try await api.call(.get, "/dashboard/records/machine-action-record/deploy%2F7", token: reader.accessToken)
            #expect(stranger.status == .notFound && !stranger.text.contains("First"))
            // Production, not provisioned: 412, as every dashboard route of an environment.
            for path in ["/dashboard/records", "/dashboard/records/machine-action-record/deploy%2F7"] {
                let production = try await api.call(
                    .get,
                    path,
                    token: account.accessToken,
                    headers: DashboardCustomersTests.headers([("X-Environment", "production")])
                )
                #expect(production.status == .preconditionFailed && production.errorCode == "CONTRACT_NOT_DEPLOYED", "\(production.text)")
            }

            var browser = DashboardPagesTests.Browser()
            _ = try await browser.login(api, account)
            let list = try await browser.get(api, "/app/records")
            #expect(list.status == .ok && list.text.contains("deploy/7") && list.text.contains(#"aria-current="page">Records"#))
            let page = try await browser.get(api, "/app/records/machine-action-record/deploy%2F7?environment=testnet")
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("First &lt;deploy&gt;") && !page.text.contains("First <deploy>"))
            #expect(page.text.contains("attempted recorded") && page.text.contains("the auditor") && page.text.contains("0 of 9"))
            #expect(page.text.contains("/verify/ent_") && page.text.contains("?k="))
            var other = DashboardPagesTests.Browser()
            _ = try await other.login(api, reader)
            #expect(try await other.get(api, "/app/records/machine-action-record/deploy%2F7").status.code >= 400)
        }
    }
}
