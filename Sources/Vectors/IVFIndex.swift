// knn_index's approximate search, as plain Swift: an inverted-file index (IVF). k-means centroids split the
// corpus into lists; each list holds its rows' ids, one float per row (|x|² for l2) and the rows' int8 codes
// (ScalarQuantizer). A query ranks the centroids, scans the codes of the nearest `probes` lists into a
// bounded heap of approximate keys, and the best `rescore` candidates are scored exactly — with the same
// float64 distance functions as exact knn_match — from their float32 rows, which the caller reads from the
// corpus itself. So every distance returned is exact; only which rows are considered is approximate.
//
// Cosine indexes unit vectors (x/|x|; all-zero rows have no angle and are never indexed); l2 and dot index
// the rows as they are. Lists are assigned by Euclidean distance to the centroid in that space.
import Glibc

public struct IVFModel: Sendable {
    public let metric: Metric
    public let dimensions: Int
    /// `lists × dimensions` floats, row-major.
    public let centroids: [Float]
    public let quantizer: ScalarQuantizer

    public var lists: Int { dimensions > 0 ? centroids.count / dimensions : 0 }

    public init(metric: Metric, dimensions: Int, centroids: [Float], quantizer: ScalarQuantizer) {
        self.metric = metric
        self.dimensions = dimensions
        self.centroids = centroids
        self.quantizer = quantizer
    }

    /// The vector a row or query is indexed as: unit length for cosine, as is otherwise. Nil for an all-zero
    /// vector under cosine.
    public func transformed(_ v: VectorView) -> [Float]? {
        var out = [Float](repeating: 0, count: v.count)
        guard transform(v, into: &out) else { return nil }
        return out
    }

    func transform(_ v: VectorView, into out: inout [Float]) -> Bool {
        let n = min(v.count, out.count)
        if metric == .cosine {
            let len = norm(v)
            guard len > 0, len.isFinite else { return false }
            for i in 0..<n { out[i] = Float(Double(v[i]) / len) }
        } else {
            for i in 0..<n { out[i] = v[i] }
        }
        return true
    }

    /// The extra float a list keeps per row: |x|² for l2 (the key is |x|² − 2·x·q), 0 otherwise.
    func rowTerm(_ x: [Float]) -> Float {
        guard metric == .l2 else { return 0 }
        var s: Double = 0
        for v in x { s += Double(v) * Double(v) }
        return Float(s)
    }

    /// List numbers by the Euclidean distance of their centroid to `x` (transformed), nearest first.
    public func probeOrder(_ x: [Float]) -> [Int] {
        let d = dimensions
        guard d > 0, x.count == d else { return [] }
        var dist = [Float](repeating: 0, count: lists)
        centroids.withUnsafeBufferPointer { c in
            guard let cb = c.baseAddress else { return }
            for l in 0..<lists {
                let row = cb + l &* d
                var s: Float = 0
                for i in 0..<d { let t = row[i] - x[i]; s += t * t }
                dist[l] = s
            }
        }
        return (0..<lists).sorted { dist[$0] < dist[$1] || (dist[$0] == dist[$1] && $0 < $1) }
    }

    /// The list a transformed row belongs to.
    public func nearestList(_ x: [Float]) -> Int { probeOrder(x).first ?? 0 }
}

/// One inverted list: parallel arrays of ids, row terms and `dimensions` codes per row.
public struct IVFList: Equatable, Sendable {
    public var ids: [Int64] = []
    public var terms: [Float] = []
    public var codes: [UInt8] = []
    public init() {}
    public init(ids: [Int64], terms: [Float], codes: [UInt8]) {
        self.ids = ids; self.terms = terms; self.codes = codes
    }
    public var count: Int { ids.count }

    /// Appends one row (its transformed vector) encoded with `model`'s quantizer.
    public mutating func append(id: Int64, transformed x: [Float], model: IVFModel) {
        ids.append(id)
        terms.append(model.rowTerm(x))
        let d = model.dimensions
        let start = codes.count
        codes.append(contentsOf: repeatElement(0, count: d))
        codes.withUnsafeMutableBufferPointer { c in
            x.withUnsafeBufferPointer { xs in
                guard let cb = c.baseAddress, let xb = xs.baseAddress else { return }
                model.quantizer.encode(xb, into: cb + start)
            }
        }
    }

    /// Removes the rows whose id is in `gone`.
    public mutating func remove(_ gone: Set<Int64>, dimensions d: Int) {
        guard ids.contains(where: gone.contains) else { return }
        var keep = IVFList()
        for (j, id) in ids.enumerated() where !gone.contains(id) {
            keep.ids.append(id)
            keep.terms.append(terms[j])
            keep.codes.append(contentsOf: codes[(j &* d)..<((j &+ 1) &* d)])
        }
        self = keep
    }
}

