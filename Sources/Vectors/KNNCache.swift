// The packed-corpus cache: one process-wide store of `CorpusMatrix`es keyed by (owner, corpus name), under
// one memory cap with least-recently-used eviction. An owner is one database connection's knn_match table;
// it drops its entries when the connection closes. Each entry carries a validity stamp (the binding uses
// change counters and data versions): a lookup with another stamp is a miss and drops the stale entry.
// Only complete corpora are stored: the binding stores after packing returned, and never once the statement
// was interrupted (a source cut short by an interruption must not be mistaken for the whole table).
// Thread-safe: connections on different threads share the store behind one mutex.
import Glibc

public final class CorpusCache: @unchecked Sendable {
    public static let shared = CorpusCache(limit: CorpusCache.configuredLimit())

    /// 1 GiB or a quarter of physical memory, whichever is larger, unless `STRATA_KNN_CACHE_MB` (read once,
    /// at first use) says otherwise; 0 disables caching.
    public static let defaultLimit: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 1 << 30 }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? 1 << 30 : max(1 << 30, bytes / 4)
    }()

    /// What identifies a validity state; equal stamps mean the data cannot have changed.
    public typealias Stamp = [Int64]

    public struct Key: Hashable, Sendable {
        public var owner: Int
        public var name: String
        public init(owner: Int, name: String) { self.owner = owner; self.name = name }
    }

    private struct Entry {
        var matrix: CorpusMatrix
        var stamp: Stamp
        var lastUse: UInt64
        /// The corpus as a query plan names it (`main.docs.embedding`), for EXPLAIN's "cached" note.
        var label: String
    }

    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0
    private var nextOwner = 1
    private var bytes = 0
    private var cap: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(limit: Int) {
        cap = max(0, limit)
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Corpora dropped under the lock, released after it: freeing one stops its huge-page thread (up to one
    /// 2 MB copy) and unmaps it, which other connections' lookups must not wait for.
    private var dropped: [CorpusMatrix] = []

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            let released = dropped
            dropped.removeAll()
            pthread_mutex_unlock(mutex)
            withExtendedLifetime(released) {}
        }
        return try body()
    }

    static func configuredLimit() -> Int {
        guard let raw = getenv("STRATA_KNN_CACHE_MB") else { return defaultLimit }
        let text = String(cString: raw)
        guard let mb = Int(text), mb >= 0 else { return defaultLimit }
        let (bytes, overflow) = mb.multipliedReportingOverflow(by: 1 << 20)
        return overflow ? Int.max : bytes
    }

    /// Lowers the cap to a quarter of `memory` (what the whole process may hold: a cgroup's limit, RLIMIT_AS)
    /// when `STRATA_KNN_CACHE_MB` did not set it, so cached corpora leave room for the next one to be packed.
    public func fitDefault(toProcessMemory memory: Int) {
        guard getenv("STRATA_KNN_CACHE_MB") == nil, memory > 0, memory < Int.max else { return }
        locked {
            cap = min(cap, max(64 << 20, memory / 4))
            evict(toFit: 0)
        }
    }

    /// The memory cap in bytes. Lowering it evicts at once.
    public var limit: Int {
        get { locked { cap } }
        set { locked { cap = max(0, newValue); evict(toFit: 0) } }
    }

    /// Bytes held by cached corpora.
    public var byteCount: Int { locked { bytes } }

    public var count: Int { locked { entries.count } }

    /// A fresh owner token (one per connection).
    public func makeOwner() -> Int {
        locked {
            defer { nextOwner &+= 1 }
            return nextOwner
        }
    }

    /// The cached corpus when its stamp matches; a stale entry is dropped.
    public func lookup(_ key: Key, stamp: Stamp) -> CorpusMatrix? {
        locked {
            guard let e = entries[key] else { return nil }
            guard e.stamp == stamp else {
                remove(key)
                return nil
            }
            clock &+= 1
            entries[key]?.lastUse = clock
            // Used again: worth moving onto huge pages (warm queries then miss the TLB far less).
            e.matrix.beginHugePageCollapse()
            return e.matrix
        }
    }

    /// Whether an entry exists (fresh or not): for a query plan's "cached" note, without checking validity.
    public func contains(_ key: Key) -> Bool { locked { entries[key] != nil } }

    /// Whether one of `owner`'s entries carries `label` (fresh or not), for a query plan's note.
    public func contains(owner: Int, label: String) -> Bool {
        locked { entries.contains { $0.key.owner == owner && $0.value.label == label } }
    }

    /// Keeps `matrix` unless it alone exceeds the cap; evicts least recently used entries to make room.
    @discardableResult
    public func store(_ key: Key, stamp: Stamp, matrix: CorpusMatrix, label: String? = nil) -> Bool {
        locked {
            remove(key)
            let size = matrix.byteCount
            guard size <= cap else { return false }
            evict(toFit: size)
            clock &+= 1
            entries[key] = Entry(matrix: matrix, stamp: stamp, lastUse: clock, label: label ?? key.name)
            bytes &+= size
            return true
        }
    }

    /// Drops one owner's entries (its connection closed), or every entry (`owner` nil, `knn_cache_clear()`);
    /// returns how many.
    @discardableResult
    public func removeAll(owner: Int?) -> Int {
        locked {
            let keys = entries.keys.filter { owner == nil || $0.owner == owner }
            for key in keys { remove(key) }
            return keys.count
        }
    }

    public func removeAll() {
        locked {
            dropped.append(contentsOf: entries.values.map(\.matrix))
            entries.removeAll()
            bytes = 0
        }
    }

    private func remove(_ key: Key) {
        guard let e = entries.removeValue(forKey: key) else { return }
        bytes &-= e.matrix.byteCount
        dropped.append(e.matrix)
    }

    /// Evicts least recently used entries until `incoming` more bytes fit under the cap.
    private func evict(toFit incoming: Int) {
        while bytes &+ incoming > cap, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            remove(oldest)
        }
    }
}
