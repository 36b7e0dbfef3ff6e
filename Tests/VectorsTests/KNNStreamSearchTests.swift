// A single query answered while the corpus streams past (KNNStreamSearch.swift) must give exactly what the
// packed path gives — the same ids and bit-identical distances, the same bad rows and errors — and both must
// equal a float64 brute force written here (KNNTests.swift's `bruteForce`).
import CKernels
import Testing
import StrataTestSupport
@testable import Vectors

@Suite struct StreamSearchTests {
    func corpus(_ seed: UInt64, rows: Int, d: Int, nullEvery: Int = 0) -> (ids: [Int64], vectors: [[Float]?]) {
        randomCorpus(seed, rows: rows, d: d, nullEvery: nullEvery)
    }

    /// The streamed answer, checked against the packed path (exactly) and the brute force (ids; distances 1e-9).
    @discardableResult
    /// `oracle`: the rows the brute force sees (bad rows left out), or nil to compare with the packed path only.
    func check(_ ids: [Int64], _ vectors: [[Float]?], _ q: [Float], k: Int, metric: Metric, filter: [Int64]? = nil,
               oracle: [[Float]?]?? = .some(nil), _ note: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> StreamedSearch {
        let source = InMemoryCorpus(ids: ids, vectors: vectors)
        let streamed = try q.withVectorView {
            try KNNEngine.streamSearch(source, name: "c", query: $0, k: k, metric: metric, ids: filter)
        }
        let (m, _) = try CorpusMatrix.packingChecked(source, name: "c", scoring: nil, limits: .none)
        let packed = try q.withVectorView {
            try KNNEngine.search(m, query: $0, k: k, metric: metric, rows: filter.map { m.rowIndices(ofIDs: $0) })
        }
        #expect(streamed.neighbors == packed, "\(note): streamed and packed differ", sourceLocation: sourceLocation)
        if case .some(let rows) = oracle {
            let allowed = filter.map { Set($0) }
            expectSame(streamed.neighbors, bruteForce(ids, rows ?? vectors, q, k: k, metric: metric, allowed: allowed),
                       note, sourceLocation: sourceLocation)
        }
        #expect(streamed.rows == m.rows && streamed.dimensions == m.dimensions, "\(note)", sourceLocation: sourceLocation)
        return streamed
    }

    @Test(arguments: Metric.allCases)
    func matchesThePackedPathAndBruteForce(metric: Metric) throws {
        for (rows, d) in [(1, 1), (37, 3), (500, 17), (2000, 64)] {
            let c = corpus(UInt64(rows * 31 + d), rows: rows, d: d, nullEvery: 7)
            var rng = SeededRandom(state: 99)
            for k in [1, 5, 64, rows + 10] {
                try check(c.ids, c.vectors, rng.vector(d), k: k, metric: metric, "rows \(rows) d \(d) k \(k)")
            }
        }
    }

    @Test(arguments: Metric.allCases)
    func filteredByIDs(metric: Metric) throws {
        let c = corpus(11, rows: 5000, d: 16)
        var rng = SeededRandom(state: 12)
        var allowed = c.ids.filter { _ in rng.int(50) == 0 }
        // Out of order, repeated, and ids the corpus does not have: a filter's rowids need not be tidy.
        allowed.reverse()
        allowed += [allowed[0], allowed[1], 2, 0, -5, 1_000_000]
        let q = rng.vector(16)
        for k in [1, 10, allowed.count + 5] {
            try check(c.ids, c.vectors, q, k: k, metric: metric, filter: allowed, "k \(k)")
        }
        // Rows arriving in descending id order (a source other than a table): the filter is searched, not walked.
        try check(c.ids.reversed(), c.vectors.reversed(), q, k: 10, metric: metric, filter: allowed, "descending")
        let none = try check(c.ids, c.vectors, q, k: 5, metric: metric, filter: [], "empty filter")
        #expect(none.neighbors.isEmpty)
    }

    @Test(arguments: Metric.allCases)
    func tiesAreBrokenBySmallerID(metric: Metric) throws {
        // 60 copies of one vector among noise, late in the stream as well as early: every copy ties.
        var rng = SeededRandom(state: 21)
        let dup = rng.vector(33)
        var vectors: [[Float]?] = (0..<3000).map { _ in rng.vector(33) }
        for i in 0..<60 { vectors[(i * 47 + 13) % 3000] = dup }
        let ids = (1...3000).map(Int64.init)
        for k in [1, 5, 59, 70] {
            try check(ids, vectors, dup.map { $0 * 0.5 + 0.01 }, k: k, metric: metric, "k \(k)")
            try check(ids, vectors, dup, k: k, metric: metric, "dup k \(k)")
        }
    }

    @Test func nearTiesWithinTheFloat32Bound() throws {
        // Rows that differ from one another in the last bits: float32 keys cannot order them, float64 can. The
        // float32 test must let every one through, however late it comes. (Against the packed path only: the
        // differences here are near float64's own rounding, where a textbook loop may order rows otherwise.)
        var rng = SeededRandom(state: 31)
        let base = rng.vector(64)
        var vectors: [[Float]?] = []
        for i in 0..<4000 {
            var v = base
            v[i % 64] = v[i % 64].nextUp
            if i % 3 == 0 { v[(i * 7) % 64] = v[(i * 7) % 64].nextDown }
            vectors.append(v)
        }
        let ids = (1...4000).map(Int64.init)
        for metric in Metric.allCases {
            for k in [1, 10, 100] {
                let s = try check(ids, vectors, base, k: k, metric: metric, oracle: .none, "\(metric) k \(k)")
                #expect(s.neighbors.count == k)
            }
        }
    }

    @Test func nearTiesAtMagnitudesFloat32CannotHold() throws {
        // The near ties above, scaled so that float32 products fall into subnormals (or overflow): float32 keys
        // are then off by more than their bound, so such rows must go to float64 without the float32 test.
        var rng = SeededRandom(state: 32)
        let base = rng.vector(16)
        for (scale, qScale) in [(Float(1e-20), Float(1e-20)), (Float.leastNormalMagnitude / 1000, 1), (1e19, 1e19)] {
            var vectors: [[Float]?] = []
            for i in 0..<2000 {
                var v = base.map { $0 * scale }
                v[i % 16] = v[i % 16].nextUp
                if i % 3 == 0 { v[(i * 7) % 16] = v[(i * 7) % 16].nextDown }
                vectors.append(v)
            }
            let ids = (1...2000).map(Int64.init)
            let q = base.map { $0 * qScale }
            for metric in Metric.allCases {
                for k in [1, 10] {
                    try check(ids, vectors, q, k: k, metric: metric, oracle: .none, "\(scale) \(metric) k \(k)")
                }
            }
        }
    }

    @Test func extremeMagnitudesAreRescoredInFloat64() throws {
        var rng = SeededRandom(state: 8)
        for scale in [Float(1e18), 1e-20] {
            let vectors: [[Float]?] = (0..<200).map { _ in rng.vector(8).map { $0 * scale } }
            let ids = (1...200).map(Int64.init)
            let q = rng.vector(8).map { $0 * scale }
            for metric in Metric.allCases { try check(ids, vectors, q, k: 4, metric: metric, "\(scale) \(metric)") }
        }
        // Mixed in one corpus: tiny, huge and ordinary rows (the packed path goes float64 for all of them).
        var vectors: [[Float]?] = (0..<600).map { _ in rng.vector(8) }
        for i in stride(from: 0, to: 600, by: 5) { vectors[i] = vectors[i]!.map { $0 * 1e-25 } }
        for i in stride(from: 2, to: 600, by: 7) { vectors[i] = vectors[i]!.map { $0 * 1e30 } }
        let ids = (1...600).map(Int64.init)
        for metric in Metric.allCases {
            for k in [1, 7, 50] { try check(ids, vectors, rng.vector(8), k: k, metric: metric, "mixed \(metric) k \(k)") }
        }
    }

    @Test func zeroRowsAndZeroQueries() throws {
        let vectors: [[Float]?] = [[0, 0], [1, 0], [0, 1], nil]
        let ids: [Int64] = [1, 2, 3, 4]
        let got = try check(ids, vectors, [1, 0.1], k: 3, metric: .cosine, "cosine")
        #expect(got.neighbors.map(\.id) == [2, 3])  // the zero row has no angle
        #expect(try check(ids, vectors, [0, 0], k: 3, metric: .cosine, "zero query").neighbors.isEmpty)
        #expect(try check(ids, vectors, [0, 0], k: 3, metric: .l2, "l2").neighbors.map(\.id) == [1, 2, 3])
    }

    @Test func badRowsAreSetAsideAsPackingSetsThemAside() throws {
        var r = SeededRandom(state: 7)
        let good = (0..<40).map { _ in r.vector(8) }
        var vectors: [[Float]?] = good
        // Row 1: float64 bytes of an 8-dimension vector (16 float32 words); row 5 a NaN; row 9 an infinity;
        // row 12 the wrong length.
        vectors[0] = good[0].flatMap { x -> [Float] in
            let bits = Double(x).bitPattern
            return [Float(bitPattern: UInt32(truncatingIfNeeded: bits)), Float(bitPattern: UInt32(truncatingIfNeeded: bits >> 32))]
        }
        vectors[4]?[2] = .nan
        vectors[8]?[7] = -.infinity
        vectors[11] = [1, 2, 3]
        let source = InMemoryCorpus(vectors: vectors)
        let (m, _) = try CorpusMatrix.packingChecked(source, name: "t.e", scoring: nil, limits: .none)
        var valid = vectors
        for i in [0, 4, 8, 11] { valid[i] = nil }
        for metric in Metric.allCases {
            let s = try check(source.ids, vectors, r.vector(8), k: 5, metric: metric, oracle: valid, "\(metric)")
            #expect(s.badRows.ids == m.badRows.ids)
            #expect(s.badRows.ids == [1, 5, 9, 12])
            #expect((0..<s.badRows.count).map(s.badRows.reason(at:)) == (0..<m.badRows.count).map(m.badRows.reason(at:)))
        }
        // Most rows float64 (the first valid row is the odd one): read again with the majority's length.
        var mostly64: [[Float]?] = (0..<30).map { _ in
            r.vector(4).flatMap { x -> [Float] in
                let bits = Double(x).bitPattern
                return [Float(bitPattern: UInt32(truncatingIfNeeded: bits)), Float(bitPattern: UInt32(truncatingIfNeeded: bits >> 32))]
            }
        }
        mostly64[0] = r.vector(4)
        let s = try check(InMemoryCorpus(vectors: mostly64).ids, mostly64, r.vector(8), k: 3, metric: .l2,
                          oracle: .none, "mostly float64")
        #expect(s.dimensions == 8 && s.badRows.ids == [1])
    }

    @Test func queryDimensionsMustMatchWhenRowsRemain() throws {
        let source = InMemoryCorpus(vectors: [[1, 2, 3], [4, 5, 6]])
        #expect(throws: KNNError.queryDimensions(found: 2, expected: 3)) {
            try [Float]([1, 2]).withVectorView { try KNNEngine.streamSearch(source, name: "c", query: $0, k: 1, metric: .l2) }
        }
        // Nothing to search (a filter matching no row, an empty corpus): no error, as on the packed path.
        let none = try [Float]([1, 2]).withVectorView {
            try KNNEngine.streamSearch(source, name: "c", query: $0, k: 1, metric: .l2, ids: [99])
        }
        #expect(none.neighbors.isEmpty)
        let empty = try [Float]([1, 2]).withVectorView {
            try KNNEngine.streamSearch(InMemoryCorpus(vectors: []), name: "c", query: $0, k: 1, metric: .l2)
        }
        #expect(empty.neighbors.isEmpty && empty.rows == 0 && empty.dimensions == 0)
    }

