import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with bytes on its standard input, by `posix_spawn`.
///
/// Not Foundation's `Process`: on Linux its `run()` crashes the whole server now and then
/// (SIGSEGV in `findMaximumOpenFromProcSelfFD`, an over-read of `dirent.d_name`;
/// swift-corelibs-foundation PR 5472, not in Swift 6.3.1). It took the test suite down
/// once in about ten full runs through the `sendmail` transport.
enum ChildProcess {
    /// Why a program could not be run.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `program` with `arguments`, writes `input` to its standard input and closes it,
    /// waits for it to exit; returns its exit status (128 + the signal when killed). It
    /// inherits no descriptor of the server beyond 0, 1 and 2. Blocking: call it off the
    /// concurrency threads.
    static func run(_ program: String, arguments: [String], input: [UInt8]) throws -> Int32 {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        // Not inherited by anything else this server runs (and a child of a concurrent call
        // closes it anyway: below, every child closes all descriptors from 3 up).
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        _ = addCloseFrom(&actions, 3)

        let argv = ([program] + arguments).map { strdup($0) }
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        var vector = argv + [nil]
        let spawned = vector.withUnsafeMutableBufferPointer { arguments in
            guard let base = arguments.baseAddress else { return EINVAL }
            return posix_spawn(&pid, program, &actions, nil, base, environ)
        }
        close(readEnd)
        guard spawned == 0 else {
            close(writeEnd)
            throw Failure(description: "cannot run \(program): \(String(cString: strerror(spawned)))")
        }
        // A program that exits without reading everything must not kill the server with SIGPIPE:
        // MSG_NOSIGNAL is for sockets only, so the signal is blocked for this thread while writing.
        var pipeSignal = sigset_t()
        var previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        var written = 0
        while written < input.count {
            let count = input.withUnsafeBytes { write(writeEnd, $0.baseAddress.map { $0 + written }, input.count - written) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }  // EPIPE: the program stopped reading; its exit status says the rest
            written += count
        }
        close(writeEnd)
        // Take a pending SIGPIPE away before unblocking, so it is not delivered after all.
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var taken: Int32 = 0
            sigwait(&pipeSignal, &taken)  // pending, so it returns at once
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid: \(String(cString: strerror(errno)))") }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module
/// leaves out (it is declared under `_GNU_SOURCE` only).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
