// The packed corpus knn_match scores against: one contiguous row-major float32 matrix (what BLAS wants),
// the rows' ids, and norms precomputed once (|x|² for l2, 1/|x| for cosine). Built from any `CorpusSource`,
// immutable afterwards, so one instance can be shared by a cache and by queries on several threads.
import Glibc

public final class CorpusMatrix {
    /// Rows kept (sources' NULL rows are skipped).
    public let rows: Int
    /// Dimensions of every row; 0 when the corpus has no rows.
    public let dimensions: Int
    /// `rows × dimensions` floats, row-major (a one-float placeholder when `rows == 0`).
    let data: UnsafeMutablePointer<Float>
    /// Length of the mapping holding `data` (0 when it came from malloc).
    private let mappedBytes: Int
    /// The id of each row, in source order.
    public let ids: [Int64]
    /// |x|² per row, rounded to float32 (computed in float64).
    let squaredNorms: [Float]
    /// 1/|x| per row; NaN for an all-zero row, which has no cosine distance and is never a cosine match.
    let inverseNorms: [Float]
    /// The largest |x| over all rows (error bounds of the float32 scores depend on it).
    let maxNorm: Double
    /// The smallest non-zero |x| (+∞ when none): tiny rows make float32 scores underflow.
    let minPositiveNorm: Double
    /// Whether `ids` is strictly ascending (then ids are found by binary search; else through `idIndex`).
    let idsAscending: Bool
    private let idIndex: [Int64: Int32]

    /// Rows are capped so that row indices fit `Int32` (BLAS takes 32-bit sizes).
    public static let maxRows = Int(Int32.max)

    /// Bytes held (for the cache's memory cap).
    public var byteCount: Int {
        rows &* (dimensions &* 4 &+ 16) &+ (idsAscending ? 0 : rows &* 24)
    }

    /// Packs every non-nil row of `source`. `name` appears in errors (`rowid 7 of docs.embedding ...`).
    /// With `dimensions`, every row must have that many (else the first row sets the count).
    public convenience init(source: CorpusSource, name: String, dimensions expected: Int? = nil) throws {
        var scores: [Float]? = nil
        try self.init(source: source, name: name, dimensions: expected, scoring: nil, scores: &scores)
    }

    /// Packs `source` and, while each row is still in cache, scores it against `scoring` (x·scoring per
    /// row, in row order): the first query on a corpus then needs no second pass over the matrix.
    /// `scores` is nil when the rows' dimensions differ from `scoring`'s.
    public static func packing(_ source: CorpusSource, name: String, scoring: [Float])
        throws -> (corpus: CorpusMatrix, scores: [Float]?) {
        var scores: [Float]? = nil
        let m = try CorpusMatrix(source: source, name: name, dimensions: nil, scoring: scoring, scores: &scores)
        return (m, scores)
    }

    private init(source: CorpusSource, name: String, dimensions expected: Int?, scoring: [Float]?,
                 scores: inout [Float]?) throws {
        var builder = Builder(name: name)
        if let expected, expected > 0 { builder.dimensions = expected }
        builder.scoring = scoring
        defer { builder.release() }
        try source.forEachRow { id, vector in
            guard let vector else { return }
            try builder.append(id: id, vector)
        }
        scores = builder.scoring == nil ? nil : builder.scores
        let n = builder.count
        let d = builder.dimensions
        guard let (data, mapped) = builder.take() else { throw KNNError.outOfMemory(bytes: 4) }
        self.mappedBytes = mapped
        self.rows = n
        self.dimensions = n == 0 ? 0 : d
        self.data = data
        self.ids = builder.ids
        var sq = [Float](repeating: 0, count: n)
        var inv = [Float](repeating: 0, count: n)
        var maxNorm = 0.0
        var minNorm = Double.infinity
        for (i, s) in builder.squaredNorms.enumerated() where i < n {
            sq[i] = Float(s)
            let norm = s.squareRoot()
            inv[i] = norm > 0 ? Float(1 / norm) : .nan
            maxNorm = max(maxNorm, norm)
            if norm > 0 { minNorm = min(minNorm, norm) }
        }
        self.squaredNorms = sq
        self.inverseNorms = inv
        self.maxNorm = maxNorm
        self.minPositiveNorm = minNorm
        var ascending = true
        let ids = builder.ids
        if n > 1 {
            for i in 1..<n where ids[i] <= ids[i &- 1] { ascending = false; break }
        }
        self.idsAscending = ascending
        if ascending {
            self.idIndex = [:]
        } else {
            var index: [Int64: Int32] = [:]
            index.reserveCapacity(n)
            // The first row wins for a repeated id.
            for (i, id) in ids.enumerated() where index[id] == nil { index[id] = Int32(truncatingIfNeeded: i) }
            self.idIndex = index
        }
    }

    deinit {
        if mappedBytes > 0 { _ = munmap(data, mappedBytes) } else { free(data) }
    }

