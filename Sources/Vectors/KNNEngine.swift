// Exact k-nearest-neighbour search over a packed `CorpusMatrix`. One query: the C scan kernel (CKernels; BLAS
// `sgemv` with STRATA_KNN_SGEMV=1) scores every row on every core, a bounded heap finds the k-th best score
// without sorting N. A batch: blocked `sgemm` (OpenBLAS, opened on first use) over query × corpus
// tiles, each tile scanned into per-query bounded heaps while it is hot, so memory stays O(tile).
//
// Exactness: float32 scores only *select*. Every float32 key is within a proven bound `tol` of the exact key
// (|error| ≤ γ·|x||q| for a float32 dot product of d terms, γ ≈ d·2⁻²⁴, doubled for safety), so the true top k
// lie among the rows whose float32 key is ≤ (k-th float32 key) + 2·tol. Those candidates are rescored in
// float64 (the kernels of `Kernels.swift`, which agree with NumPy's float64 to ~1e-12) and the final order is
// (distance, id). A batch keeps k + slack candidates per query; when the slack itself lies within the bound
// (many near-ties), that query is redone on the single-query path, which keeps every candidate.
import CKernels
import Synchronization

public enum KNNEngine {
    /// Largest k accepted by the SQL binding (results are materialised per query).
    public static let maxK = 100_000

    /// Floats in one batch score tile (queries × corpus rows); 4 Mi floats = 16 MiB. With 1,000 queries a tile
    /// covers ~4,200 corpus rows: fewer, larger sgemm calls. Against one bare sgemm over the whole shape this
    /// was 4–6% closer than 1 Mi-float tiles in two alternated runs and within noise in two others (issue 15,
    /// a loaded 2-core machine); it costs 12 MiB more per batch.
    static let tileFloats = 1 << 22
    /// Corpus rows gathered per block when a filter selects scattered rows.
    static let gatherRows = 4096

    /// The k nearest rows of `corpus` to `query` (restricted to `rows`, ascending row indices, when given),
    /// best first. Empty for a zero query under cosine (its angle is undefined) or an empty corpus.
    /// `precomputed`: x·scoringVector(query) for every corpus row, as `CorpusMatrix.packing` returns them for
    /// the query that triggered the packing (ignored with a subset or a wrong count). `limits.isInterrupted`
    /// is asked between blocks of rows.
    public static func search(_ corpus: CorpusMatrix, query: VectorView, k: Int, metric: Metric,
                              rows subset: [Int32]? = nil, precomputed: Scores? = nil,
                              limits: KNNLimits = .none) throws -> [Neighbor] {
        let n = subset?.count ?? corpus.rows
        guard k > 0, n > 0 else { return [] }
        guard query.count == corpus.dimensions else {
            throw KNNError.queryDimensions(found: query.count, expected: corpus.dimensions)
        }
        guard let prep = PreparedQuery(query, metric: metric, corpus: corpus) else { return [] }
        if prep.exactOnly { return try bruteForce(corpus, query: query, k: k, metric: metric, rows: subset, limits: limits) }

        // One float32 key per row: malloc'd, so a corpus too large for it is an error rather than a trap.
        let keyStore = try KNNBuffer<Float>(count: n)
        return try withExtendedLifetime(keyStore) {
            try select(corpus, query: query, k: k, metric: metric, rows: subset, prep: prep, precomputed: precomputed,
                       keys: UnsafeMutableBufferPointer(start: keyStore.base, count: n), limits: limits)
        }
    }

    /// The rest of `search`: scores into `keys` (one per candidate row), then the float32 selection and the
    /// float64 rescoring of every row that may belong to the top k.
    private static func select(_ corpus: CorpusMatrix, query: VectorView, k: Int, metric: Metric, rows subset: [Int32]?,
                               prep: PreparedQuery, precomputed: Scores?, keys: UnsafeMutableBufferPointer<Float>,
                               limits: KNNLimits) throws -> [Neighbor] {
        let n = keys.count
        if subset == nil, let pre = precomputed, pre.count == n {
            let alpha = metric.alpha
            for j in 0..<n { keys[j] = alpha * pre.base[j] }
            applyRowTerms(corpus, metric: metric, rows: nil, to: keys)
        } else {
            try prep.scoring.withUnsafeBufferPointer { q in
                try scoreSingle(corpus, q.baseAddress, metric: metric, rows: subset, into: keys, limits: limits)
            }
        }
        var heap = CandidateHeap(capacity: min(k, n))
        var thr = heap.threshold
        for j in 0..<n where keys[j] <= thr {
            heap.offer(keys[j], Int32(truncatingIfNeeded: j))
            thr = heap.threshold
        }
        // Every row within 2·tol of the k-th key may belong to the exact top k.
        let limit: Float = heap.count == heap.capacity && heap.capacity == k ? heap.threshold + 2 * prep.tolerance : .infinity
        var top = TopK(k: k)
        for j in 0..<n where keys[j] <= limit {
            let row = subset.map { Int($0[j]) } ?? j
            if let d = exactDistance(corpus.row(row), query, metric) {
                top.insert(Neighbor(id: corpus.id(at: row), distance: d))
            }
        }
        return top.sorted()
    }