public enum IVFBuild {
    /// Rows sampled per list to train the centroids (faiss's rule of thumb is 39–256).
    public static let samplePerList = 64
    public static let iterations = 10
    public static let seed: UInt64 = 0x5354_5241_5441  // "STRATA"

    /// A default number of lists for `rows` rows: about √rows, at least 1.
    public static func defaultLists(rows: Int) -> Int {
        max(1, min(65_536, Int(Double(max(rows, 1)).squareRoot().rounded())))
    }

    /// Trains centroids and the quantizer on `corpus` and puts every row in its list. Cosine leaves out
    /// all-zero rows (they never match). `limits.isInterrupted` is asked every block of rows. The packed corpus
    /// is read as a source by the same passes that build an index too large to pack (IVFStreamingBuild), with no
    /// budget: one training sample of `samplePerList` rows a list, the lists made in one pass.
    public static func build(_ corpus: CorpusMatrix, metric: Metric, lists wanted: Int,
                             limits: KNNLimits) throws -> (model: IVFModel, lists: [IVFList]) {
        let rows = PackedRows(corpus: corpus)
        let trained = try IVFStreamingBuild.train(rows, metric: metric, lists: wanted, budget: .max, limits: limits)
        var lists: [IVFList] = []
        try IVFStreamingBuild.fill(rows, trained, budget: .max, limits: limits) { group in
            lists += group.map(\.1)
        }
        return (trained.model, lists)
    }

    /// A packed corpus's rows, in order, as a source.
    private struct PackedRows: CorpusSource {
        let corpus: CorpusMatrix
        var rowCountHint: Int? { corpus.rows }
        func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
            for i in 0..<corpus.rows { try body(corpus.id(at: i), corpus.row(i)) }
        }
    }
}

/// One query's pass over the lists: approximate keys into a bounded heap, then exact rescoring.
public struct IVFScan {
    public let model: IVFModel
    /// The query as indexed (unit length for cosine).
    public let query: [Float]
    private let weights: [Float]
    private let offset: Float
    private var heap: CandidateHeap
    /// Ids of the rows offered to the heap, by the heap's row number.
    private var offered: [Int64] = []
    private var scores: [Float] = []
    /// Rows scanned so far (for EXPLAIN-like reporting and tests).
    public private(set) var scanned = 0

    /// Nil when the query cannot match anything (all zero under cosine) or has the wrong dimensions.
    public init?(model: IVFModel, query: VectorView, candidates: Int) {
        guard query.count == model.dimensions, let q = model.transformed(query) else { return nil }
        self.model = model
        self.query = q
        (weights, offset) = model.quantizer.queryTerms(q)
        heap = CandidateHeap(capacity: max(1, candidates))
    }

    /// Rows with an approximate key now in the heap.
    public var candidateCount: Int { heap.count }

    /// Scans one stored list: `count` rows of 8-byte little-endian ids, 4-byte float terms and codes.
    /// `keep` says whether a row id may be a candidate (not pending, allowed by the filter).
    public mutating func scan(count: Int, ids: UnsafeRawBufferPointer, terms: UnsafeRawBufferPointer,
                              codes: UnsafeRawBufferPointer, keep: (Int64) -> Bool) {
        let d = model.dimensions
        // Compared by division: `count` may be a stored number (a damaged table's), and count × 8 could wrap
        // past every length — then a huge `scores` and reads beyond the blobs.
        guard count > 0, d > 0, count <= ids.count / 8, count <= terms.count / 4, count <= codes.count / d,
              let cb = codes.baseAddress else { return }
        if scores.count < count { scores = [Float](repeating: 0, count: count) }
        scores.withUnsafeMutableBufferPointer { s in
            weights.withUnsafeBufferPointer { w in
                guard let sb = s.baseAddress, let wb = w.baseAddress else { return }
                ScalarQuantizer.score(codes: cb.assumingMemoryBound(to: UInt8.self), dimensions: d, rows: count,
                                      weights: wb, into: sb)
            }
        }
        let l2 = model.metric == .l2
        for j in 0..<count {
            let dot = offset + scores[j]
            let key: Float
            if l2 {
                let term = Float(bitPattern: UInt32(littleEndian: terms.loadUnaligned(fromByteOffset: j &* 4, as: UInt32.self)))
                key = term - 2 * dot
            } else {
                key = -dot
            }
            guard key <= heap.threshold else { continue }
            let id = Int64(littleEndian: ids.loadUnaligned(fromByteOffset: j &* 8, as: Int64.self))
            guard keep(id) else { continue }
            heap.offer(key, Int32(truncatingIfNeeded: offered.count))
            offered.append(id)
        }
        scanned &+= count
    }

