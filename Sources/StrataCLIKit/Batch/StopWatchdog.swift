// The guarantee behind `--timeout` and `--lock` in cron: a run ends. The progress handler interrupts a
// statement at the deadline, and on SIGINT/SIGTERM, but a statement can sit where SQLite never calls it (a
// blocking read in a virtual table, another extension's function). A watchdog thread interrupts the
// connection at the deadline itself and, when the run has still not finished `grace` seconds after it was
// told to stop, ends the process: the temporary `--output` file removed, the documented status (124 for
// --timeout, 130/143 for SIGINT/SIGTERM), and the `--lock` released by the kernel with the process.
import Glibc
import SQLiteKit
import Synchronization

/// The watchdog's decisions, as a pure function of time (unit-tested without threads or clocks).
public struct StopPolicy: Equatable {
    /// Monotonic time of the --timeout deadline; nil for none.
    public var deadline: Double?
    /// Seconds a stopped run gets to finish before the process ends anyway.
    public var grace: Double
    /// When the run was told to stop (the deadline, or the first SIGINT/SIGTERM), and with which status.
    public private(set) var stoppedAt: Double?
    public private(set) var status: ExitStatus?
    private var deadlineSeen = false

    public enum Action: Equatable {
        /// Sleep this many seconds at most (nil: until woken by a signal or the end of the run), then step again.
        case wait(Double?)
        /// The deadline has come: interrupt the running statement, then step again.
        case interrupt
        /// The run did not stop in time: end the process with this status.
        case exit(ExitStatus)
    }

    public init(deadline: Double?, grace: Double) {
        self.deadline = deadline
        self.grace = grace
    }

    /// What to do at `now`; `signal` is the SIGINT/SIGTERM received so far, if any.
    public mutating func step(now: Double, signal: Int32?) -> Action {
        if let sig = signal, stoppedAt == nil {
            stoppedAt = now
            status = sig == SIGTERM ? .terminated : .interrupted
        }
        if let d = deadline, !deadlineSeen, now >= d {
            deadlineSeen = true
            if stoppedAt == nil { stoppedAt = d; status = .timedOut }
            return .interrupt
        }
        if let s = stoppedAt, now >= s + grace { return .exit(status ?? .failure) }
        var next = stoppedAt.map { $0 + grace - now }
        if let d = deadline, !deadlineSeen { next = min(next ?? (d - now), d - now) }
        return .wait(next)
    }
}

public final class StopWatchdog {
    /// Seconds a statement gets to stop after the interrupt before the process ends anyway.
    public static let defaultGrace = 5.0
    /// The write end of the running watchdog's wake-up pipe (-1: none); signal handlers write a byte to it.
    static let wakeDescriptor = Atomic<Int32>(-1)

    private var policy: StopPolicy
    private let connection: OpaquePointer?
    private let timeoutSeconds: Double?
    private let finished = Mutex<Bool>(false)
    private let readEnd: Int32
    private let writeEnd: Int32
    private var thread: pthread_t?

    /// Starts watching; nil when no thread or pipe could be made (the run then goes on without it).
    public init?(deadline: Double?, timeoutSeconds: Double?, grace: Double = StopWatchdog.defaultGrace,
                 connection: Connection) {
        policy = StopPolicy(deadline: deadline, grace: grace)
        self.connection = connection.handle
        self.timeoutSeconds = timeoutSeconds
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        readEnd = fds[0]
        writeEnd = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let context = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { raw in
            guard let raw else { return nil }
            let watchdog = Unmanaged<StopWatchdog>.fromOpaque(raw).takeRetainedValue()
            watchdog.watch()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<StopWatchdog>.fromOpaque(context).release()
            return nil
        }
        thread = t
        Self.wakeDescriptor.store(writeEnd, ordering: .releasing)
    }

    /// Wakes the watchdog (async-signal-safe: the SIGINT/SIGTERM handler calls it).
    static func wake() {
        let fd = wakeDescriptor.load(ordering: .acquiring)
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }

    /// The run has finished (before its output is committed): the watchdog ends and never fires after this.
    public func stop() {
        let already = finished.withLock { done -> Bool in
            defer { done = true }
            return done
        }
        guard !already else { return }
        _ = Self.wakeDescriptor.compareExchange(expected: writeEnd, desired: -1, ordering: .acquiringAndReleasing)
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
        if let thread { pthread_join(thread, nil) }
        // The pipe stays open: a signal handler that read `wakeDescriptor` just before it was cleared may still
        // write to it, and must not hit a closed (or reused) descriptor. Two descriptors for the process's life.
    }

    deinit { stop() }

    private func watch() {
        while true {
            if finished.withLock({ $0 }) { return }
            let signal: Int32? = Interruption.pending > 0 ? Interruption.signal : nil
            switch policy.step(now: monotonicSeconds(), signal: signal) {
            case .interrupt:
                if let connection { Connection(handle: connection).interrupt() }
            case .exit(let status):
                finished.withLock { done in
                    guard !done else { return }
                    endProcess(status)
                }
                return
            case .wait(let seconds):
                var p = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                let ms: Int32 = seconds.map { Int32(min(max(($0 * 1000).rounded(.up), 0), 86_400_000)) } ?? -1
                _ = poll(&p, 1, ms)
                var drain = [UInt8](repeating: 0, count: 64)
                while drain.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
            }
        }
    }

    /// Says why, removes the temporary output file and ends the process (the kernel releases the --lock).
    private func endProcess(_ status: ExitStatus) -> Never {
        let grace = RunControl.seconds(policy.grace)
        let why: String
        if status == .timedOut {
            why = "--timeout" + (timeoutSeconds.map { " of " + RunControl.seconds($0) } ?? "") + " reached"
        } else {
            why = status == .terminated ? "terminated" : "interrupted"
        }
        printError("strata: \(why); the statement did not stop within \(grace) — exiting")
        TemporaryFiles.removeAll()
        _exit(status.rawValue)
    }
}
