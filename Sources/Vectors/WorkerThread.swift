// One background pthread and the lock and condition its owner shares state through: the shape of the packing
// prefaulter and the huge-page collapser (CorpusMatrix.swift, HugePageCollapser.swift). The vector core links no
// Foundation, so no Thread; pthread objects are heap-allocated because they must not move.
import Glibc

final class WorkerThread {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var thread: pthread_t?
    /// The process that started the thread. A child made by fork() (Python's multiprocessing) has no such
    /// thread, and its copy of the lock may have been taken mid-update: there `join` touches neither.
    private let owner = getpid()

    init() {
        mutex.initialize(to: pthread_mutex_t())
        cond.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(cond)
        mutex.deallocate()
        cond.deallocate()
    }

    /// Starts `body` on a new thread (once); false when no thread could be made.
    func start(_ body: @escaping () -> Void) -> Bool {
        guard thread == nil else { return false }
        final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        guard pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<Box>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, box) == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        thread = tid
        return true
    }

    /// Whether this is the process that started the thread (false in a forked child).
    var inOwnerProcess: Bool { getpid() == owner }

    /// Waits for the thread to end (the owner has told it to); nothing in a forked child.
    func join() {
        defer { thread = nil }
        guard inOwnerProcess, let t = thread else { return }
        pthread_join(t, nil)
    }

    /// Runs `body` holding the lock.
    @inline(__always)
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on the condition; call inside `locked`.
    func wait() { pthread_cond_wait(cond, mutex) }

    /// Wakes every waiter; call inside `locked`.
    func broadcast() { pthread_cond_broadcast(cond) }
}
