// What may stop a running statement, checked from SQLite's progress handler: Ctrl-C (SIGINT/SIGTERM set a
// flag and interrupt the connection), a --timeout deadline, and on a terminal the progress line that a
// statement running longer than a second shows on stderr.
import Glibc
import SQLiteKit
import Synchronization

/// Set from signal handlers: the number of SIGINT/SIGTERM seen and the connection to interrupt.
/// Atomics, not plain Swift globals: a handler runs on whatever thread it interrupts, and a global's access
/// there is checked for exclusivity against an access the interrupted code may be in the middle of (a read
/// of `pending` in the progress handler) — "simultaneous accesses", abort() — as well as racing the watchdog
/// thread, which reads them too. Atomic loads and stores are lock-free and async-signal-safe.
public enum Interruption {
    private static let pendingCount = Atomic<Int32>(0)
    private static let lastSignal = Atomic<Int32>(0)
    private static let connectionBits = Atomic<Int>(0)
    private static let batchRun = Atomic<Bool>(false)

    /// SIGINT/SIGTERM seen since the last `clear()`.
    public static var pending: Int32 { pendingCount.load(ordering: .acquiring) }
    /// The last of them.
    public static var signal: Int32 { lastSignal.load(ordering: .acquiring) }
    /// The connection a signal interrupts.
    public static var connection: OpaquePointer? {
        get { OpaquePointer(bitPattern: connectionBits.load(ordering: .acquiring)) }
        set { connectionBits.store(Int(bitPattern: newValue), ordering: .releasing) }
    }
    /// A batch run (not the interactive shell): a second SIGINT/SIGTERM ends the process at once.
    static var batch: Bool {
        get { batchRun.load(ordering: .acquiring) }
        set { batchRun.store(newValue, ordering: .releasing) }
    }

    /// Installs handlers for SIGINT (and SIGTERM when `terminate`, a batch run) that interrupt the running
    /// statement, and `SignalCleanup`'s for every other terminating signal (SIGTERM too in the shell).
    public static func install(terminate: Bool) {
        SignalCleanup.install()
        let handler: @convention(c) (Int32) -> Void = { sig in
            let saved = errno  // the interrupted code may be about to read errno (readline's EINTR)
            if Interruption.batch, Interruption.pending > 0 {
                // Asked twice: stop waiting for the statement.
                TemporaryFiles.removeAll()
                SignalCleanup.die(sig)
            }
            Interruption.lastSignal.store(sig, ordering: .releasing)
            Interruption.pendingCount.wrappingAdd(1, ordering: .acquiringAndReleasing)
            if let db = Interruption.connection { Connection(handle: db).interrupt() }
            StopWatchdog.wake()
            errno = saved
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocking read returns EINTR
        sigaction(SIGINT, &action, nil)
        if terminate {
            batch = true
            sigaction(SIGTERM, &action, nil)
        }
    }

    public static func clear() { pendingCount.store(0, ordering: .releasing) }
}

/// Monotonic time in seconds.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

public final class RunControl {
    public let connection: Connection
    /// Absolute monotonic time (seconds) at which the run must stop (--timeout); nil for no limit.
    public var deadline: Double?
    /// The --timeout as given, for the message.
    public var timeoutSeconds: Double?
    public var progress: ProgressLine?
    private var handler: ProgressHandler?
    private var timedOut = false

    public init(connection: Connection, deadline: Double?, timeoutSeconds: Double?, progress: ProgressLine?) {
        self.connection = connection
        self.deadline = deadline
        self.timeoutSeconds = timeoutSeconds
        self.progress = progress
        Interruption.connection = connection.handle
        handler = connection.setProgressHandler(every: 4_000) { [unowned self] in self.tick() }
    }

    deinit {
        handler?.cancel()
        if Interruption.connection == connection.handle { Interruption.connection = nil }
    }

    /// True when the run must stop (the progress handler then interrupts the statement).
    private func tick() -> Bool {
        if Interruption.pending > 0 { return true }
        let now = monotonicSeconds()
        if let d = deadline, now >= d { timedOut = true; return true }
        progress?.update(now: now)
        return false
    }

    public var shouldStop: Bool {
        if Interruption.pending > 0 { return true }
        if let d = deadline, monotonicSeconds() >= d { timedOut = true }
        return timedOut
    }

    /// Why the run stopped, as the message to print; nil when it was not stopped.
    public var stopReason: String? {
        // The watchdog may have interrupted the statement at the deadline before the progress handler saw it.
        if let d = deadline, monotonicSeconds() >= d { timedOut = true }
        if timedOut { return "interrupted: --timeout" + (timeoutSeconds.map { " of " + Self.seconds($0) } ?? "") + " reached" }
        if Interruption.pending > 0 { return "interrupted" }
        return nil
    }

    public var wasTimedOut: Bool { timedOut }

    static func seconds(_ t: Double) -> String {
        t == t.rounded() && abs(t) < 1e15 ? "\(Int64(t)) s" : "\(t) s"
    }

    func statementStarted() { progress?.start(now: monotonicSeconds()) }
    func statementFinished() { progress?.finish() }
    func rowProduced() { progress?.rowProduced() }
}
