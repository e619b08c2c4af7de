import NIOCore
import PostgresNIO
import Synchronization
import VaporCSQLite

extension Database {
    /// How long a request waits for a PostgreSQL connection before it answers 503: the
    /// pool keeps trying to connect meanwhile, but a client should not hang on it.
    static let leaseTimeout = Duration.seconds(5)
    /// How long one operation may hold its connection without finishing (under the usual
    /// 15–30 s client timeouts; the sequencer's large batches get longer). A database host
    /// that vanished without closing the socket (or a hung backend) otherwise blocks the
    /// caller — the sequencer, a request — forever: PostgresNIO queries ignore task
    /// cancellation, so the connection is closed, which fails the waiting statement.
    public static let operationTimeout = Duration.seconds(10)

    /// Runs a PostgreSQL operation that calls `leased` with its connection once it has
    /// one. Errors come back as the body threw them; a pool that cannot lease a connection
    /// (within ``leaseTimeout``), no answer within `timeout` (nil: no limit), lost
    /// connections and a database that is down or shutting down as
    /// ``DatabaseError/unavailable(_:)``.
    ///
    /// The caller is answered by whichever comes first, the operation or its deadline,
    /// and does not wait for the other: neither a lease request nor a statement of
    /// PostgresNIO is guaranteed to end promptly when cancelled.
    static func postgres<T: Sendable>(
        timeout: Duration?,
        _ operation: @escaping @Sendable (@escaping @Sendable (PostgresConnection) -> Void) async throws -> T
    ) async throws -> T {
        let lease = Lease()
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.waiting(continuation)
            // The deadline; cancelled as soon as the operation ends, so fast operations leave no sleeping task behind.
            let deadline = Task {
                try? await Task.sleep(for: leaseTimeout)
                guard !outcome.finished else { return }
                guard let connection = lease.connection else {
                    lease.cancelWaiting()  // a lease granted later must not run the operation after its caller was answered
                    return outcome.finish(.failure(DatabaseError.unavailable("no PostgreSQL connection within \(leaseTimeout)")))
                }
                guard let timeout else { return }
                try? await Task.sleep(for: timeout - leaseTimeout)
                guard !outcome.finished else { return }
                lease.expire()
                _ = connection.close() as EventLoopFuture<Void>  // fails the statement it waits for
                outcome.finish(.failure(DatabaseError.unavailable("no answer within \(timeout); the connection was closed")))
            }
            lease.waiting(
                Task {
                    do {
                        outcome.finish(.success(try await operation { lease.hold($0) }))
                    } catch {
                        outcome.finish(
                            .failure(
                                lease.expired
                                    ? DatabaseError.unavailable("no answer within \(timeout ?? .zero); the connection was closed")
                                    : lease.connection == nil
                                        ? DatabaseError.unavailable("no PostgreSQL connection: \(error)")
                                        : classify(error)
                            )
                        )
                    }
                    deadline.cancel()
                }
            )
        }
    }

    /// The body's own error, or ``DatabaseError/unavailable(_:)`` when the database failed.
    static func classify(_ error: any Error) -> any Error {
        switch error {
        case let error as PostgresTransactionError:
            // The body's error when it threw and the rollback went through; otherwise the database failed.
            if let closure = error.closureError, error.rollbackError == nil { return classify(closure) }
            return DatabaseError.unavailable(String(describing: error.commitError ?? error.beginError ?? error.rollbackError ?? error.closureError))
        case let error as PSQLError:
            let state = error.serverInfo?[.sqlState] ?? ""
            // 08 connection exception, 40 transaction rollback (deadlock, serialization: a retry
            // may succeed), 53 insufficient resources (disk full), 57 operator intervention
            // (shutdown, crash, not accepting connections), 58 system (I/O) error.
            if error.code != .server || ["08", "40", "53", "57", "58"].contains(String(state.prefix(2))) {
                return DatabaseError.unavailable("PostgreSQL: \(error.code) \(state)")
            }
            return error
        case let error as SQLiteFailure where sqliteUnavailableCodes.contains(error.primaryCode):
            return DatabaseError.unavailable("SQLite: \(error)")
        default:
            return error
        }
    }

    /// SQLite result codes of a failing store. Connections open with extended codes
    /// (`SQLITE_IOERR_FSYNC`, `SQLITE_BUSY_TIMEOUT`, …), matched by their primary code.
    private static let sqliteUnavailableCodes = [SQLITE_IOERR, SQLITE_FULL, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN]

    /// The result of an operation, delivered once, to whoever waits for it.
    private final class Outcome<T: Sendable>: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, finished: Bool)>((nil, false))
        var finished: Bool { state.withLock { $0.finished } }
        func waiting(_ continuation: CheckedContinuation<T, any Error>) { state.withLock { $0.continuation = continuation } }
        func finish(_ result: Result<T, any Error>) {
            let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
                guard !state.finished else { return nil }
                state.finished = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(with: result)
        }
    }

    /// The connection an operation holds, once it holds one, and whether its time ran out.
    private final class Lease: Sendable {
        private let state = Mutex<(connection: PostgresConnection?, expired: Bool)>((nil, false))
        private let operation = Mutex<Task<Void, Never>?>(nil)
        func waiting(_ task: Task<Void, Never>) { operation.withLock { $0 = task } }
        func cancelWaiting() { operation.withLock { $0?.cancel() } }
        var connection: PostgresConnection? { state.withLock { $0.connection } }
        var expired: Bool { state.withLock { $0.expired } }
        func hold(_ connection: PostgresConnection) { state.withLock { $0.connection = connection } }
        func expire() { state.withLock { $0.expired = true } }
    }
}
