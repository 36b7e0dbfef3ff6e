// The knn core on plain values: top-k selection, the packed corpus, the cache, and the engine (single and
// batch, filtered or not, every metric) against a naive float64 brute force written here.
import CKernels
import Testing
import StrataTestSupport
@testable import Vectors

/// The reference: every distance in float64 by the textbook formula, sorted by (distance, id).
func bruteForce(_ ids: [Int64], _ vectors: [[Float]?], _ q: [Float], k: Int, metric: Metric,
                allowed: Set<Int64>? = nil) -> [Neighbor] {
    var all: [Neighbor] = []
    for (id, v) in zip(ids, vectors) {
        guard let v, allowed?.contains(id) ?? true else { continue }
        var dot = 0.0, nx = 0.0, nq = 0.0, l2 = 0.0
        for i in 0..<v.count {
            let x = Double(v[i]), y = Double(q[i])
            dot += x * y; nx += x * x; nq += y * y; l2 += (x - y) * (x - y)
        }
        let d: Double
        switch metric {
        case .cosine:
            guard nx > 0, nq > 0 else { continue }
            d = 1 - min(1, max(-1, dot / (nx.squareRoot() * nq.squareRoot())))
        case .l2: d = l2.squareRoot()
        case .dot: d = -dot
        }
        all.append(Neighbor(id: id, distance: d))
    }
    all.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }
    return Array(all.prefix(k))
}

func expectSame(_ got: [Neighbor], _ want: [Neighbor], _ note: String = "",
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.map(\.id) == want.map(\.id), "\(note)", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    // #expect only where the check fails: the batch tests compare some 10^5 neighbours a case, and a passing
    // #expect (its message built, its expression captured) costs far more than the comparison.
    for (g, w) in zip(got, want) where !(abs(g.distance - w.distance) <= 1e-9 * max(1, abs(w.distance))) {
        #expect(abs(g.distance - w.distance) <= 1e-9 * max(1, abs(w.distance)), "\(note) id \(g.id)",
                sourceLocation: sourceLocation)
    }
}

@Suite struct TopKTests {
    @Test func keepsTheSmallestWithTiesBySmallerID() {
        var rng = SeededRandom(state: 1)
        for k in [1, 2, 5, 50, 200] {
            var top = TopK(k: k)
            var all: [Neighbor] = []
            for i in 0..<300 {
                // Few distinct distances: many ties.
                let n = Neighbor(id: Int64(rng.int(1000)) * 1000 + Int64(i), distance: Double(rng.int(20)))
                all.append(n)
                top.insert(n)
            }
            let want = Array(all.sorted(by: Neighbor.precedes).prefix(k))
            #expect(top.sorted() == want)
        }
    }

    @Test func ignoresNaNAndZeroK() {
        var top = TopK(k: 2)
        top.insert(Neighbor(id: 1, distance: .nan))
        top.insert(Neighbor(id: 2, distance: 3))
        #expect(top.sorted() == [Neighbor(id: 2, distance: 3)])
        var none = TopK(k: 0)
        none.insert(Neighbor(id: 1, distance: 0))
        #expect(none.sorted().isEmpty)
    }

    @Test func candidateHeapMatchesSorting() {
        var rng = SeededRandom(state: 2)
        for capacity in [1, 3, 16, 100] {
            var heap = CandidateHeap(capacity: capacity)
            var all: [(Float, Int32)] = []
            for i in 0..<500 {
                let key = Float(rng.int(40)) - 20
                all.append((key, Int32(i)))
                heap.offer(key, Int32(i))
            }
            heap.offer(.nan, 9999)
            let want = all.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(capacity)
            #expect(heap.sortedItems().map(\.row) == want.map(\.1))
            #expect(heap.threshold == want.last?.0)
        }
    }
}

