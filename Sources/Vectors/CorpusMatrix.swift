// The packed corpus knn_match scores against: one contiguous row-major float32 matrix (what BLAS wants),
// the rows' ids, and norms precomputed once (|x|² for l2, 1/|x| for cosine). Built from any `CorpusSource`,
// immutable afterwards, so one instance can be shared by a cache and by queries on several threads.
//
// Memory: everything sized by the corpus lives in malloc'd or mapped blocks whose allocation failing is a
// `KNNError`, never a trap, and packing stops with `KNNError.corpusTooLarge` as soon as the corpus is known
// to need more than `KNNLimits.memory` — before reading it when the source knows its row count (a file),
// else as the rows arrive — instead of growing until the kernel kills the host.
import CKernels
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
    let idStore: UnsafeMutablePointer<Int64>
    /// |x|² per row, rounded to float32 (computed in float64).
    let squaredNorms: UnsafeMutablePointer<Float>
    /// 1/|x| per row; NaN for an all-zero row, which has no cosine distance and is never a cosine match.
    let inverseNorms: UnsafeMutablePointer<Float>
    /// The blocks behind `idStore`, `squaredNorms` and `inverseNorms`.
    private let owned: (KNNBuffer<Int64>, KNNBuffer<Float>, KNNBuffer<Float>)
    /// The largest |x| over all rows (error bounds of the float32 scores depend on it).
    let maxNorm: Double
    /// The smallest non-zero |x| (+∞ when none): tiny rows make float32 scores underflow.
    let minPositiveNorm: Double
    /// Whether `ids` is strictly ascending (then ids are found by binary search; else through `idIndex`).
    let idsAscending: Bool
    private let idIndex: [Int64: Int32]
    /// Moving the packed rows onto huge pages in the background (mapped corpora of ≥ 32 MB; HugePageCollapser),
    /// begun the first time the corpus is used again (`beginHugePageCollapse`), under `collapseLock`.
    private var collapser: HugePageCollapser?
    private var collapseBegun = false
    private let collapseLock: UnsafeMutablePointer<pthread_mutex_t>

    /// Rows set aside as not valid vectors (`packingChecked`, BadRows.swift); set once, before it is shared.
    public internal(set) var badRows = BadRows()

    /// Rows are capped so that row indices fit `Int32` (BLAS takes 32-bit sizes).
    public static let maxRows = Int(Int32.max)

    /// Bytes held (for the cache's memory cap).
    public var byteCount: Int {
        rows &* (dimensions &* 4 &+ 16) &+ (idsAscending ? 0 : rows &* 24)
    }

    /// Bytes that packing `rows` rows of `dimensions` takes at its peak, and that a single query over them
    /// adds (one float32 key per row): what `KNNLimits.memory` is compared with.
    public static func packedBytes(rows: Int, dimensions: Int) -> Int {
        let (perRow, o1) = dimensions.multipliedReportingOverflow(by: 4)
        let (total, o2) = rows.multipliedReportingOverflow(by: perRow &+ bytesPerRowBesidesData)
        return o1 || o2 ? Int.max : total
    }

    /// id (8), |x|² in float64 while packing (8) and the two float32 norms made from it (8), one float32
    /// score or key (4).
    static let bytesPerRowBesidesData = 28

    /// The id of row `i` (0 ≤ i < rows).
    @inline(__always)
    public func id(at i: Int) -> Int64 { idStore[i] }

    /// Every row's id, in row order (a copy; for callers outside the engine, e.g. tests).
    public var ids: [Int64] { Array(UnsafeBufferPointer(start: idStore, count: rows)) }

    /// Packs every non-nil row of `source`. `name` appears in errors (`rowid 7 of docs.embedding ...`).
    /// With `dimensions`, every row must have that many (else the first row sets the count).
    public convenience init(source: CorpusSource, name: String, dimensions expected: Int? = nil,
                            limits: KNNLimits = .none) throws {
        var scores: Scores? = nil
        try self.init(source: source, name: name, dimensions: expected, scoring: nil, limits: limits, scores: &scores)
    }

    /// Packs `source` and, while each row is still in cache, scores it against `scoring` (x·scoring per
    /// row, in row order): the first query on a corpus then needs no second pass over the matrix.
    /// `scores` is nil when the rows' dimensions differ from `scoring`'s.
    public static func packing(_ source: CorpusSource, name: String, scoring: [Float], limits: KNNLimits = .none)
        throws -> (corpus: CorpusMatrix, scores: Scores?) {
        try packing(source, name: name, scoring: scoring, limits: limits, setAside: nil)
    }

    /// `packing` (no scores when `scoring` is nil); with `setAside`, a row holding NaN or infinity goes there
    /// and is left out instead of failing the corpus.
    static func packing(_ source: CorpusSource, name: String, scoring: [Float]?, limits: KNNLimits,
                        setAside: ((Int64, VectorView) -> Void)?) throws -> (corpus: CorpusMatrix, scores: Scores?) {
        var scores: Scores? = nil
        let m = try CorpusMatrix(source: source, name: name, dimensions: nil, scoring: scoring, limits: limits,
                                 scores: &scores, setAside: setAside)
        return (m, scores)
    }

    private init(source: CorpusSource, name: String, dimensions expected: Int?, scoring: [Float]?,
                 limits: KNNLimits, scores: inout Scores?, setAside: ((Int64, VectorView) -> Void)? = nil) throws {
        var builder = Builder(name: name, limits: limits, hint: source.rowCountHint)
        if let expected, expected > 0 { builder.dimensions = expected }
        builder.scoring = scoring
        builder.setAside = setAside
        defer { builder.release() }
        try source.forEachRow { id, vector in
            guard let vector else { return }
            try builder.append(id: id, vector)
        }
        // A source that stopped early because of an interruption must not yield a (partial) corpus.
        if limits.isInterrupted() { throw KNNError.interrupted }
        let n = builder.count
        let d = builder.dimensions
        let sq = try KNNBuffer<Float>(count: n)
        let inv = try KNNBuffer<Float>(count: n)
        let ids = try builder.ids.take()
        if builder.scoring != nil { scores = try builder.scores.take() }
        guard let (data, mapped) = builder.take() else { throw KNNError.outOfMemory(bytes: 4) }
        self.mappedBytes = mapped
        // Allocated only once nothing can throw any more (a throwing init runs no deinit to free it).
        self.collapseLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        collapseLock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(collapseLock, nil)
        self.rows = n
        self.dimensions = n == 0 ? 0 : d
        self.data = data
        self.idStore = ids.base
        var maxNorm = 0.0
        var minNorm = Double.infinity
        let squares = builder.squaredNorms.base
        for i in 0..<n {
            let s = squares?[i] ?? 0
            sq.base[i] = Float(s)
            let norm = s.squareRoot()
            inv.base[i] = norm > 0 ? Float(1 / norm) : .nan
            maxNorm = max(maxNorm, norm)
            if norm > 0 { minNorm = min(minNorm, norm) }
        }
        self.squaredNorms = sq.base
        self.inverseNorms = inv.base
        self.owned = (ids, sq, inv)
        self.maxNorm = maxNorm
        self.minPositiveNorm = minNorm
        var ascending = true
        let idp = self.idStore
        if n > 1 {
            for i in 1..<n where idp[i] <= idp[i &- 1] { ascending = false; break }
        }
        self.idsAscending = ascending
        if ascending {
            self.idIndex = [:]
        } else {
            // Only sources with ids out of order get here (tables are read in rowid order, files by index).
            var index: [Int64: Int32] = [:]
            index.reserveCapacity(n)
            // The first row wins for a repeated id.
            for i in 0..<n where index[idp[i]] == nil { index[idp[i]] = Int32(truncatingIfNeeded: i) }
            self.idIndex = index
        }
    }

    /// Starts moving the rows onto 2 MB pages on a background thread (once; mapped corpora of ≥ 32 MB only).
    /// Called by the cache when a corpus is used a second time: a corpus queried once (a report, a cron job)
    /// never pays for the copy, and the query that packed it never shares the process's memory map with it
    /// (the kernel holds the map's lock while it copies a range, so page faults elsewhere wait).
    public func beginHugePageCollapse() {
        guard mappedBytes >= HugePageCollapser.minimumBytes else { return }
        pthread_mutex_lock(collapseLock)
        defer { pthread_mutex_unlock(collapseLock) }
        guard !collapseBegun else { return }
        collapseBegun = true
        collapser = HugePageCollapser(base: UnsafeMutableRawPointer(data), length: mappedBytes)
    }

    deinit {
        // The collapser's thread works on `data`: joined before the mapping goes away.
        collapser?.stop()
        pthread_mutex_destroy(collapseLock)
        collapseLock.deallocate()
        if mappedBytes > 0 { _ = munmap(data, mappedBytes) } else { free(data) }
    }

    /// Waits for the huge-page collapse begun when the corpus was built; the number of 2 MB ranges collapsed
    /// (0 when none was begun). For tests and benchmarks.
    public func waitForHugePages() -> Int {
        pthread_mutex_lock(collapseLock)
        let c = collapser
        pthread_mutex_unlock(collapseLock)
        return c?.wait() ?? 0
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
            if idStore[mid] < id { lo = mid &+ 1 } else { hi = mid }
        }
        return lo < rows && idStore[lo] == id ? lo : nil
    }

    /// Row indices of `ids` that exist in the corpus, ascending and without repeats (a filter's row set).
    /// Not generic on purpose: a generic called from another module runs unspecialised, through witness
    /// tables per element, and that cost more than scoring the rows (a 1% filter over 100,000 rows).
    public func rowIndices(ofIDs wanted: [Int64]) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(wanted.count)
        if idsAscending {
            // Filters usually yield rowids in order: each search then starts where the last one ended.
            do {
                let all = UnsafeBufferPointer(start: idStore, count: rows)
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

/// Values of a trivial type in one malloc'd block that the owner frees: allocation failure is a `KNNError`,
/// never a trap (Swift arrays trap when malloc fails).
public final class KNNBuffer<T> {
    let base: UnsafeMutablePointer<T>
    public let count: Int

    /// `count` uninitialised values (`T` must be a trivial type).
    init(count: Int) throws {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow, let p = malloc(bytes) else { throw KNNError.outOfMemory(bytes: overflow ? Int.max : bytes) }
        base = p.bindMemory(to: T.self, capacity: max(count, 1))
        self.count = count
    }

    /// Takes ownership of `base` (from malloc), holding `count` values.
    init(adopting base: UnsafeMutablePointer<T>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { free(base) }

    public subscript(i: Int) -> T { base[i] }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}

/// x·q of every corpus row, from `CorpusMatrix.packing`.
public typealias Scores = KNNBuffer<Float>

/// Values appended one at a time into a malloc'd block grown geometrically; growth failing is a `KNNError`.
struct GrowingBuffer<T> {
    private(set) var base: UnsafeMutablePointer<T>?
    private(set) var count = 0
    private var capacity = 0

    @inline(__always)
    mutating func append(_ v: T) throws {
        if count == capacity { try grow() }
        guard let base else { throw KNNError.outOfMemory(bytes: 0) }
        base[count] = v
        count &+= 1
    }

    /// Makes room for `n` values in one go (when the total is known), so that growing never needs the
    /// memory of two copies; false when that much could not be allocated (appends then grow as usual).
    @discardableResult
    mutating func reserve(_ n: Int) -> Bool {
        guard n > capacity else { return true }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow, let p = realloc(base, bytes) else { return false }
        base = p.bindMemory(to: T.self, capacity: n)
        capacity = n
        return true
    }

    private mutating func grow() throws {
        let newCapacity = max(1024, capacity &* 2)
        let (bytes, overflow) = newCapacity.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw KNNError.outOfMemory(bytes: Int.max) }
        guard let p = realloc(base, bytes) else { throw KNNError.outOfMemory(bytes: bytes) }
        base = p.bindMemory(to: T.self, capacity: newCapacity)
        capacity = newCapacity
    }

    /// Hands the values over (the buffer is left empty).
    mutating func take() throws -> KNNBuffer<T> {
        defer { base = nil; count = 0; capacity = 0 }
        guard let b = base else { return try KNNBuffer(count: 0) }
        if count < capacity, count > 0, let p = realloc(b, count &* MemoryLayout<T>.stride) {
            return KNNBuffer(adopting: p.bindMemory(to: T.self, capacity: count), count: count)
        }
        return KNNBuffer(adopting: b, count: count)
    }

    mutating func release() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }
}

/// Grows one block for the matrix: a reserved mapping, or malloc'd memory grown geometrically (realloc moves
/// large blocks by remapping pages, not copying). Stops at the memory limit.
private struct Builder {
    let name: String
    let limits: KNNLimits
    /// The source's row count, when known before reading.
    let hint: Int?
    var dimensions = 0
    var count = 0
    var capacity = 0
    var data: UnsafeMutablePointer<Float>?
    var ids = GrowingBuffer<Int64>()
    /// |x|² of each row in float64, computed while the row is hot in cache.
    var squaredNorms = GrowingBuffer<Double>()
    /// A query to score each row against while packing (dropped if its dimensions differ), and the scores.
    var scoring: [Float]?
    var scores = GrowingBuffer<Float>()
    /// Where a row holding NaN or infinity goes (left out); nil: such a row is an error.
    var setAside: ((Int64, VectorView) -> Void)?
    /// Populates pages ahead of the writer on another thread, once the corpus is large enough to gain.
    var prefaulter: Prefaulter?
    /// Rows that fit `limits.memory` (set with the first row).
    var rowLimit = Int.max
    var started = false

    init(name: String, limits: KNNLimits, hint: Int?) {
        self.name = name
        self.limits = limits
        self.hint = hint
    }

    /// With the first row: the dimensions are known, so is what a row costs. A source that knows its row
    /// count is refused here, before any of it is read.
    private mutating func start() throws {
        started = true
        let perRow = CorpusMatrix.packedBytes(rows: 1, dimensions: dimensions)
        rowLimit = limits.memory == .max ? .max : limits.memory / max(perRow, 1)
        if let hint, hint > rowLimit { throw tooLarge(rows: hint, known: true) }
    }

    func tooLarge(rows: Int, known: Bool) -> KNNError {
        .corpusTooLarge(corpus: name, rows: rows, dimensions: dimensions,
                        bytes: CorpusMatrix.packedBytes(rows: rows, dimensions: dimensions), rowsKnown: known,
                        limit: limits.memory, source: limits.memorySource)
    }

    mutating func append(id: Int64, _ v: VectorView) throws {
        if dimensions == 0 {
            dimensions = v.count
        } else if v.count != dimensions {
            throw KNNError.rowDimensions(corpus: name, id: id, found: v.count, expected: dimensions)
        }
        if !started { try start() }
        guard count < CorpusMatrix.maxRows else { throw KNNError.tooManyRows(CorpusMatrix.maxRows) }
        guard count < rowLimit else { throw tooLarge(rows: count &+ 1, known: false) }
        if count & 4095 == 4095, limits.isInterrupted() { throw KNNError.interrupted }
        if count == capacity { try grow() }
        guard let data else { throw KNNError.outOfMemory(bytes: 0) }
        let dst = data + count &* dimensions
        // One pass (CKernels, AVX-512 where the CPU has it): copy, Σx² in float64, and the query's dot product.
        if let q = scoring, q.count != dimensions {
            scoring = nil
            scores.release()
        }
        var dot: Float = 0
        let src = v.base.assumingMemoryBound(to: Float.self)
        // Streaming stores once the corpus is large (pages are then being populated ahead on another thread);
        // `take` fences them.
        let stream: Int32 = prefaulter != nil ? 1 : 0
        let s = scoring.map { q in q.withUnsafeBufferPointer { strata_pack_row(dst, src, dimensions, $0.baseAddress, &dot, stream) } }
            ?? strata_pack_row(dst, src, dimensions, nil, nil, stream)
        // Sources hand over unvalidated floats: a finite float32 row always has a finite float64 norm.
        guard s.isFinite else {
            if let setAside { return setAside(id, v) }
            let bad = (0..<dimensions).first { !dst[$0].isFinite } ?? 0
            throw KNNError.badRow(corpus: name, id: id, reason: VectorError.nonFinite(index: bad).description)
        }
        try squaredNorms.append(s)
        try ids.append(id)
        if scoring != nil { try scores.append(dot) }
        count &+= 1
        if mapped > 0 && count & 1023 == 0 {
            let written = count &* dimensions &* 4
            if let prefaulter {
                prefaulter.advance(to: written)
            } else if written >= 1 << 20 {
                prefaulter = Prefaulter(base: UnsafeMutableRawPointer(data), reserved: mapped, written: written)
            }
        }
    }

    /// Bytes of address space reserved with mmap (0 when the block came from malloc).
    var mapped = 0

    /// Room for more rows. The first time, reserves a range of address space (MAP_NORESERVE: pages cost
    /// memory only once written), so growing never copies. The range is what the source's row count needs,
    /// else what the memory limit allows (at most 256 GiB). Falls back to realloc.
    ///
    /// No MADV_HUGEPAGE: with Debian's THP defrag setting (`madvise`) a fault in an advised range compacts
    /// memory on the spot when no huge page is free, and the first query then stalled at random (100,000 x 384,
    /// fresh connections one after another: medians of 12 first queries 106 / 182 / 166 ms with it, 96 / 96 /
    /// 99 ms without). The price is on warm queries, ~5% (4.5 against 4.7-5.2 ms), well inside their budget.
    private mutating func grow() throws {
        let rowBytes = dimensions &* 4
        if data == nil, rowBytes > 0 {
            let rowsWanted = min(hint.map { max($0, 1) } ?? Int.max, rowLimit, CorpusMatrix.maxRows)
            let (want, overflow) = rowsWanted.multipliedReportingOverflow(by: rowBytes)
            let reserve = overflow ? 1 << 38 : min(1 << 38, want)
            let p = mmap(nil, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            if let p, p != UnsafeMutableRawPointer(bitPattern: -1) {
                data = p.assumingMemoryBound(to: Float.self)
                mapped = reserve
                capacity = reserve / rowBytes
                // With the range sized by a row count or a limit, the per-row arrays get theirs too: under
                // RLIMIT_AS everything packing needs is then taken up front, within the limit (large blocks
                // come from mmap, so untouched pages cost no memory).
                if hint != nil || rowLimit < Int.max {
                    ids.reserve(capacity)
                    squaredNorms.reserve(capacity)
                    if scoring != nil { scores.reserve(capacity) }
                }
                return
            }
        }
        if mapped > 0 {
            // The reserved range is full: the row count was wrong, or the range was the limit.
            guard count < rowLimit else { throw tooLarge(rows: count &+ 1, known: false) }
            try moveToMalloc()
            return
        }
        let newCapacity = min(max(1024, capacity &* 2), max(rowLimit, count &+ 1))
        let (bytes, overflow) = newCapacity.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else { throw KNNError.outOfMemory(bytes: Int.max) }
        guard let p = realloc(data, bytes) else { throw KNNError.outOfMemory(bytes: bytes) }
        data = p.assumingMemoryBound(to: Float.self)
        capacity = newCapacity
    }

    /// Copies a full mapping into a malloc'd block twice its size (a source that said fewer rows than it had).
    private mutating func moveToMalloc() throws {
        guard let old = data else { return }
        prefaulter?.stop()
        prefaulter = nil
        let used = count &* dimensions &* 4
        let newCapacity = min(max(1024, count &* 2), max(rowLimit, count &+ 1))
        let (bytes, overflow) = newCapacity.multipliedReportingOverflow(by: dimensions &* 4)
        guard !overflow, let p = malloc(bytes) else { throw KNNError.outOfMemory(bytes: overflow ? Int.max : bytes) }
        p.copyMemory(from: old, byteCount: used)
        _ = munmap(old, mapped)
        mapped = 0
        data = p.assumingMemoryBound(to: Float.self)
        capacity = newCapacity
    }

    /// Hands the block over, trimmed to size (a one-float block for no rows), and the mapped length to
    /// unmap (0: free with `free`). The builder no longer owns it.
    mutating func take() -> (UnsafeMutablePointer<Float>, mapped: Int)? {
        strata_pack_finish()
        prefaulter?.stop()
        prefaulter = nil
        defer { data = nil; mapped = 0 }
        guard let data, count > 0 else {
            releaseData()
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

    private mutating func releaseData() {
        prefaulter?.stop()
        prefaulter = nil
        if mapped > 0, let data { _ = munmap(data, mapped) } else { free(data) }
        data = nil
        mapped = 0
    }

    /// Frees whatever was not taken (after an error, or the norms once copied).
    mutating func release() {
        releaseData()
        ids.release()
        squaredNorms.release()
        scores.release()
    }
}

/// A thread that asks the kernel to populate (zero and map) the pages the builder will write next, up to
/// `lookahead` bytes ahead, so page zeroing overlaps the read of the source instead of stalling the writer.
/// `MADV_POPULATE_WRITE` never changes page contents, so it cannot race with the writer's data.
final class Prefaulter {
    private let base: UnsafeMutableRawPointer
    private let reserved: Int
    private let lookahead = 32 << 20
    private let worker = WorkerThread()
    // Shared with the thread, under the worker's lock.
    private var written: Int
    private var finished = false

    init?(base: UnsafeMutableRawPointer, reserved: Int, written: Int) {
        self.base = base
        self.reserved = reserved
        self.written = written
        guard worker.start({ [self] in run() }) else { return nil }
    }

    func advance(to bytes: Int) {
        worker.locked {
            written = bytes
            worker.broadcast()
        }
    }

    /// Stops and joins the thread (before the builder unmaps anything).
    func stop() {
        guard worker.inOwnerProcess else { return }
        worker.locked {
            finished = true
            worker.broadcast()
        }
        worker.join()
    }

    private func run() {
        let page = 2 << 20
        // `written` is the writer's: read under the lock like everywhere else (ThreadSanitizer caught the bare read).
        var populated = worker.locked { (written / page) * page }
        while true {
            let (target, done): (Int, Bool) = worker.locked {
                while !finished && populated >= min(reserved, written &+ lookahead) { worker.wait() }
                return (min(reserved, written &+ lookahead), finished)
            }
            if done || populated >= target { return }
            let chunk = min(target &- populated, 8 << 20)
            // MADV_POPULATE_WRITE (Linux 5.14+); on older kernels the first failure ends the thread.
            guard madvise(base + populated, chunk, 23) == 0 else { return }
            populated &+= chunk
        }
    }
}