    /// Row `i` (0 ≤ i < rows) as a view.
    @inline(__always)
    func row(_ i: Int) -> VectorView {
        VectorView(unchecked: UnsafeRawPointer(data + i &* dimensions), count: dimensions)
    }

    /// Row `i` copied out (for callers outside the engine, e.g. tests).
    public func vector(at i: Int) -> [Float]? {
        guard i >= 0, i < rows else { return nil }
        return row(i).toArray()
    }

    /// The row holding `id`, or nil when the corpus has no such row (e.g. its vector was NULL).
    public func rowIndex(ofID id: Int64) -> Int? {
        if !idsAscending { return idIndex[id].map { Int($0) } }
        var lo = 0, hi = rows
        while lo < hi {
            let mid = lo &+ (hi &- lo) / 2
            if ids[mid] < id { lo = mid &+ 1 } else { hi = mid }
        }
        return lo < rows && ids[lo] == id ? lo : nil
    }

    /// Row indices of `ids` that exist in the corpus, ascending and without repeats (a filter's row set).
    /// Not generic on purpose: a generic called from another module runs unspecialised, through witness
    /// tables per element, and that cost more than scoring the rows (a 1% filter over 100,000 rows).
    public func rowIndices(ofIDs wanted: [Int64]) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(wanted.count)
        if idsAscending {
            // Filters usually yield rowids in order: each search then starts where the last one ended.
            ids.withUnsafeBufferPointer { all in
                var from = 0
                var previous = Int64.min
                for id in wanted {
                    if id < previous { from = 0 }
                    previous = id
                    // Gallop from the last position, then bisect the bracket found.
                    var step = 1
                    var lo = from, hi = all.count
                    while lo &+ step < all.count, all[lo &+ step] < id { lo &+= step; step &*= 2 }
                    hi = min(all.count, lo &+ step &+ 1)
                    while lo < hi {
                        let mid = lo &+ (hi &- lo) / 2
                        if all[mid] < id { lo = mid &+ 1 } else { hi = mid }
                    }
                    from = lo
                    if lo < all.count, all[lo] == id { out.append(Int32(truncatingIfNeeded: lo)) }
                }
            }
        } else {
            for id in wanted {
                if let r = idIndex[id] { out.append(r) }
            }
        }
        // Already ascending and unique in the common case; sort only when not.
        var ordered = true
        for i in out.indices.dropFirst() where out[i] <= out[i &- 1] { ordered = false; break }
        if ordered { return out }
        out.sort()
        var unique: [Int32] = []
        unique.reserveCapacity(out.count)
        for r in out where unique.last != r { unique.append(r) }
        return unique
    }
}

/// Grows one malloc'd block geometrically (realloc moves large blocks by remapping pages, not copying).
private struct Builder {
    let name: String
    var dimensions = 0
    var count = 0
    var capacity = 0
    var data: UnsafeMutablePointer<Float>?
    var ids: [Int64] = []
    /// |x|² of each row in float64, computed while the row is hot in cache.
    var squaredNorms: [Double] = []
    /// A query to score each row against while packing (dropped if its dimensions differ), and the scores.
    var scoring: [Float]?
    var scores: [Float] = []
    /// Populates pages ahead of the writer on another thread, once the corpus is large enough to gain.
    var prefaulter: Prefaulter?

    init(name: String) { self.name = name }

    mutating func append(id: Int64, _ v: VectorView) throws {
        if dimensions == 0 {
            dimensions = v.count
        } else if v.count != dimensions {
            throw KNNError.rowDimensions(corpus: name, id: id, found: v.count, expected: dimensions)
        }
        guard count < CorpusMatrix.maxRows else { throw KNNError.tooManyRows(CorpusMatrix.maxRows) }
        if count == capacity { try grow() }
        guard let data else { throw KNNError.outOfMemory(bytes: 0) }
        let dst = data + count &* dimensions
        UnsafeMutableRawPointer(dst).copyMemory(from: v.base, byteCount: dimensions &* 4)
        // Sources hand over unvalidated floats: a finite float32 row always has a finite float64 norm.
        let s = rowSquaredNorm(dst, dimensions)
        guard s.isFinite else {
            let bad = (0..<dimensions).first { !dst[$0].isFinite } ?? 0
            throw KNNError.badRow(corpus: name, id: id, reason: VectorError.nonFinite(index: bad).description)
        }
        squaredNorms.append(s)
        ids.append(id)
        if let q = scoring {
            if q.count == dimensions {
                q.withUnsafeBufferPointer { qb in
                    guard let qp = qb.baseAddress else { return }
                    var dot: Float = 0
                    scoreRows(UnsafePointer(dst), dimensions: dimensions, indices: nil, first: 0, count: 1,
                              query: qp, alpha: 1, into: &dot)
                    scores.append(dot)
                }
            } else {
                scoring = nil
            }
        }
        count &+= 1
        if mapped > 0 && count & 1023 == 0 {
            let written = count &* dimensions &* 4
            if let prefaulter {
                prefaulter.advance(to: written)
            } else if written >= 8 << 20 {
                prefaulter = Prefaulter(base: UnsafeMutableRawPointer(data), reserved: mapped, written: written)
            }
        }
    }