@Suite struct CorpusMatrixTests {
    @Test func skipsNullRowsAndFindsIDs() throws {
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: [10, 20, 30, 40], vectors: [[1, 2], nil, [3, 4], [0, 0]]),
                                 name: "t.v")
        #expect(m.rows == 3 && m.dimensions == 2)
        #expect(m.ids == [10, 30, 40])
        #expect(m.rowIndex(ofID: 30) == 1)
        #expect(m.rowIndex(ofID: 20) == nil)
        #expect(m.rowIndices(ofIDs: [40, 20, 10, 40, 99]) == [0, 2])
        #expect(m.vector(at: 1) == [3, 4])
    }

    @Test func rowIndicesAgreeWithALinearSearch() throws {
        // Every third id present; wanted ids in order, out of order, repeated and missing.
        let ids = (0..<3000).map { Int64($0 * 3) }
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: ids, vectors: ids.map { [Float($0), 1] }), name: "t.v")
        var rng = SeededRandom(state: 5)
        for trial in 0..<50 {
            var wanted = (0..<rng.int(400)).map { _ in Int64(rng.int(9100)) - 50 }
            if trial % 2 == 0 { wanted.sort() }
            let expected = Array(Set(wanted.compactMap { id in ids.firstIndex(of: id).map { Int32($0) } })).sorted()
            #expect(m.rowIndices(ofIDs: wanted) == expected, "trial \(trial)")
        }
        #expect(m.rowIndices(ofIDs: []) == [])
        #expect(m.rowIndices(ofIDs: [Int64.min, Int64.max, 8997, 0]) == [0, 2999])
    }

    @Test func unorderedIDsAreFound() throws {
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: [5, -3, 9], vectors: [[1], [2], [3]]), name: "m")
        #expect(m.rowIndex(ofID: -3) == 1)
        #expect(m.rowIndex(ofID: 9) == 2)
        #expect(m.rowIndex(ofID: 4) == nil)
    }

    @Test func wrongDimensionsNameTheRow() {
        #expect(throws: KNNError.rowDimensions(corpus: "docs.e", id: 3, found: 3, expected: 2)) {
            try CorpusMatrix(source: InMemoryCorpus(vectors: [[1, 2], nil, [1, 2, 3]]), name: "docs.e")
        }
        #expect(throws: KNNError.rowDimensions(corpus: "q", id: 1, found: 2, expected: 4)) {
            try CorpusMatrix(source: InMemoryCorpus(vectors: [[1, 2]]), name: "q", dimensions: 4)
        }
    }

    @Test func emptyCorpus() throws {
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: [nil, nil]), name: "e")
        #expect(m.rows == 0)
        let found = try [Float](repeating: 1, count: 3).withVectorView {
            try KNNEngine.search(m, query: $0, k: 5, metric: .cosine)
        }
        #expect(found.isEmpty)
    }

    @Test func growsPastInitialCapacity() throws {
        var rng = SeededRandom(state: 3)
        let vectors: [[Float]?] = (0..<2500).map { _ in rng.vector(5) }
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: vectors), name: "g")
        #expect(m.rows == 2500)
        #expect(m.vector(at: 2499) == vectors[2499])
        #expect(m.vector(at: 1024) == vectors[1024])
    }

    @Test func largeCorpusPacksIntact() throws {
        // 12 MB: past the size where pages are populated ahead of the writer on another thread.
        var rng = SeededRandom(state: 4)
        let vectors: [[Float]?] = (0..<6000).map { _ in rng.vector(512) }
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: vectors), name: "big")
        for i in [0, 1023, 1024, 4095, 5999] { #expect(m.vector(at: i) == vectors[i]) }
    }

    @Test func packingScoresRowsOnTheWay() throws {
        var rng = SeededRandom(state: 6)
        let vectors: [[Float]?] = (0..<700).map { i in i % 9 == 0 ? nil : rng.vector(20) }
        let ids = (1...700).map(Int64.init)
        let q = rng.vector(20)
        for metric in Metric.allCases {
            let scoring = try #require(q.withVectorView { KNNEngine.scoringVector($0, metric: metric) })
            let (m, scores) = try CorpusMatrix.packing(InMemoryCorpus(ids: ids, vectors: vectors), name: "p", scoring: scoring)
            #expect(scores?.count == m.rows)
            let fused = try q.withVectorView { try KNNEngine.search(m, query: $0, k: 9, metric: metric, precomputed: scores) }
            expectSame(fused, bruteForce(ids, vectors, q, k: 9, metric: metric))
        }
        let (_, none) = try CorpusMatrix.packing(InMemoryCorpus(vectors: [[1, 2]]), name: "p", scoring: [1, 2, 3])
        #expect(none == nil)
    }

    /// Each version of the pack (copy, Σx² in float64, row · q) against a float64 loop: the copy bit for bit
    /// (negative zero, subnormals, the largest floats), the sum within float64 rounding, the dot product within
    /// float32's; aligned rows take the streaming stores, rows one float off take ordinary ones.
    @Test func packKernelsAgreeWithFloat64() throws {
        var rng = SeededRandom(state: 9)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 4 * 512, alignment: 64)
        defer { raw.deallocate() }
        var ran: Set<String> = []
        // Plain rows, and rows holding the special values (whose one huge square then hides the rest of the sum).
        for (d, special) in [1, 7, 8, 15, 16, 17, 31, 32, 33, 384, 385].flatMap({ [($0, false), ($0, true)] }) {
            var src = rng.vector(d)
            if special { src[0] = -0.0; src[d / 2] = .leastNonzeroMagnitude; src[d - 1] = -.greatestFiniteMagnitude }
            let q = rng.vector(d)
            let wantSum = src.reduce(0.0) { $0 + Double($1) * Double($1) }
            let wantDot = zip(src, q).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let scale = zip(src, q).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            for kernel in ["baseline", "avx2", "avx512"] {
                for offset in [0, 1] {
                    for withQuery in [false, true] {
                        let dst = raw.assumingMemoryBound(to: Float.self) + offset
                        dst.update(repeating: .nan, count: d)
                        var dot: Float = .nan, sum = 0.0
                        let status = q.withUnsafeBufferPointer { qp in
                            strata_pack_row_using(kernel, dst, src, d, withQuery ? qp.baseAddress : nil, &dot, 1, &sum)
                        }
                        if status != 0 { continue }  // not on this CPU
                        ran.insert(kernel)
                        #expect((0..<d).allSatisfy { dst[$0].bitPattern == src[$0].bitPattern }, "\(kernel) copy d \(d)")
                        #expect(abs(sum - wantSum) <= 1e-12 * wantSum, "\(kernel) sum d \(d)")
                        if withQuery {
                            #expect(abs(Double(dot) - wantDot) <= 1e-5 * max(scale, 1e-30), "\(kernel) dot d \(d)")
                        }
                    }
                }
            }
        }
        #expect(ran.contains("baseline"))
        // A row holding NaN or infinity gives a sum that is not finite (packing then sets it aside or fails).
        for bad: Float in [.nan, .infinity] {
            let src: [Float] = [1, 2, bad] + [Float](repeating: 1, count: 30)
            for kernel in ["baseline", "avx2", "avx512"] {
                var sum = 0.0, dot: Float = 0
                guard strata_pack_row_using(kernel, raw.assumingMemoryBound(to: Float.self), src, src.count, nil,
                                            &dot, 0, &sum) == 0 else { continue }
                #expect(!sum.isFinite, "\(kernel) \(bad)")
            }
        }
    }

    @Test func matrixSourceReadsRows() throws {
        let flat: [Float] = [1, 2, 3, 4, 5, 6]
        let m = try flat.withUnsafeBytes { raw in
            try CorpusMatrix(source: MatrixCorpus(base: raw.baseAddress!, rows: 3, dimensions: 2), name: "npy")
        }
        #expect(m.ids == [1, 2, 3])
        #expect(m.vector(at: 2) == [5, 6])
    }
}

