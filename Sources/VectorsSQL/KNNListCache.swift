// knn_index's lists kept in memory between queries, per index and generation. Reading a list from its table
// walks ~100 overflow pages (a pread each when SQLite's page cache does not hold them): at 1M × 384 that was
// most of a query's time. A generation is random per build and merge, and lists are only ever written with a
// new one, so a cached list is the list of that generation — never stale. Held under the knn_match cache's
// cap (CorpusCache.limit): whole indexes evicted least recently used first, and an index larger than the cap
// is read from its table at every query (memory stays bounded by the lists one query probes).
import SQLiteKit
import StrataCommon
import Vectors

final class KNNListCache: @unchecked Sendable {
    static let shared = KNNListCache()
    private let lock = Lock()

    private final class Entry {
        var lists: [IVFList?]
        var bytes = 0
        var lastUse: UInt64 = 0
        init(count: Int) { lists = Array(repeating: nil, count: count) }
    }
    private var entries: [String: Entry] = [:]
    private var bytes = 0
    private var clock: UInt64 = 0

    /// The lists numbered `wanted` of `names` at `meta.generation` (a list missing from the table is empty).
    func lists(_ db: Connection, _ names: KNNIndexNames, _ meta: KNNIndexMeta, _ wanted: ArraySlice<Int>) throws -> [IVFList] {
        let key = "\(meta.generation):\(names.schema).\(names.name)".asciiLowercased
        var out: [IVFList?] = lock.withLock {
            clock &+= 1
            guard let e = entries[key] else { return wanted.map { _ in nil } }
            e.lastUse = clock
            return wanted.map { $0 >= 0 && $0 < e.lists.count ? e.lists[$0] : nil }
        }
        let missing = out.indices.filter { out[$0] == nil }
        guard !missing.isEmpty else { return out.map { $0 ?? IVFList() } }
        let st = try db.prepare("SELECT ids, terms, codes FROM \(names.lists) WHERE list = ?1")
        var loaded: [(Int, IVFList)] = []
        for i in missing {
            if Interruption.isRequested() { throw Interruption.Interrupted() }
            let l = wanted[wanted.startIndex + i]
            st.reset()
            try st.bind(.integer(Int64(l)), at: 1)
            var list = IVFList()
            if try st.step() {
                list = IVFList(ids: st.withBlobBytes(at: 0) { [Int64](littleEndianBytes: $0) },
                               terms: st.withBlobBytes(at: 1) { [Float](littleEndianBytes: $0) },
                               codes: st.withBlobBytes(at: 2) { Array($0.bindMemory(to: UInt8.self)) })
                guard list.terms.count == list.count, list.codes.count == list.count &* meta.dimensions else {
                    throw SQLError("\(names.name)_lists is damaged (list \(l)); INSERT INTO \(names.name)(command) VALUES ('rebuild')")
                }
            }
            out[i] = list
            loaded.append((l, list))
        }
        store(key, count: meta.lists, loaded)
        return out.map { $0 ?? IVFList() }
    }

    private func store(_ key: String, count: Int, _ loaded: [(Int, IVFList)]) {
        let cap = CorpusCache.shared.limit
        lock.withLock {
            let e = entries[key] ?? Entry(count: count)
            if entries[key] == nil { entries[key] = e }
            for (l, list) in loaded where l >= 0 && l < e.lists.count && e.lists[l] == nil {
                let size = list.count &* (12 &+ list.codes.count / max(1, list.count)) &+ 64
                e.lists[l] = list
                e.bytes &+= size
                bytes &+= size
            }
            e.lastUse = clock
            // Over the cap: drop other indexes, oldest first; then this one if it alone is too large.
            while bytes > cap, let oldest = entries.filter({ $0.key != key }).min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                bytes &-= entries[oldest]?.bytes ?? 0
                entries[oldest] = nil
            }
            if bytes > cap {
                bytes &-= e.bytes
                entries[key] = nil
            }
        }
    }

    /// Forgets everything (knn_cache_clear).
    @discardableResult
    func removeAll() -> Int {
        lock.withLock {
            let n = entries.count
            entries.removeAll()
            bytes = 0
            return n
        }
    }
}
