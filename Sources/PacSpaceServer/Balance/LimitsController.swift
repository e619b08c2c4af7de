import Hummingbird
import PacSpaceCore

/// `GET /api/v1/balance/limits`: the limits this server applies, so clients can plan.
struct LimitsController: Sendable {
    let maxScopeDays: Int
    let maxBacklog: Int64

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("limits") { _, context in
            _ = try context.requireKey()
            return Envelope.success(
                .ok,
                [
                    "maxScopeDays": .int(maxScopeDays), "maxBatchSize": .int(DeltaController.maxBatch),
                    "maxDeltaMagnitude": DeltaInput.maxMagnitude.json, "deltaDecimalPlaces": .int(Amount.scale),
                    "maxMetadataBytes": .int(DeltaInput.maxMetadataBytes), "maxRequestBytes": .int(RequestBody.maxBytes),
                    "maxCompareEntries": .int(CompareController.maxEntries), "maxIdempotencyKeyLength": .int(IdempotencyGate.maxKeyLength),
                    "maxRunningTotal": Amount.maxTotal.json, "maxReceiptDeltas": .int(PeriodReceipts.maxDeltas),
                    "maxReceiptMetadataBytes": .int(PeriodReceipts.maxMetadataBytes), "maxBacklog": .int(maxBacklog),
                ]
            )
        }
    }
}