/// `rows` random vectors of `d` dimensions with ids 1, 4, 7, … (every `nullEvery`-th one NULL).
func randomCorpus(_ seed: UInt64, rows: Int, d: Int, nullEvery: Int = 0) -> (ids: [Int64], vectors: [[Float]?]) {
    var rng = SeededRandom(state: seed)
    let ids = (0..<rows).map { Int64($0) * 3 + 1 }
    let vectors: [[Float]?] = (0..<rows).map { i in nullEvery > 0 && i % nullEvery == 0 ? nil : rng.vector(d) }
    return (ids, vectors)
}

@Suite struct EngineTests {
    func corpus(_ seed: UInt64, rows: Int, d: Int, nullEvery: Int = 0) -> (ids: [Int64], vectors: [[Float]?]) {
        randomCorpus(seed, rows: rows, d: d, nullEvery: nullEvery)
    }

    @Test(arguments: Metric.allCases)
    func singleMatchesBruteForce(metric: Metric) throws {
        for (rows, d) in [(1, 1), (37, 3), (500, 17), (2000, 64)] {
            let c = corpus(UInt64(rows * 31 + d), rows: rows, d: d, nullEvery: 7)
            let m = try CorpusMatrix(source: InMemoryCorpus(ids: c.ids, vectors: c.vectors), name: "c")
            var rng = SeededRandom(state: 99)
            for k in [1, 5, 64, rows + 10] {
                let q = rng.vector(d)
                let got = try q.withVectorView { try KNNEngine.search(m, query: $0, k: k, metric: metric) }
                expectSame(got, bruteForce(c.ids, c.vectors, q, k: k, metric: metric), "rows \(rows) d \(d) k \(k)")
            }
        }
    }

