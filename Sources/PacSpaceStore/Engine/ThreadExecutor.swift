import Foundation

/// A task executor that runs every job it is given on one thread of its own.
///
/// A SQLite connection's work runs here as a whole: a transaction body started with this
/// executor as its preference (`withTaskExecutorPreference`) runs its statements, which
/// block, on this thread one after the other, without leaving it between them. Through a
/// thread pool each statement was two hops (pool thread, then the cooperative pool to
/// resume the body), and behind a busy cooperative pool each hop waited for requests'
/// jobs: the writer sat idle between statements while a third of the CPU stood idle too
/// (issue 28).
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `stopped` are read and written only while holding `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false
    private let name: String

    /// Starts the thread, named `name` (as `top -H` and `perf` show it; Linux keeps names of at most 15 bytes).
    init(name: String) {
        self.name = name
        Thread { [self] in
            Thread.current.name = name  // set from the thread itself, it names the system thread too
            self.runJobs()
        }.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        let open = !stopped
        if open {
            jobs.append(job)
            condition.signal()
        }
        condition.unlock()
        // After shutdown a late caller (a request racing the server's stop) still runs, on the
        // shared pool: its statements then fail on the closed connection instead of waiting forever.
        if !open { globalConcurrentExecutor.enqueue(job) }
    }

    /// Ends the thread once the jobs already enqueued have run; later jobs run on the shared pool.
    func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            let done = stopped && batch.isEmpty
            condition.unlock()
            if done { return }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