    /// The vector a query is scored with (unit length for cosine); nil when it can match nothing.
    public static func scoringVector(_ query: VectorView, metric: Metric) -> [Float]? {
        PreparedQuery.scoringVector(query, metric: metric)
    }

    /// How many queries one batch block should hold for a given k (bounds heap and output memory).
    public static func queryBlockSize(k: Int) -> Int {
        let perQuery = max(1, k &+ slack(k))
        return max(1, min(1024, (1 << 22) / perQuery))
    }

    /// The k nearest rows for each query row in `range` of `queries`, computed as one blocked product.
    /// Result i belongs to query row `range.lowerBound + i`.
    public static func searchBatch(_ corpus: CorpusMatrix, queries: CorpusMatrix, range: Range<Int>, k: Int,
                                   metric: Metric, rows subset: [Int32]? = nil,
                                   limits: KNNLimits = .none) throws -> [[Neighbor]] {
        try searchBatch(corpus, queries: queries, range: range, k: k, metric: metric, rows: subset, limits: limits,
                        plan: BatchPlan())
    }

    /// How a batch is cut. By default (nil): blocks of 16 or more queries go through the fused kernel, one
    /// share of the corpus rows per core, each on its own thread with its own heaps (KNNBatchScan.swift); other
    /// blocks multiply with sgemm in one share, OpenBLAS using every core per call, in tiles of `tileFloats`.
    /// Tests set the fields to force either path, several shares and small tiles. (Several shares calling
    /// sgemm at once are for tests only: Debian's single-threaded OpenBLAS takes no locks, and calling the
    /// threaded one from several threads only oversubscribes the cores.)
    struct BatchPlan {
        var fused: Bool? = nil
        var shares: Int? = nil
        var tileFloats: Int? = nil
    }

