import PacSpaceCore
import SQLKit

extension RecordLink {
    init(row: any SQLRow) throws {
        self.init(
            handle: try row.decode(column: "handle", as: String.self),
            environmentID: try row.decode(column: "environment_id", as: String.self),
            recordKey: try row.decode(column: "record_key", as: Hash.self),
            label: try row.decode(column: "label", as: String?.self),
            accessCodeHash: try row.decode(column: "access_code_hash", as: String?.self),
            envelope: try row.decode(column: "envelope", as: String?.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self)
        )
    }
}
