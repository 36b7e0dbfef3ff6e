// One query answered while the corpus streams past, without packing it. The first single query on a corpus
// (and every single query on one that cannot be cached, or is too large to pack) reads each row once: a kernel
// (`strata_row_sums`) takes its |x|² and its dot product with the query in float32, writing nothing, and the
// few rows whose float32 key may belong to the top k are rescored in float64 on the spot. Packing is left
// to a corpus that is used again: a report or a cron job that asks once never writes the corpus's copy into
// fresh memory (page zeroing cost the first query as much as reading the table did; docs/knn.md).
//
// Exactness, the same answers as the packed path (`KNNEngine.search`): every row's float32 key k_j is within
// t_j of its exact key (t_j = γ·|x_j||q| with the row's own norm and `PreparedQuery`'s γ, twice the bound of a
// float32 sum of d products — room for the float32 |x|² too: at most 1.5 of that bound for cosine, 1 for l2), so [k_j − t_j, k_j + t_j] holds the exact key. H, the k-th smallest upper bound seen so far,
// only falls as rows arrive, and the k-th smallest exact key of all rows is ≤ H at every moment (k rows seen so
// far have exact keys below their upper bounds). So a row is rescored exactly when k_j − t_j ≤ H at its
// arrival: every row of the true top k passes, since its exact key is ≤ the final H ≤ the H it met. Rows
// whose magnitudes would make float32 keys overflow or underflow are rescored without the test. The float64
// distances come from `exactDistance`, the packed path's own rescoring, so the two agree bit for bit; ties are
// ordered by (distance, id) in both.
import CKernels

/// What a streamed search found, and what the stream showed about the corpus.
public struct StreamedSearch {
    /// Best first, ordered by (distance, id).
    public var neighbors: [Neighbor]
    /// Rows set aside as not valid vectors (the same as packing would record: `CorpusMatrix.packingChecked`).
    public var badRows: BadRows
    /// Valid rows read (NULLs and bad rows aside), whatever the filter.
    public var rows: Int
    /// Dimensions of the valid rows (0 when there were none).
    public var dimensions: Int
    /// Rows rescored in float64 (for tests: the float32 test lets few through).
    public var rescored: Int
}

extension KNNEngine {
    /// The k nearest valid rows of `source` to `query` (restricted to rows whose id is in `ids` when given),
    /// found in one pass without packing. Bad rows are set aside as packing sets them aside (`badRows`); the
    /// caller decides whether they block the answer, as it does for a packed corpus. Throws
    /// `queryDimensions` when rows remain to search and their dimensions are not the query's.
    public static func streamSearch(_ source: CorpusSource, name: String, query: VectorView, k: Int, metric: Metric,
                                    ids filter: [Int64]? = nil, limits: KNNLimits = .none) throws -> StreamedSearch {
        var checked = CheckedSource(source)
        var pass = try streamPass(checked, query: query, k: k, metric: metric, ids: filter, limits: limits)
        if let d = checked.betterDimensions {
            // Most rows have another length than the first valid one: packing reads again with that length.
            checked = CheckedSource(source, dimensions: d)
            pass = try streamPass(checked, query: query, k: k, metric: metric, ids: filter, limits: limits)
        }
        let d = checked.kept > 0 ? checked.dimensions ?? 0 : 0
        if k > 0, pass.candidates > 0, query.count != d {
            throw KNNError.queryDimensions(found: query.count, expected: d)
        }
        return StreamedSearch(neighbors: pass.top.sorted(), badRows: checked.bad, rows: checked.kept, dimensions: d,
                              rescored: pass.rescored)
    }

    private struct Pass {
        var top: TopK
        /// Valid rows the filter selects (the packed path's `n`).
        var candidates = 0
        var rescored = 0
    }