    /// `searchBatch` cut as `plan` says (tests force several shares and small tiles on any BLAS).
    static func searchBatch(_ corpus: CorpusMatrix, queries: CorpusMatrix, range: Range<Int>, k: Int,
                            metric: Metric, rows subset: [Int32]?, limits: KNNLimits,
                            plan: BatchPlan) throws -> [[Neighbor]] {
        let range = range.clamped(to: 0..<queries.rows)
        let n = subset?.count ?? corpus.rows
        let qn = range.count
        guard qn > 0 else { return [] }
        guard k > 0, n > 0 else { return Array(repeating: [], count: qn) }
        let d = corpus.dimensions
        guard queries.dimensions == d else {
            throw KNNError.queryDimensions(found: queries.dimensions, expected: d)
        }

        let preps = (0..<qn).map { PreparedQuery(queries.row(range.lowerBound &+ $0), metric: metric, corpus: corpus) }
        let scanned = preps.map { $0.map { !$0.exactOnly } ?? false }
        let capacity = min(n, k &+ slack(k))
        // The fused kernel needs no BLAS and runs a share per core; sgemm as `plan` says.
        let fused = plan.fused ?? usesFusedKernel(queries: qn)
        if !fused { try KNNError.requireBLAS() }
        // The scoring vectors of the block, laid out for the kernel: row-major for sgemm, or the fused kernel's
        // groups of 32 (see CKernels.h). Queries handled elsewhere (exact-only, zero under cosine) stay zero.
        let groups = fused ? (qn &+ Int(STRATA_BATCH_GROUP) &- 1) / Int(STRATA_BATCH_GROUP) : 0
        var packed = [Float](repeating: 0, count: (fused ? groups &* Int(STRATA_BATCH_GROUP) : qn) &* d)
        packed.withUnsafeMutableBufferPointer { dst in
            guard let base = dst.baseAddress else { return }
            for (i, p) in preps.enumerated() {
                guard let p, !p.exactOnly else { continue }
                p.scoring.withUnsafeBufferPointer { src in
                    guard let s = src.baseAddress else { return }
                    if fused { strata_batch_pack_query(s, i, d, base) } else { (base + i &* d).update(from: s, count: d) }
                }
            }
        }
        let tileFloats = plan.tileFloats ?? KNNEngine.tileFloats
        // Shares of at least 4,096 rows: below that a thread's start-up is not paid back (tests force more). A
        // share is a whole number of fused tiles, so only the last one ends in a partial row block.
        let shares = max(1, plan.shares ?? (fused ? min(KNNThreads.count, n / 4096) : 1))
        let per = ((n &+ shares &- 1) / shares &+ fusedTileRows &- 1) / fusedTileRows &* fusedTileRows
        // A filter's rows are gathered into a block first: that copy is held to a tile's size too (a block of
        // few queries would otherwise gather up to all N rows at once).
        let rowCap = subset == nil ? per : max(16, (tileFloats / max(d, 1)) & ~15)
        let blockRows = max(16, min(per, rowCap, (tileFloats / qn) & ~15))
        // One set of heaps per share; each share's thread touches only its own.
        let heapSets = UnsafeMutablePointer<[CandidateHeap]>.allocate(capacity: shares)
        heapSets.initialize(repeating: [CandidateHeap](repeating: CandidateHeap(capacity: capacity), count: qn),
                            count: shares)
        defer {
            heapSets.deinitialize(count: shares)
            heapSets.deallocate()
        }
        let stop = StopFlag()
        var interrupted = false
        packed.withUnsafeBufferPointer { q in
            guard let qp = q.baseAddress else { return }
            KNNThreads.run(parts: shares) { part in
                // The calling thread (the last part) may ask the connection whether to stop; the others follow.
                let isCaller = part == shares &- 1
                let share = min(n, part &* per) ..< min(n, part &* per &+ per)
                let stopping = {
                    if isCaller {
                        if limits.isInterrupted() { stop.raise(); return true }
                        return false
                    }
                    return stop.isRaised
                }
                let completed: Bool
                if fused {
                    completed = scanShareFused(corpus, packed: qp, groups: groups, count: qn, scanned: scanned,
                                               metric: metric, rows: subset, share: share,
                                               into: &heapSets[part], stopping: stopping)
                } else {
                    completed = scanShare(corpus, queries: qp, count: qn, scanned: scanned, metric: metric,
                                          rows: subset, share: share, blockRows: blockRows,
                                          into: &heapSets[part], stopping: stopping)
                }
                if !completed && isCaller { interrupted = true }
            }
        }
        if interrupted { throw KNNError.interrupted }
        // The best `capacity` of the union of the shares' bests are the best `capacity` of all rows: the heaps
        // order by (key, row), so the merged heap holds exactly what one share over every row would.
        var heaps = heapSets[shares &- 1]
        for part in 0..<(shares &- 1) {
            for i in 0..<qn where scanned[i] {
                let other = heapSets[part][i]
                for j in 0..<other.count { heaps[i].offer(other.keys[j], other.rows[j]) }
            }
        }

        var results: [[Neighbor]] = []
        results.reserveCapacity(qn)
        for i in 0..<qn {
            let query = queries.row(range.lowerBound &+ i)
            guard let prep = preps[i] else { results.append([]); continue }
            if prep.exactOnly {
                results.append(try bruteForce(corpus, query: query, k: k, metric: metric, rows: subset, limits: limits))
                continue
            }
            let items = heaps[i].sortedItems()
            var limit = Float.infinity
            if items.count >= k {
                limit = items[k &- 1].key + 2 * prep.tolerance
                // The kept slack does not clear the bound: rows beyond it might tie. Redo this query exactly.
                if items.count == capacity, capacity < n, let last = items.last, last.key <= limit {
                    results.append(try search(corpus, query: query, k: k, metric: metric, rows: subset, limits: limits))
                    continue
                }
            }
            var top = TopK(k: k)
            for item in items where item.key <= limit {
                let row = subset.map { Int($0[Int(item.row)]) } ?? Int(item.row)
                if let dist = exactDistance(corpus.row(row), query, metric) {
                    top.insert(Neighbor(id: corpus.id(at: row), distance: dist))
                }
            }
            results.append(top.sorted())
        }
        return results
    }

