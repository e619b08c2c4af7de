import PacSpaceCore
import SQLKit

extension CustomerTotals {
    init(row: any SQLRow) throws {
        self.init(
            customerID: try row.decode(column: "customer_id", as: String.self),
            totalDeltas: try row.decode(column: "total_deltas", as: Int64.self),
            verifiedDeltas: try row.decode(column: "verified_deltas", as: Int64.self),
            verifiedBalance: Amount(micros: try row.decode(column: "verified_balance", as: Int64.self)),
            lastVerifiedIndex: try row.decode(column: "last_verified_index", as: Int64?.self),
            latestReceiptID: try row.decode(column: "latest_receipt_id", as: String?.self),
            lastActivityAt: try row.decode(column: "last_activity_at", as: Int64.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            profile: try row.decode(column: "display_name", as: String?.self).map { name in
                CustomerProfile(
                    displayName: name,
                    unitLabel: try row.decode(column: "unit_label", as: String?.self),
                    sharingStateHint: try row.decode(column: "sharing_state_hint", as: String?.self),
                    eventCadence: try row.decode(column: "event_cadence", as: String?.self)
                )
            }
        )
    }
}