    @Test func theFloat32TestRescoresFewRows() throws {
        // Correct either way; this guards the speed: without the test every row would be rescored in float64.
        let c = corpus(41, rows: 20_000, d: 32)
        var rng = SeededRandom(state: 42)
        for metric in Metric.allCases {
            let s = try check(c.ids, c.vectors, rng.vector(32), k: 10, metric: metric, "\(metric)")
            #expect(s.rescored < 1_000, "\(metric): \(s.rescored) of 20,000 rows rescored")
        }
    }

    @Test func rowSumKernelsAgreeWithFloat64() throws {
        // strata_row_sums: float32 |x|² and x·q in each version this CPU runs, within the float32 bound the
        // stream's tolerance assumes (γ_d = d·2⁻²⁴ of Σ|x_i y_i|), on lengths around the vector widths.
        var rng = SeededRandom(state: 19)
        var ran: Set<String> = []
        for d in [1, 7, 8, 15, 16, 17, 31, 32, 33, 384, 385] {
            let x = rng.vector(d).map { $0 * 3 }
            let q = rng.vector(d)
            let wantSum = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            let wantDot = zip(x, q).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let scale = zip(x, q).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            let bound = Double(d) * 0x1p-24
            for kernel in ["baseline", "avx2", "avx512"] {
                for withQuery in [false, true] {
                    var dot: Float = .nan, sum: Float = .nan
                    let status = q.withUnsafeBufferPointer { qp in
                        strata_row_sums_using(kernel, x, d, withQuery ? qp.baseAddress : nil, &dot, &sum)
                    }
                    if status != 0 { continue }  // not on this CPU
                    ran.insert(kernel)
                    #expect(abs(Double(sum) - wantSum) <= bound * wantSum + 1e-30, "\(kernel) sum d \(d)")
                    if withQuery {
                        #expect(abs(Double(dot) - wantDot) <= bound * scale + 1e-30, "\(kernel) dot d \(d)")
                    } else {
                        #expect(dot.isNaN, "\(kernel) wrote a dot product without a query")
                    }
                }
            }
        }
        #expect(ran.contains("baseline"))
        for bad: Float in [.nan, .infinity] {
            let x: [Float] = [1, 2, bad] + [Float](repeating: 1, count: 30)
            for kernel in ["baseline", "avx2", "avx512"] {
                var sum: Float = 0, dot: Float = 0
                guard strata_row_sums_using(kernel, x, x.count, nil, &dot, &sum) == 0 else { continue }
                #expect(!sum.isFinite, "\(kernel) \(bad)")
            }
        }
    }

    @Test func interruptionStopsTheStream() throws {
        let c = corpus(5, rows: 20_000, d: 8)
        var asked = 0
        let limits = KNNLimits(isInterrupted: { asked += 1; return asked > 2 })
        #expect(throws: KNNError.interrupted) {
            try [Float](repeating: 1, count: 8).withVectorView {
                try KNNEngine.streamSearch(InMemoryCorpus(ids: c.ids, vectors: c.vectors), name: "c", query: $0, k: 3,
                                           metric: .cosine, limits: limits)
            }
        }
        #expect(asked == 3)
    }
}
