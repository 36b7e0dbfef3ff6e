// Moves a packed corpus onto 2 MB pages after it is built, on a low-priority thread of its own.
//
// Why: a warm knn_match query reads the whole packed matrix, and on 4 KB pages it misses the TLB about once
// per 4 KB read. 100,000 × 384 on this machine: medians of 200 warm queries 6.2–6.4 ms on 4 KB pages against
// 4.6–5.5 ms once the same matrix was collapsed (/tmp experiment with MADV_COLLAPSE from Python, alternated).
// Why not while packing: asking for huge pages up front (MADV_HUGEPAGE) lets a page fault compact memory
// inside the first query, which then stalled at random (CorpusMatrix.Builder.grow). MADV_COLLAPSE (Linux 6.1)
// does the same work afterwards, off the query's path: the kernel copies each 2 MB range into a huge page and
// remaps it, so readers on other threads see the same bytes throughout.
//
// The thread runs at nice 19 (Linux nice values are per thread), so queries keep both cores, and stops between
// 2 MB ranges when asked: the corpus's deinit stops and joins it before unmapping (and therefore before the
// extension can be unloaded). Any error — an old kernel (EINVAL), no huge page to be had (ENOMEM, EAGAIN) —
// ends it quietly: the pages stay as they were, the answers are the same either way.
//
// Off when transparent huge pages are `never` (the administrator's choice; MADV_COLLAPSE itself ignores it)
// or when STRATA_KNN_HUGEPAGES=0.
import Glibc

final class HugePageCollapser {
    private let base: UnsafeMutableRawPointer
    private let length: Int
    private let worker = WorkerThread()
    // Shared with the thread, under the worker's lock.
    private var stopping = false
    private var done = 0
    private var finished = false

    static let hugePage = 2 << 20
    /// Below this a corpus fits the TLB's reach well enough that the copy is not worth its cost.
    static let minimumBytes = 32 << 20

    /// Whether collapsing is allowed on this machine and by the environment (read once).
    static let enabled: Bool = {
        if let v = getenv("STRATA_KNN_HUGEPAGES"), String(cString: v) == "0" { return false }
        guard let f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r") else { return false }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, 128, f) != nil else { return false }
        let setting = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return !setting.contains("[never]")
    }()

    /// Starts collapsing the whole 2 MB ranges inside `base ..< base + length`; nil when there is nothing to
    /// do (too small, disabled, or no thread could be made).
    init?(base: UnsafeMutableRawPointer, length: Int) {
        guard length >= HugePageCollapser.minimumBytes, HugePageCollapser.enabled else { return nil }
        self.base = base
        self.length = length
        // The thread holds the collapser until it ends; the corpus's deinit ends it with `stop`.
        guard worker.start({ [self] in run() }) else { return nil }
    }

    /// Stops after the range in progress and joins the thread (in a forked child: neither, see WorkerThread).
    func stop() {
        guard worker.inOwnerProcess else { return }
        worker.locked { stopping = true }
        worker.join()
    }

    /// Waits until the thread has gone through every range (or given up); returns how many it collapsed.
    func wait() -> Int {
        guard worker.inOwnerProcess else { return 0 }
        return worker.locked {
            while !finished { worker.wait() }
            return done
        }
    }

    private func run() {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        let page = HugePageCollapser.hugePage
        let start = (Int(bitPattern: base) &+ page &- 1) / page &* page
        let end = (Int(bitPattern: base) &+ length) / page &* page
        var at = start
        while at < end, !worker.locked({ stopping }) {
            // MADV_COLLAPSE = 25 (not in Debian 12's headers).
            guard let p = UnsafeMutableRawPointer(bitPattern: at), madvise(p, page, 25) == 0 else { break }
            at &+= page
            worker.locked { done &+= 1 }
        }
        worker.locked {
            finished = true
            worker.broadcast()
        }
    }
}
