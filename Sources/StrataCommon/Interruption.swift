// Lets any long loop, in any module, ask whether the SQL statement it works for has been interrupted
// (`sqlite3_interrupt`: Python's `conn.interrupt()`, the shell's Ctrl-C, `--timeout`), without the pure
// cores knowing anything of SQLite.
//
// Why a thread-local: SQLite checks for interruption between rows, but a single call into a virtual table
// (one xFilter that counts a gzip bomb, walks a glob, packs a corpus) can run for minutes. The SQLite kit
// marks the connection a callback serves (`enter`/`leave`, around xFilter and xNext); loops deep inside a core
// call `Interruption.check()` every chunk or every few thousand items, and an installed probe asks SQLite.
// After a probe has seen an interruption, the kit turns whatever error the loop threw into SQLite's own
// "interrupted" (SQLITE_INTERRUPT), however the domain wrapped it.
import Glibc
import Synchronization

public enum Interruption {
    /// Asks SQLite whether `connection` is interrupted (nonzero = yes). Installed once by the SQLite kit.
    public typealias Probe = @convention(c) (UnsafeMutableRawPointer) -> Int32

    /// The error a loop throws when its statement was interrupted (domains with typed errors use their own,
    /// with the message "interrupted"; see `message`).
    public struct Interrupted: Error, CustomStringConvertible {
        public init() {}
        public var description: String { Interruption.message }
    }
    public static let message = "interrupted"

    final class ThreadState {
        var connection: UnsafeMutableRawPointer?
        var flag: SharedFlag?
        var observed = false
        var nextProbe: Int64 = 0
    }

    nonisolated(unsafe) private static var probe: Probe?
    /// Nanoseconds between two probes; 0 = probe on every check (a cheap probe, SQLite ≥ 3.41).
    nonisolated(unsafe) private static var probeInterval: Int64 = 0

    /// No destructor: a host may unload the extension (closing its last connection dlcloses it) while its
    /// threads live on, and a destructor pointing into unmapped code would crash them when they exit. Each
    /// thread that ever ran a Strata callback keeps one small ThreadState for good instead.
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Frees this thread's state. Only for threads Strata itself started and is about to end (a worker that
    /// followed a `SharedFlag`): a host's threads keep theirs (see `key`), but ours would leak one per thread.
    public static func endWorkerThread() {
        guard let p = pthread_getspecific(key) else { return }
        pthread_setspecific(key, nil)
        Unmanaged<ThreadState>.fromOpaque(p).release()
    }

    /// Installs the probe. `minimumInterval` (seconds) rate-limits an expensive one.
    /// Once per process: every connection's init calls it, possibly on several threads at once (ThreadSanitizer
    /// caught two inits writing `probe` together); one process has one SQLite, so the first probe serves all.
    /// 0 = not installed, 1 = being installed, 2 = installed (its writes published by the release store).
    private static let installState = Atomic<Int>(0)

    public static func install(probe p: @escaping Probe, minimumInterval: Double) {
        if installState.load(ordering: .acquiring) == 2 { return }
        guard installState.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged else {
            while installState.load(ordering: .acquiring) != 2 { sched_yield() }
            return
        }
        probe = p
        probeInterval = Int64(minimumInterval * 1e9)
        installState.store(2, ordering: .releasing)
    }

    @inline(__always)
    static func state() -> ThreadState {
        if let p = pthread_getspecific(key) { return Unmanaged<ThreadState>.fromOpaque(p).takeUnretainedValue() }
        let s = ThreadState()
        pthread_setspecific(key, Unmanaged.passRetained(s).toOpaque())
        return s
    }

    /// What `enter` replaced, for `leave`.
    public struct Scope {
        let connection: UnsafeMutableRawPointer?
        let observed: Bool
        var flag: SharedFlag? = nil
    }

    /// Marks this thread as working for `connection` until `leave`. Nests (a callback inside a callback).
    @inline(__always)
    public static func enter(_ connection: UnsafeMutableRawPointer?) -> Scope { enter(connection, following: nil) }

    /// Marks this (worker) thread as following `flag` until `leave`.
    public static func enter(following flag: SharedFlag) -> Scope { enter(nil, following: flag) }

    @inline(__always)
    static func enter(_ connection: UnsafeMutableRawPointer?, following flag: SharedFlag?) -> Scope {
        let s = state()
        let scope = Scope(connection: s.connection, observed: s.observed, flag: s.flag)
        s.connection = connection
        s.flag = flag
        s.observed = false
        return scope
    }

    @inline(__always)
    public static func leave(_ scope: Scope) {
        let s = state()
        s.connection = scope.connection
        s.flag = scope.flag
        s.observed = scope.observed
    }

    /// True once the statement this thread works for has been interrupted. Cheap enough to call per chunk.
    public static func isRequested() -> Bool {
        let s = state()
        if s.observed { return true }
        if let f = s.flag, f.isRaised {
            s.observed = true
            return true
        }
        guard let c = s.connection, let probe else { return false }
        if probeInterval > 0 {
            let now = monotonicNanoseconds()
            if now < s.nextProbe { return false }
            s.nextProbe = now + probeInterval
        }
        if probe(c) != 0 {
            s.observed = true
            return true
        }
        return false
    }

    /// Throws `Interrupted` once the statement has been interrupted.
    @inline(__always)
    public static func check() throws(Interrupted) {
        if isRequested() { throw Interrupted() }
    }

    /// Whether a probe on this thread has seen the interruption during the current callback. The kit uses it
    /// to report SQLite's "interrupted" whatever error text the interrupted loop produced.
    public static var wasObserved: Bool { state().observed }

    /// Work split across threads: only the thread that entered the connection may probe it (on old SQLite
    /// the probe takes the connection's mutex); a worker follows a flag the coordinating thread raises.
    public final class SharedFlag: Sendable {
        private let raised = Atomic<Bool>(false)
        public init() {}
        public var isRaised: Bool { raised.load(ordering: .acquiring) }
        public func raise() { raised.store(true, ordering: .releasing) }
    }

    static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}