    @Test(arguments: Metric.allCases)
    func batchMatchesBruteForce(metric: Metric) throws {
        let c = corpus(7, rows: 1500, d: 24, nullEvery: 11)
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: c.ids, vectors: c.vectors), name: "c")
        var rng = SeededRandom(state: 5)
        let qs: [[Float]?] = (0..<40).map { _ in rng.vector(24) }
        let queries = try CorpusMatrix(source: InMemoryCorpus(vectors: qs), name: "q")
        // Each query's every row in order, once: the answer for k is its first k (what bruteForce(k:) returns).
        let ranked = qs.map { bruteForce(c.ids, c.vectors, $0!, k: .max, metric: metric) }
        for (name, plan) in batchPlans {
            for k in [1, 7, 300] {
                let got = try KNNEngine.searchBatch(m, queries: queries, range: 0..<40, k: k, metric: metric, rows: nil,
                                                    limits: .none, plan: plan)
                #expect(got.count == 40)
                for (i, g) in got.enumerated() {
                    expectSame(g, Array(ranked[i].prefix(k)), "\(name) query \(i) k \(k)")
                }
            }
        }
    }

    /// Every way a batch can be cut: the default; sgemm with one large tile, and with many small ones; the
    /// fused kernel (the plain C loop on a CPU without AVX-512) in one share and in three, whose ends fall
    /// inside a row block.
    let batchPlans: [(String, KNNEngine.BatchPlan)] = [
        ("default", .init()),
        ("sgemm", .init(fused: false, tileFloats: 1 << 22)),
        ("sgemm, small tiles", .init(fused: false, tileFloats: 40 * 64)),
        ("fused", .init(fused: true, shares: 1)),
        ("fused, 3 shares", .init(fused: true, shares: 3)),
    ]

    @Test(arguments: Metric.allCases)
    func batchOfOddShapesMatchesBruteForce(metric: Metric) throws {
        // 37 dimensions, 1,003 rows (shares and tiles end inside the kernels' row blocks of 12 and 6), 45 queries
        // (the second group of 32 is part padding), NULL rows, a zero row and a zero query.
        let c = corpus(17, rows: 1003, d: 37, nullEvery: 13)
        var vectors = c.vectors
        vectors[5] = [Float](repeating: 0, count: 37)
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: c.ids, vectors: vectors), name: "c")
        var rng = SeededRandom(state: 23)
        var qs: [[Float]] = (0..<45).map { _ in rng.vector(37) }
        qs[9] = [Float](repeating: 0, count: 37)
        let queries = try CorpusMatrix(source: InMemoryCorpus(vectors: qs), name: "q")
        // Each query's every row in order, once: the answer for k is its first k (what bruteForce(k:) returns).
        let ranked = qs.map { bruteForce(c.ids, vectors, $0, k: .max, metric: metric) }
        for (name, plan) in batchPlans {
            for k in [1, 10, 2000] {
                let got = try KNNEngine.searchBatch(m, queries: queries, range: 3..<45, k: k, metric: metric, rows: nil,
                                                    limits: .none, plan: plan)
                #expect(got.count == 42)
                for (i, g) in got.enumerated() {
                    expectSame(g, Array(ranked[i + 3].prefix(k)), "\(name) query \(i + 3) k \(k)")
                }
            }
        }
    }

    /// The fused kernels (AVX-512, AVX2, the plain loop) find the same keys: with every threshold +∞ each key
    /// of every real query and row, within float32 rounding of a float64 product; with a threshold per query
    /// exactly the keys at or under it (those far from it, where rounding cannot decide); padding never.
    /// Two shapes: a small one, and one with 300 dimensions and a row remainder for both kernels' blocks.
    @Test(arguments: [[53, 77, 40], [300, 203, 70]])
    func fusedKernelsAgreeWithFloat64(shape: [Int]) throws {
        var rng = SeededRandom(state: 31)
        let d = shape[0], n = shape[1], qn = shape[2], groups = (qn + 31) / 32
        let rows = (0..<n).flatMap { _ in rng.vector(d) }
        let queries = (0..<qn).flatMap { _ in rng.vector(d) }
        let aux = (0..<n).map { _ in Float(rng.int(1000)) / 500 }
        // Packing one query at a time (as searchBatch does) lays them out as packing all at once.
        var packed = [Float](repeating: 0, count: groups * 32 * d), one = packed
        strata_batch_pack_queries(queries, qn, d, &packed)
        for q in 0..<qn {
            Array(queries[q * d ..< (q + 1) * d]).withUnsafeBufferPointer { strata_batch_pack_query($0.baseAddress, q, d, &one) }
        }
        #expect(packed == one)
        for (mode, alpha) in [(STRATA_BATCH_TIMES_AUX, Float(-1)), (STRATA_BATCH_PLUS_AUX, -2), (STRATA_BATCH_PLAIN, -1)] {
            func exact(_ q: Int, _ j: Int) -> Double {
                var s = 0.0
                for i in 0..<d { s += Double(queries[q * d + i]) * Double(rows[j * d + i]) }
                let key = Double(alpha) * s
                return mode == STRATA_BATCH_TIMES_AUX ? key * Double(aux[j]) : mode == STRATA_BATCH_PLUS_AUX ? key + Double(aux[j]) : key
            }
            let exactKeys = (0..<qn).map { q in (0..<n).map { exact(q, $0) } }
            // A threshold per query: the median exact key, so about half the keys pass.
            let medians: [Float] = (0..<qn).map { q in Float(exactKeys[q].sorted()[n / 2]) }
            for kernel in ["plain", "avx2", "avx512"] {
                for cut in [false, true] {
                    var thresholds = [Float](repeating: -.infinity, count: groups * 32)
                    for q in 0..<qn { thresholds[q] = cut ? medians[q] : .infinity }
                    var hits = [strata_batch_hit](repeating: strata_batch_hit(), count: n * groups * 32)
                    let found = strata_batch_scan_using(kernel, packed, groups, d, rows, n, aux, Int32(mode), alpha,
                                                        thresholds, &hits)
                    if found < 0 { continue }  // not on this CPU
                    var seen = Set<Int>()
                    for h in hits.prefix(Int(found)) {
                        let q = Int(h.query), j = Int(h.row)
                        #expect(q < qn && j < n, "\(kernel) padding or bad row: \(q) \(j)")
                        guard q < qn, j < n else { continue }
                        #expect(seen.insert(q * n + j).inserted, "\(kernel) repeated hit")
                        let want = exactKeys[q][j]
                        #expect(abs(Double(h.key) - want) <= 1e-4 * max(1, abs(want)), "\(kernel) key \(q) \(j)")
                        #expect(h.key <= thresholds[q])
                    }
                    for q in 0..<qn {
                        for j in 0..<n {
                            let want = exactKeys[q][j]
                            let margin = 1e-4 * max(1, abs(want))
                            if !cut || want < Double(thresholds[q]) - margin {
                                #expect(seen.contains(q * n + j), "\(kernel) \(mode) missed \(q) \(j)")
                            } else if want > Double(thresholds[q]) + margin {
                                #expect(!seen.contains(q * n + j), "\(kernel) \(mode) extra \(q) \(j)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Metric.allCases)
    func filteredSearchIsTheTopKAmongMatches(metric: Metric) throws {
        let c = corpus(11, rows: 5000, d: 16)
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: c.ids, vectors: c.vectors), name: "c")
        var rng = SeededRandom(state: 12)
        let allowed = Set(c.ids.filter { _ in rng.int(100) == 0 })
        let subset = m.rowIndices(ofIDs: Array(allowed))
        let q = rng.vector(16)
        for k in [1, 10, allowed.count + 5] {
            let want = bruteForce(c.ids, c.vectors, q, k: k, metric: metric, allowed: allowed)
            let got = try q.withVectorView { try KNNEngine.search(m, query: $0, k: k, metric: metric, rows: subset) }
            expectSame(got, want, "single k \(k)")
            let qm = try CorpusMatrix(source: InMemoryCorpus(vectors: [q, q]), name: "q")
            for (name, plan) in batchPlans {
                let batch = try KNNEngine.searchBatch(m, queries: qm, range: 0..<2, k: k, metric: metric, rows: subset,
                                                      limits: .none, plan: plan)
                expectSame(batch[1], want, "batch \(name) k \(k)")
            }
        }
    }

    @Test(arguments: Metric.allCases)
    func exactTiesAreBrokenBySmallerID(metric: Metric) throws {
        // 60 copies of one vector among noise: every copy ties; the smallest ids must win, in order.
        var rng = SeededRandom(state: 21)
        let dup = rng.vector(33)
        var vectors: [[Float]?] = (0..<3000).map { _ in rng.vector(33) }
        var dupIDs: [Int64] = []
        for i in 0..<60 {
            let at = (i * 47 + 13) % 3000
            vectors[at] = dup
            dupIDs.append(Int64(at) + 1)
        }
        let ids = (1...3000).map(Int64.init)
        let m = try CorpusMatrix(source: InMemoryCorpus(ids: ids, vectors: vectors), name: "c")
        let q = dup.map { $0 * 0.5 + 0.01 }
        let qm = try CorpusMatrix(source: InMemoryCorpus(vectors: [q, dup]), name: "q")
        for k in [1, 5, 59, 70] {
            let want = bruteForce(ids, vectors, q, k: k, metric: metric)
            expectSame(try q.withVectorView { try KNNEngine.search(m, query: $0, k: k, metric: metric) }, want, "k \(k)")
            for (name, plan) in batchPlans {
                let batch = try KNNEngine.searchBatch(m, queries: qm, range: 0..<2, k: k, metric: metric, rows: nil,
                                                      limits: .none, plan: plan)
                expectSame(batch[0], want, "batch \(name) k \(k)")
                expectSame(batch[1], bruteForce(ids, vectors, dup, k: k, metric: metric), "batch \(name) dup k \(k)")
            }
        }
        if metric != .dot {
            let first = try dup.withVectorView { try KNNEngine.search(m, query: $0, k: 3, metric: metric) }
            #expect(first.map(\.id) == Array(dupIDs.sorted().prefix(3)))
        }
    }

    @Test func zeroVectorsUnderCosine() throws {
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: [[0, 0], [1, 0], [0, 1]]), name: "z")
        let got = try [Float]([1, 0.1]).withVectorView { try KNNEngine.search(m, query: $0, k: 3, metric: .cosine) }
        #expect(got.map(\.id) == [2, 3])  // the zero row has no angle
        let zero = try [Float]([0, 0]).withVectorView { try KNNEngine.search(m, query: $0, k: 3, metric: .cosine) }
        #expect(zero.isEmpty)
        let l2 = try [Float]([0, 0]).withVectorView { try KNNEngine.search(m, query: $0, k: 3, metric: .l2) }
        #expect(l2.map(\.id) == [1, 2, 3])
    }

    @Test func hugeAndTinyMagnitudesStayExact() throws {
        var rng = SeededRandom(state: 8)
        for scale in [Float(1e18), 1e-20] {
            let vectors: [[Float]?] = (0..<200).map { _ in rng.vector(8).map { $0 * scale } }
            let ids = (1...200).map(Int64.init)
            let m = try CorpusMatrix(source: InMemoryCorpus(ids: ids, vectors: vectors), name: "h")
            let q = rng.vector(8).map { $0 * scale }
            for metric in Metric.allCases {
                let got = try q.withVectorView { try KNNEngine.search(m, query: $0, k: 4, metric: metric) }
                #expect(got.map(\.id) == bruteForce(ids, vectors, q, k: 4, metric: metric).map(\.id), "\(scale) \(metric)")
            }
        }
    }

    @Test func queryDimensionsMustMatch() throws {
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: [[1, 2, 3]]), name: "c")
        #expect(throws: KNNError.queryDimensions(found: 2, expected: 3)) {
            try [Float]([1, 2]).withVectorView { try KNNEngine.search(m, query: $0, k: 1, metric: .l2) }
        }
    }
}