    private static func streamPass(_ checked: CheckedSource, query: VectorView, k: Int, metric: Metric,
                                   ids filter: [Int64]?, limits: KNNLimits) throws -> Pass {
        checked.packerChecksValues = true
        var pass = Pass(top: TopK(k: k))
        let qd = query.count
        // Nil for a zero query under cosine: nothing matches, but the rows are still read and checked.
        let scoring = k > 0 ? PreparedQuery.scoringVector(query, metric: metric) : nil
        let qNorm = norm(query)
        let gamma = (Double(qd) + 16) * 0x1p-23 + 4e-7
        // The k smallest upper bounds so far (its threshold: +∞ until k came), kept as float32 rounded up, which
        // only raises the threshold: more rows rescored, never one missed.
        var bounds = CandidateHeap(capacity: k)
        var wanted = filter.map(IDSet.init)
        var seen = 0
        try (scoring ?? []).withUnsafeBufferPointer { q in
            try checked.forEachRow { id, v in
                guard let v else { return }
                seen &+= 1
                if seen & 4095 == 0, limits.isInterrupted() { throw KNNError.interrupted }
                let d = v.count
                let src = v.base.assumingMemoryBound(to: Float.self)
                var dot: Float = 0
                let scored = d == qd && q.count == qd
                let sum32 = scored ? strata_row_sums(src, d, q.baseAddress, &dot) : strata_row_sums(src, d, nil, nil)
                // float32 |x|² where its rounding error is relative (the tolerance below covers it); a tiny or
                // huge row, or one whose squares overflowed or held NaN, is measured in float64 instead.
                let sum = sum32 >= 1e-30 && sum32 <= 1e30 ? Double(sum32) : squaredNorm(v)
                guard sum.isFinite else { return checked.setAside(id, v) }
                guard wanted?.contains(id) ?? true else { return }
                pass.candidates &+= 1
                guard scored else { return }
                let xNorm = sum.squareRoot()
                let key: Double, tolerance: Double
                var exact = false
                switch metric {
                case .cosine:
                    guard xNorm > 0 else { return }  // no angle: never a cosine match
                    exact = xNorm < 1e-18 || xNorm >= 1e36
                    key = -Double(dot) / xNorm
                    tolerance = gamma
                case .dot:
                    let scale = xNorm * qNorm
                    exact = scale != 0 && !(scale > 1e-25 && scale < 1e36)
                    key = -Double(dot)
                    tolerance = gamma * scale
                case .l2:
                    let scale = (xNorm + qNorm) * (xNorm + qNorm)
                    exact = scale != 0 && !(scale > 1e-25 && scale < 1e36)
                    key = sum - 2 * Double(dot)
                    tolerance = gamma * scale
                }
                if !exact {
                    guard key - tolerance <= Double(bounds.threshold) else { return }
                    let upper = key + tolerance, rounded = Float(upper)
                    bounds.offer(Double(rounded) < upper ? rounded.nextUp : rounded, 0)
                }
                pass.rescored &+= 1
                if let distance = exactDistance(v, query, metric) {
                    pass.top.insert(Neighbor(id: id, distance: distance))
                }
            }
        }
        // A source cut short by an interruption must not pass for the whole corpus.
        if limits.isInterrupted() { throw KNNError.interrupted }
        return pass
    }
}

/// A filter's ids, asked in the order rows arrive: ascending ids (a table read by rowid, a file by index) walk a
/// sorted copy forward; an id below the last one asked searches it.
private struct IDSet {
    private let sorted: [Int64]
    private var position = 0
    private var last = Int64.min

    init(_ ids: [Int64]) {
        var s = ids
        // Filters usually yield rowids in order already.
        var ordered = true
        for i in s.indices.dropFirst() where s[i] < s[i &- 1] { ordered = false; break }
        if !ordered { s.sort() }
        sorted = s
    }

    mutating func contains(_ id: Int64) -> Bool {
        if id < last {
            // Out of order: find the first element ≥ id.
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = lo &+ (hi &- lo) / 2
                if sorted[mid] < id { lo = mid &+ 1 } else { hi = mid }
            }
            position = lo
        } else {
            while position < sorted.count, sorted[position] < id { position &+= 1 }
        }
        last = id
        return position < sorted.count && sorted[position] == id
    }
}