    /// Bytes of address space reserved with mmap (0 when the block came from malloc).
    var mapped = 0

    /// Room for more rows. The first time, reserves a large range of address space (MAP_NORESERVE: pages
    /// cost memory only once written) with transparent huge pages, so growing never copies and a 150 MB
    /// corpus takes a few hundred page faults instead of tens of thousands. Falls back to realloc.
    private mutating func grow() throws {
        let rowBytes = dimensions &* 4
        if data == nil, rowBytes > 0 {
            let reserve = min(1 << 38, CorpusMatrix.maxRows &* rowBytes)
            let p = mmap(nil, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            if let p, p != UnsafeMutableRawPointer(bitPattern: -1) {
                _ = madvise(p, reserve, Int32(MADV_HUGEPAGE))
                data = p.assumingMemoryBound(to: Float.self)
                mapped = reserve
                capacity = reserve / rowBytes
                return
            }
        }
        guard mapped == 0 else { throw KNNError.outOfMemory(bytes: mapped) }
        let newCapacity = max(1024, capacity &* 2)
        let (bytes, overflow) = newCapacity.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else { throw KNNError.outOfMemory(bytes: Int.max) }
        guard let p = realloc(data, bytes) else { throw KNNError.outOfMemory(bytes: bytes) }
        data = p.assumingMemoryBound(to: Float.self)
        capacity = newCapacity
    }

    /// Hands the block over, trimmed to size (a one-float block for no rows), and the mapped length to
    /// unmap (0: free with `free`). The builder no longer owns it.
    mutating func take() -> (UnsafeMutablePointer<Float>, mapped: Int)? {
        prefaulter?.stop()
        prefaulter = nil
        defer { data = nil; mapped = 0 }
        guard let data, count > 0 else {
            release()
            return malloc(4).map { ($0.assumingMemoryBound(to: Float.self), 0) }
        }
        let bytes = count &* dimensions &* 4
        if mapped > 0 {
            let page = max(4096, sysconf(Int32(_SC_PAGESIZE)))
            let used = (bytes &+ page &- 1) / page &* page
            if used < mapped { _ = munmap(UnsafeMutableRawPointer(data) + used, mapped &- used) }
            return (data, min(used, mapped))
        }
        if count < capacity, let p = realloc(data, bytes) { return (p.assumingMemoryBound(to: Float.self), 0) }
        return (data, 0)
    }

    /// Frees a block that was not taken (after an error).
    mutating func release() {
        prefaulter?.stop()
        prefaulter = nil
        if mapped > 0, let data { _ = munmap(data, mapped) } else { free(data) }
        data = nil
        mapped = 0
    }
}

/// A thread that asks the kernel to populate (zero and map) the pages the builder will write next, up to
/// `lookahead` bytes ahead, so page zeroing overlaps the read of the source instead of stalling the writer.
/// `MADV_POPULATE_WRITE` never changes page contents, so it cannot race with the writer's data.
final class Prefaulter {
    private let base: UnsafeMutableRawPointer
    private let reserved: Int
    private let lookahead = 32 << 20
    private var written: Int
    private var finished = false
    // Heap-allocated: pthread objects must not move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var thread: pthread_t?

    init?(base: UnsafeMutableRawPointer, reserved: Int, written: Int) {
        self.base = base
        self.reserved = reserved
        self.written = written
        mutex.initialize(to: pthread_mutex_t())
        cond.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        var tid = pthread_t()
        let me = Unmanaged.passRetained(self).toOpaque()
        guard pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<Prefaulter>.fromOpaque(arg).takeRetainedValue().run()
            return nil
        }, me) == 0 else {
            Unmanaged<Prefaulter>.fromOpaque(me).release()
            return nil
        }
        thread = tid
    }

    deinit {
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(cond)
        mutex.deallocate()
        cond.deallocate()
    }

    func advance(to bytes: Int) {
        pthread_mutex_lock(mutex)
        written = bytes
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Stops and joins the thread (before the builder unmaps anything).
    func stop() {
        pthread_mutex_lock(mutex)
        finished = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
        if let t = thread { pthread_join(t, nil) }
        thread = nil
    }

    private func run() {
        let page = 2 << 20
        var populated = (written / page) * page
        while true {
            pthread_mutex_lock(mutex)
            while !finished && populated >= min(reserved, written &+ lookahead) {
                pthread_cond_wait(cond, mutex)
            }
            let target = min(reserved, written &+ lookahead)
            let done = finished
            pthread_mutex_unlock(mutex)
            if done || populated >= target { return }
            let chunk = min(target &- populated, 8 << 20)
            // MADV_POPULATE_WRITE (Linux 5.14+); on older kernels the first failure ends the thread.
            guard madvise(base + populated, chunk, 23) == 0 else { return }
            populated &+= chunk
        }
    }
}
