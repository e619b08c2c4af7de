import Logging
import PacSpaceStore
import ServiceLifecycle

/// Deletes expired Idempotency-Key answers (``DeltaStore/idempotencyLifetimeMillis``): soon
/// after the start, then every hour, 5,000 rows per transaction so that the writer is held
/// in short turns, until none are left. Expired answers are ignored by reads before they
/// are purged, so the purge's timing changes only how much disk they hold.
struct IdempotencyPurge: Service {
    static let interval: Duration = .seconds(3600)
    static let batch = 5_000

    let deltas: DeltaStore
    let logger: Logger
    let now: @Sendable () -> Int64

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await purge()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
    }

    /// Purges everything expired now; returns how many rows went.
    @discardableResult
    func purge() async -> Int {
        let cutoff = now() - deltas.idempotencyLifetimeMillis
        var total = 0
        do {
            while true {
                let deleted = try await deltas.purgeIdempotencyKeys(before: cutoff, limit: Self.batch)
                total += deleted
                if deleted < Self.batch { break }
                logger.info("purging expired idempotency keys", metadata: ["deletedSoFar": .stringConvertible(total)])
            }
        } catch {
            logger.error("cannot purge expired idempotency keys; trying again in an hour", metadata: ["error": .string("\(error)")])
        }
        if total > 0 { logger.info("expired idempotency keys purged", metadata: ["deleted": .stringConvertible(total)]) }
        return total
    }
}