@Suite struct CacheTests {
    func matrix(_ rows: Int) throws -> CorpusMatrix {
        try CorpusMatrix(source: InMemoryCorpus(vectors: (0..<rows).map { _ in [Float](repeating: 1, count: 4) }), name: "m")
    }

    @Test func staleStampsMiss() throws {
        let cache = CorpusCache(limit: 1 << 20)
        let key = CorpusCache.Key(owner: 1, name: "main.t.v")
        let m = try matrix(10)
        cache.store(key, stamp: [1, 2], matrix: m)
        #expect(cache.lookup(key, stamp: [1, 2]) === m)
        #expect(cache.lookup(key, stamp: [1, 3]) == nil)
        #expect(cache.lookup(key, stamp: [1, 2]) == nil)  // the stale entry was dropped
        #expect(cache.byteCount == 0)
    }

    @Test func evictsLeastRecentlyUsedUnderTheCap() throws {
        let one = try matrix(100)
        let cache = CorpusCache(limit: one.byteCount * 2)
        let a = CorpusCache.Key(owner: 1, name: "a"), b = CorpusCache.Key(owner: 1, name: "b")
        let c = CorpusCache.Key(owner: 2, name: "c")
        cache.store(a, stamp: [0], matrix: one)
        cache.store(b, stamp: [0], matrix: try matrix(100))
        _ = cache.lookup(a, stamp: [0])  // b is now the least recently used
        cache.store(c, stamp: [0], matrix: try matrix(100))
        #expect(cache.contains(a) && !cache.contains(b) && cache.contains(c))
        #expect(cache.byteCount <= cache.limit)
        #expect(!cache.store(CorpusCache.Key(owner: 1, name: "big"), stamp: [0], matrix: try matrix(1000)))
        cache.removeAll(owner: 1)
        #expect(!cache.contains(a) && cache.contains(c))
        cache.limit = 0
        #expect(cache.count == 0 && cache.byteCount == 0)
    }
}
