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

    /// One per thread, in raw memory: the per-row `enter`/`leave` around xNext run millions of times per scan
    /// and must cost no reference counting (a class here, with a retained flag, was a third of a trivial
    /// table's row cost).
    @usableFromInline
    struct ThreadState {
        @usableFromInline var connection: UnsafeMutableRawPointer?
        /// Not retained: whoever enters following a flag keeps it alive until the matching `leave`.
        @usableFromInline var flag: Unmanaged<SharedFlag>?
        @usableFromInline var observed = false
        var nextProbe: Int64 = 0
        /// The state kept before this one in `retained`; nil for a worker's state (freed by `endWorkerThread`).
        var next: UnsafeMutablePointer<ThreadState>? = nil
        var isRetained = false
    }

    /// Every host thread's state, linked through `next` (a push-only stack of pointer bits). Never walked:
    /// it keeps the states a host's exited threads leave behind reachable, as the process-lifetime memory they
    /// are, rather than lost (LeakSanitizer reported each exited test-runner thread's 32 bytes as a leak).
    private static let retained = Atomic<Int>(0)

    nonisolated(unsafe) private static var probe: Probe?
    /// Nanoseconds between two probes; 0 = probe on every check (a cheap probe, SQLite ≥ 3.41).
    nonisolated(unsafe) private static var probeInterval: Int64 = 0

    /// No destructor: a host may unload the extension (closing its last connection dlcloses it) while its
    /// threads live on, and a destructor pointing into unmapped code would crash them when they exit. Each
    /// thread that ever ran a Strata callback keeps one small ThreadState for good instead.
    /// The key itself is deleted when the extension is unloaded (an `atexit` handler of a shared library runs at
    /// its dlclose): a host that loads and closes Strata again and again (a connection per request or per
    /// notebook cell) lost one of the process's 1024 keys per load, until no library could make one.
    /// Nil when the process has no key left: every thread then shares `sharedState` (interruption is only
    /// approximately per thread, memory stays sound) rather than using a key that is not ours.
    @usableFromInline static let key: pthread_key_t? = {
        var k = pthread_key_t()
        guard pthread_key_create(&k, nil) == 0 else { return nil }
        atexit {
            guard let k = Interruption.key else { return }
            if let p = pthread_getspecific(k) {
                // The unloading thread's state; other threads' states are left (a few bytes each).
                pthread_setspecific(k, nil)
                let s = p.assumingMemoryBound(to: ThreadState.self)
                if s.pointee.isRetained { Interruption.unlinkRetained(s) }
                s.deinitialize(count: 1)
                s.deallocate()
            }
            pthread_key_delete(k)
        }
        return k
    }()

    /// The state of every thread when there is no key (see `key`).
    @usableFromInline static let sharedState: UnsafeMutablePointer<ThreadState> = {
        let s = UnsafeMutablePointer<ThreadState>.allocate(capacity: 1)
        s.initialize(to: ThreadState())
        return s
    }()

    /// Frees this thread's state. Only for threads Strata itself started and is about to end (a worker that
    /// followed a `SharedFlag`): a host's threads keep theirs (see `key`), but ours would leak one per thread.
    public static func endWorkerThread() {
        guard let key, let p = pthread_getspecific(key) else { return }
        let s = p.assumingMemoryBound(to: ThreadState.self)
        if s.pointee.isRetained { return }  // linked in `retained`: stays
        pthread_setspecific(key, nil)
        s.deinitialize(count: 1)
        s.deallocate()
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

    @inlinable
    static func state() -> UnsafeMutablePointer<ThreadState> {
        if let key, let p = pthread_getspecific(key) { return p.assumingMemoryBound(to: ThreadState.self) }
        return makeState()
    }

    /// Takes `s` out of `retained` (only the unloading thread does, once; others only push at the head, so a
    /// node below the head can be unlinked in place).
    private static func unlinkRetained(_ s: UnsafeMutablePointer<ThreadState>) {
        var head = retained.load(ordering: .acquiring)
        if head == Int(bitPattern: s) {
            let r = retained.compareExchange(expected: head, desired: Int(bitPattern: s.pointee.next),
                                             ordering: .acquiringAndReleasing)
            if r.exchanged { return }
            head = r.original
        }
        var node = UnsafeMutablePointer<ThreadState>(bitPattern: head)
        while let n = node {
            if n.pointee.next == s { n.pointee.next = s.pointee.next; return }
            node = n.pointee.next
        }
    }

    /// This thread's first callback: its state, kept for good (see `key`, `retained`).
    @usableFromInline
    static func makeState() -> UnsafeMutablePointer<ThreadState> { makeState(retained: true) }

    private static func makeState(retained keep: Bool) -> UnsafeMutablePointer<ThreadState> {
        guard let key else { return sharedState }
        let s = UnsafeMutablePointer<ThreadState>.allocate(capacity: 1)
        s.initialize(to: ThreadState())
        if keep {
            s.pointee.isRetained = true
            var head = retained.load(ordering: .relaxed)
            while true {
                s.pointee.next = UnsafeMutablePointer(bitPattern: head)
                let r = retained.compareExchange(expected: head, desired: Int(bitPattern: s), ordering: .releasing)
                if r.exchanged { break }
                head = r.original
            }
        }
        pthread_setspecific(key, s)
        return s
    }

    /// What `enter` replaced, for `leave` (on the same thread).
    public struct Scope {
        @usableFromInline let state: UnsafeMutablePointer<ThreadState>
        @usableFromInline let connection: UnsafeMutableRawPointer?
        @usableFromInline let observed: Bool
        @usableFromInline let flag: Unmanaged<SharedFlag>?
        @usableFromInline
        init(state: UnsafeMutablePointer<ThreadState>, connection: UnsafeMutableRawPointer?, observed: Bool,
             flag: Unmanaged<SharedFlag>?) {
            self.state = state; self.connection = connection; self.observed = observed; self.flag = flag
        }
    }

    /// Marks this thread as working for `connection` until `leave`. Nests (a callback inside a callback).
    @inlinable
    public static func enter(_ connection: UnsafeMutableRawPointer?) -> Scope { enter(connection, following: nil) }

    /// Marks this (worker) thread as following `flag` until `leave`. The caller keeps `flag` alive until then.
    /// A worker's first entry makes a state `endWorkerThread` frees (not one of the host threads' kept states).
    public static func enter(following flag: SharedFlag) -> Scope {
        if let key, pthread_getspecific(key) == nil { _ = makeState(retained: false) }
        return enter(nil, following: Unmanaged.passUnretained(flag))
    }

    @inlinable
    static func enter(_ connection: UnsafeMutableRawPointer?, following flag: Unmanaged<SharedFlag>?) -> Scope {
        let s = state()
        let scope = Scope(state: s, connection: s.pointee.connection, observed: s.pointee.observed, flag: s.pointee.flag)
        s.pointee.connection = connection
        s.pointee.flag = flag
        s.pointee.observed = false
        return scope
    }

    @inlinable
    public static func leave(_ scope: Scope) {
        let s = scope.state
        s.pointee.connection = scope.connection
        s.pointee.flag = scope.flag
        s.pointee.observed = scope.observed
    }

    /// True once the statement this thread works for has been interrupted. Cheap enough to call per chunk.
    public static func isRequested() -> Bool {
        let s = state()
        if s.pointee.observed { return true }
        if let f = s.pointee.flag, f._withUnsafeGuaranteedRef({ $0.isRaised }) {
            s.pointee.observed = true
            return true
        }
        guard let c = s.pointee.connection, let probe else { return false }
        if probeInterval > 0 {
            let now = monotonicNanoseconds()
            if now < s.pointee.nextProbe { return false }
            s.pointee.nextProbe = now + probeInterval
        }
        if probe(c) != 0 {
            s.pointee.observed = true
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
    public static var wasObserved: Bool { state().pointee.observed }

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

