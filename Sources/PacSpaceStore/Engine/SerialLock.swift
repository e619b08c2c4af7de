/// A FIFO async lock: one holder at a time, waiters resumed in arrival order.
///
/// One SQLite connection must not interleave transactions (stack-notes §5.2); actor
/// reentrancy alone does not prevent that across `await`s, this lock does.
final class SerialLock: Sendable {
    private actor State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            if !locked {
                locked = true
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func release() {
            if waiters.isEmpty {
                locked = false
            } else {
                waiters.removeFirst().resume()
            }
        }
    }

    private let state = State()

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await state.acquire()
        do {
            let result = try await body()
            await state.release()
            return result
        } catch {
            await state.release()
            throw error
        }
    }
}