    /// One share of a batch: the rows at positions `share` (of the corpus, or of `subset`), a tile of
    /// `blockRows` at a time — sgemm of the queries against the tile, then each scanned query's row of scores
    /// offered to its heap while the tile is in cache. `stopping` is asked between tiles; false when it said stop.
    private static func scanShare(_ corpus: CorpusMatrix, queries qp: UnsafePointer<Float>, count qn: Int,
                                  scanned: [Bool], metric: Metric, rows subset: [Int32]?, share: Range<Int>,
                                  blockRows: Int, into heaps: inout [CandidateHeap],
                                  stopping: () -> Bool) -> Bool {
        let d = corpus.dimensions
        let alpha = metric.alpha
        var tile = [Float](repeating: 0, count: qn &* blockRows)
        return tile.withUnsafeMutableBufferPointer { t in
            guard let tp = t.baseAddress else { return true }
            return walkTiles(corpus, rows: subset, share: share, tileRows: blockRows, metric: metric,
                             stopping: stopping) { block, ap, start, count in
                _ = strata_sgemm_nt(Int32(qn), Int32(count), Int32(d), alpha, qp, Int32(d), block, Int32(d),
                                    tp, Int32(blockRows))
                let base = Int32(truncatingIfNeeded: start)
                for i in 0..<qn where scanned[i] {
                    let row = UnsafePointer(tp + i &* blockRows)
                    switch metric {
                    case .cosine: scanRow(CosineKey.self, row, count, ap, base, &heaps[i])
                    case .l2: scanRow(L2Key.self, row, count, ap, base, &heaps[i])
                    case .dot: scanRow(DotKey.self, row, count, ap, base, &heaps[i])
                    }
                }
            }
        }
    }

    /// Extra candidates kept per query in a batch, to absorb float32 near-ties without a redo.
    @inline(__always)
    static func slack(_ k: Int) -> Int { 16 &+ k / 8 }

    /// Float64 scan of every row: for queries whose magnitudes would overflow or underflow float32 scores.
    static func bruteForce(_ corpus: CorpusMatrix, query: VectorView, k: Int, metric: Metric,
                           rows subset: [Int32]?, limits: KNNLimits = .none) throws -> [Neighbor] {
        var top = TopK(k: k)
        let n = subset?.count ?? corpus.rows
        for j in 0..<n {
            if j & 4095 == 4095, limits.isInterrupted() { throw KNNError.interrupted }
            let row = subset.map { Int($0[j]) } ?? j
            if let d = exactDistance(corpus.row(row), query, metric) {
                top.insert(Neighbor(id: corpus.id(at: row), distance: d))
            }
        }
        return top.sorted()
    }
}

/// The exact distance (float64) of the result, with the same definitions as the scalar SQL functions.
@inline(__always)
func exactDistance(_ x: VectorView, _ q: VectorView, _ metric: Metric) -> Double? {
    switch metric {
    case .cosine:
        let s = pairSums(x, q)
        guard s.normA > 0, s.normB > 0 else { return nil }
        return 1 - min(1, max(-1, s.dot / (s.normA.squareRoot() * s.normB.squareRoot())))
    case .l2:
        return squaredL2(x, q).squareRoot()
    case .dot:
        return -dot(x, q)
    }
}

extension Metric {
    /// The factor BLAS applies to x·q so that the scan only adds or multiplies: keys grow with distance.
    var alpha: Float {
        switch self {
        case .cosine, .dot: return -1
        case .l2: return -2
        }
    }
}

/// A query turned into what the float32 scan needs: the vector BLAS multiplies by (unit length for cosine),
/// and the bound on the error of its float32 keys.
struct PreparedQuery {
    let scoring: [Float]
    let tolerance: Float
    /// Scores could overflow or underflow float32: use the float64 scan.
    let exactOnly: Bool

    static func scoringVector(_ q: VectorView, metric: Metric) -> [Float]? {
        guard metric == .cosine else { return q.toArray() }
        let qNorm = norm(q)
        guard qNorm > 0 else { return nil }
        return (0..<q.count).map { Float(Double(q[$0]) / qNorm) }
    }