    /// Scans several lists, split over the cores when they hold enough rows: each thread scans its share of
    /// the lists into its own copy of this scan, and the copies' candidates are offered here after (the same
    /// candidates as one pass, up to ties at the heap's threshold). `keep` is called from those threads.
    public mutating func scan(lists: [IVFList], keep: @escaping @Sendable (Int64) -> Bool) {
        let rows = lists.reduce(0) { $0 &+ $1.count }
        // A share of at least 32,768 rows (about a millisecond of codes at 384 dimensions): a thread's start
        // (tens of microseconds) is then small beside it.
        let parts = max(1, min(KNNThreads.count, lists.count, rows / 32_768))
        guard parts > 1 else {
            for list in lists { scan(list, keep: keep) }
            return
        }
        // Lists dealt in turn, so every share gets large and small ones alike.
        var shares = [IVFScan](repeating: self, count: parts)
        shares.withUnsafeMutableBufferPointer { sp in
            guard let base = sp.baseAddress else { return }
            KNNThreads.run(parts: parts) { part in
                var i = part
                while i < lists.count {
                    base[part].scan(lists[i], keep: keep)
                    i &+= parts
                }
            }
        }
        let before = scanned
        for share in shares {
            absorb(share)
            scanned &+= share.scanned &- before
        }
    }

    private mutating func scan(_ list: IVFList, keep: (Int64) -> Bool) {
        list.ids.withUnsafeBytes { ids in
            list.terms.withUnsafeBytes { terms in
                list.codes.withUnsafeBytes { codes in
                    scan(count: list.count, ids: ids, terms: terms, codes: codes, keep: keep)
                }
            }
        }
    }

    /// Offers `other`'s candidates (a copy of this scan that went over other lists) to this one.
    private mutating func absorb(_ other: IVFScan) {
        for i in 0..<other.heap.count {
            let key = other.heap.keys[i]
            guard key <= heap.threshold else { continue }
            heap.offer(key, Int32(truncatingIfNeeded: offered.count))
            offered.append(other.offered[Int(other.heap.rows[i])])
        }
    }

    /// The candidates' ids, best approximate key first.
    public func candidates() -> [Int64] {
        let n = heap.count
        let order = (0..<n).sorted { heap.keys[$0] < heap.keys[$1] || (heap.keys[$0] == heap.keys[$1] && heap.rows[$0] < heap.rows[$1]) }
        return order.map { offered[Int(heap.rows[$0])] }
    }
}

/// Exact top k over rows handed in one at a time, with knn_match's distances (float64, ties by id).
public struct ExactRescorer {
    public let query: [Float]
    public let metric: Metric
    private var top: TopK

    public init(query: VectorView, metric: Metric, k: Int) {
        self.query = query.toArray()
        self.metric = metric
        self.top = TopK(k: k)
    }

    /// Scores one corpus row. The caller has checked its dimensions equal the query's.
    public mutating func offer(id: Int64, _ x: VectorView) {
        let q = query
        q.withVectorView { qv in
            if let d = exactDistance(x, qv, metric) { top.insert(Neighbor(id: id, distance: d)) }
        }
    }

    public var count: Int { top.count }
    public func sorted() -> [Neighbor] { top.sorted() }
}

extension Array where Element == Float {
    /// Little-endian float32 bytes (how knn_index stores centroids, ranges and row terms).
    public var littleEndianBytes: [UInt8] {
        var out = [UInt8](); out.reserveCapacity(count &* 4)
        for v in self { Swift.withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// The floats of little-endian bytes (a length not a multiple of 4 drops the tail).
    public init(littleEndianBytes b: UnsafeRawBufferPointer) {
        self = (0..<(b.count / 4)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: $0 &* 4, as: UInt32.self))) }
    }
}

extension Array where Element == Int64 {
    public var littleEndianBytes: [UInt8] {
        var out = [UInt8](); out.reserveCapacity(count &* 8)
        for v in self { Swift.withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    public init(littleEndianBytes b: UnsafeRawBufferPointer) {
        self = (0..<(b.count / 8)).map { Int64(littleEndian: b.loadUnaligned(fromByteOffset: $0 &* 8, as: Int64.self)) }
    }
}

extension VectorView {
    /// Why this view is not a usable vector (a NaN or infinity, in the words of `vec_check`), or nil.
    public var nonFiniteReason: String? {
        firstNonFinite(base, count).map { VectorError.nonFinite(index: $0).description }
    }
}
