import PacSpaceCore
import SQLKit

extension RecordGrant {
    init(row: any SQLRow) throws {
        let authorized = try JSONParser.parse(Array(try row.decode(column: "authorizes", as: String.self).utf8))
        var authorizes: [String] = []
        if case .array(let items) = authorized { authorizes = items.compactMap { if case .string(let text) = $0 { text } else { nil } } }
        self.init(
            grantID: try row.decode(column: "grant_id", as: String.self),
            environmentID: try row.decode(column: "environment_id", as: String.self),
            recordKey: try row.decode(column: "record_key", as: Hash.self),
            kind: try row.decode(column: "kind", as: Kind.self),
            counterpartyTenantID: try row.decode(column: "counterparty_tenant_id", as: String?.self),
            recipientEmail: try row.decode(column: "recipient_email", as: String?.self),
            label: try row.decode(column: "label", as: String?.self),
            authorizes: authorizes,
            maxUses: try row.decode(column: "max_uses", as: Int64?.self),
            uses: try row.decode(column: "uses", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64?.self),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            readerWrap: try row.decode(column: "reader_wrap", as: String?.self).map { try JSONParser.parse(Array($0.utf8)) }
        )
    }
}