    /// Nil when the query can match nothing (a zero vector under cosine).
    init?(_ q: VectorView, metric: Metric, corpus: CorpusMatrix) {
        guard let scoring = Self.scoringVector(q, metric: metric) else { return nil }
        self.scoring = scoring
        let qNorm = norm(q)
        let d = Double(q.count)
        let gamma = (d + 16) * 0x1p-23 + 4e-7
        let scale: Double
        switch metric {
        case .cosine: scale = 1
        case .dot: scale = corpus.maxNorm * qNorm
        case .l2: scale = (corpus.maxNorm + qNorm) * (corpus.maxNorm + qNorm)
        }
        // float32 keys are safe between these magnitudes (with headroom for alpha = -2 and sums).
        if metric == .cosine {
            exactOnly = corpus.maxNorm >= 1e36 || corpus.minPositiveNorm < 1e-18
        } else {
            exactOnly = scale != 0 && !(scale > 1e-25 && scale < 1e36)
        }
        tolerance = Float(gamma * max(scale, 0))
    }
}

// MARK: - scoring

/// Corpus bytes scored between two interruption checks (a few milliseconds at memory bandwidth).
let scoringChunkBytes = 64 << 20

/// Keys for a single query into `out` (one per row of `subset`, or per corpus row). The rows are split once into
/// one contiguous share per thread (a thread per share, the calling thread taking the last), each scored a
/// chunk at a time; between its chunks the calling thread — the one that may ask the connection — checks for
/// interruption and tells the others through a shared flag. (Splitting every 64 MB chunk anew left the last,
/// short chunk to one thread and started threads three times for 100,000 x 384.)
private func scoreSingle(_ corpus: CorpusMatrix, _ q: UnsafePointer<Float>?, metric: Metric, rows subset: [Int32]?,
                         into out: UnsafeMutableBufferPointer<Float>, limits: KNNLimits) throws {
    guard let q, let y = out.baseAddress else { return }
    let d = corpus.dimensions
    let alpha = metric.alpha
    let n = out.count
    let chunk = max(8192, scoringChunkBytes / max(d &* 4, 1))
    if limits.isInterrupted() { throw KNNError.interrupted }
    if subset == nil && KNNThreads.useSgemv {
        try KNNError.requireBLAS()
        var start = 0
        while start < n {
            if start > 0, limits.isInterrupted() { throw KNNError.interrupted }
            let m = min(chunk, n &- start)
            _ = strata_sgemv_n(Int32(m), Int32(d), alpha, corpus.data + start &* d, Int32(d), q, y + start)
            start &+= m
        }
    } else {
        // Shares of at least 8192 rows, so thread start-up stays small next to the scan.
        let parts = max(1, min(KNNThreads.count, n / 8192))
        let per = (n &+ parts &- 1) / parts
        let step = max(1024, chunk / parts)
        let stop = StopFlag()
        var interrupted = false
        subset.withUnsafeBufferPointerIfAny { indices in
            KNNThreads.run(parts: parts) { part in
                let isCaller = part == parts &- 1
                var first = part &* per
                let end = min(n, first &+ per)
                while first < end {
                    if first > part &* per {
                        if isCaller {
                            if limits.isInterrupted() { stop.raise(); interrupted = true; return }
                        } else if stop.isRaised {
                            return
                        }
                    }
                    let count = min(step, end &- first)
                    scoreRows(corpus.data, dimensions: d, indices: indices, first: first, count: count,
                              query: q, alpha: alpha, into: y + first)
                    first &+= count
                }
            }
        }
        if interrupted { throw KNNError.interrupted }
    }
    applyRowTerms(corpus, metric: metric, rows: subset, to: out)
}

/// Set by the thread that saw an interruption; read by the threads scoring beside it.
final class StopFlag: @unchecked Sendable {
    private let raised = Atomic<Bool>(false)
    var isRaised: Bool { raised.load(ordering: .acquiring) }
    func raise() { raised.store(true, ordering: .releasing) }
}

/// alpha·x·q → key in place: × 1/|x| for cosine, + |x|² for l2.
private func applyRowTerms(_ corpus: CorpusMatrix, metric: Metric, rows subset: [Int32]?,
                           to out: UnsafeMutableBufferPointer<Float>) {
    guard let y = out.baseAddress else { return }
    let n = out.count
    let invBase = corpus.inverseNorms, sqBase = corpus.squaredNorms
    switch (metric, subset) {
    case (.cosine, nil): for j in 0..<n { y[j] *= invBase[j] }
    case (.l2, nil): for j in 0..<n { y[j] += sqBase[j] }
    case (.cosine, let rows?): for j in 0..<n { y[j] *= invBase[Int(rows[j])] }
    case (.l2, let rows?): for j in 0..<n { y[j] += sqBase[Int(rows[j])] }
    case (.dot, _): break
    }
}

extension Optional where Wrapped == [Int32] {
    /// The array's base pointer, or nil for no array.
    func withUnsafeBufferPointerIfAny<R>(_ body: (UnsafePointer<Int32>?) -> R) -> R {
        switch self {
        case .none: return body(nil)
        case .some(let a): return a.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}

/// Copies rows `subset[start..<start+count]` into `buffer` and their per-row key term into `aux`.
func gather(_ corpus: CorpusMatrix, _ subset: [Int32], _ start: Int, _ count: Int,
                    into buffer: UnsafeMutablePointer<Float>, aux: UnsafeMutablePointer<Float>, metric: Metric) {
    let d = corpus.dimensions
    subset.withUnsafeBufferPointer { s in
        for j in 0..<count {
            let row = Int(s[start &+ j])
            (buffer + j &* d).update(from: corpus.data + row &* d, count: d)
            switch metric {
            case .cosine: aux[j] = corpus.inverseNorms[row]
            case .l2: aux[j] = corpus.squaredNorms[row]
            case .dot: aux[j] = 0
            }
        }
    }
}

/// The per-row key term of contiguous rows `start..<start+count`.
func fillAux(_ corpus: CorpusMatrix, _ start: Int, _ count: Int, into aux: UnsafeMutablePointer<Float>,
                     metric: Metric) {
    switch metric {
    case .cosine: aux.update(from: corpus.inverseNorms + start, count: count)
    case .l2: aux.update(from: corpus.squaredNorms + start, count: count)
    case .dot: break
    }
}

// MARK: - the tile scan

/// How a metric turns alpha·x·q (from BLAS) and a per-row term into a key that grows with distance.
protocol KeyTransform {
    static func keys(_ s: SIMD16<Float>, _ aux: SIMD16<Float>) -> SIMD16<Float>
    static func key(_ s: Float, _ aux: Float) -> Float
}

/// cosine: −(x·q̂)/|x| = distance − 1.
enum CosineKey: KeyTransform {
    @inline(__always) static func keys(_ s: SIMD16<Float>, _ aux: SIMD16<Float>) -> SIMD16<Float> { s * aux }
    @inline(__always) static func key(_ s: Float, _ aux: Float) -> Float { s * aux }
}

/// l2: |x|² − 2x·q = distance² − |q|².
enum L2Key: KeyTransform {
    @inline(__always) static func keys(_ s: SIMD16<Float>, _ aux: SIMD16<Float>) -> SIMD16<Float> { s + aux }
    @inline(__always) static func key(_ s: Float, _ aux: Float) -> Float { s + aux }
}

/// dot: −x·q = distance.
enum DotKey: KeyTransform {
    @inline(__always) static func keys(_ s: SIMD16<Float>, _ aux: SIMD16<Float>) -> SIMD16<Float> { s }
    @inline(__always) static func key(_ s: Float, _ aux: Float) -> Float { s }
}

/// Offers one tile row to a heap. Sixteen keys are compared with the threshold at once; only lanes that beat
/// it reach the heap, so a scan past the first few blocks is a stream of vector compares.
@inline(__always)
func scanRow<T: KeyTransform>(_ kind: T.Type, _ scores: UnsafePointer<Float>, _ count: Int,
                              _ aux: UnsafePointer<Float>, _ base: Int32, _ heap: inout CandidateHeap) {
    var thr = heap.threshold
    var j = 0
    let raw = UnsafeRawPointer(scores)
    let rawAux = UnsafeRawPointer(aux)
    while j &+ 16 <= count {
        let s = raw.loadUnaligned(fromByteOffset: j &* 4, as: SIMD16<Float>.self)
        let a = rawAux.loadUnaligned(fromByteOffset: j &* 4, as: SIMD16<Float>.self)
        let keys = T.keys(s, a)
        if any(keys .<= SIMD16<Float>(repeating: thr)) {
            for l in 0..<16 where keys[l] <= thr {
                heap.offer(keys[l], base &+ Int32(truncatingIfNeeded: j &+ l))
                thr = heap.threshold
            }
        }
        j &+= 16
    }
    while j < count {
        let key = T.key(scores[j], aux[j])
        if key <= thr {
            heap.offer(key, base &+ Int32(truncatingIfNeeded: j))
            thr = heap.threshold
        }
        j &+= 1
    }
}
