// KNNLimits: packing refuses a corpus larger than its memory limit (before reading it when the source knows its
// size, as soon as the limit is passed when it does not), and packing, single and batch scoring stop with
// `KNNError.interrupted` once `isInterrupted` says so — without ever yielding a partial corpus.
import Testing
import StrataTestSupport
@testable import Vectors

/// Rows of dimension `d`, counting how many were handed over, optionally without saying how many there are.
final class CountingCorpus: CorpusSource {
    let rows: Int, d: Int, announces: Bool
    var handed = 0
    init(rows: Int, d: Int, announces: Bool) { self.rows = rows; self.d = d; self.announces = announces }
    var rowCountHint: Int? { announces ? rows : nil }
    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        var v = [Float](repeating: 0, count: d)
        for i in 0..<rows {
            v[0] = Float(i % 97) + 1
            handed += 1
            try v.withVectorView { try body(Int64(i) + 1, $0) }
        }
    }
}

/// Says "interrupted" once it has been asked `after` times.
final class InterruptAfter {
    var remaining: Int
    init(_ n: Int) { remaining = n }
    var limits: KNNLimits {
        KNNLimits(isInterrupted: { [self] in
            remaining -= 1
            return remaining < 0
        })
    }
}

@Suite struct KNNLimitsTests {
    @Test func corpusOverTheLimitIsRefusedBeforeReadingWhenItsSizeIsKnown() throws {
        let perRow = CorpusMatrix.packedBytes(rows: 1, dimensions: 8)
        #expect(perRow == 8 * 4 + 28)
        let source = CountingCorpus(rows: 10_000, d: 8, announces: true)
        let limits = KNNLimits(memory: perRow * 5_000, memorySource: "test limit")
        #expect(throws: KNNError.corpusTooLarge(corpus: "c", rows: 10_000, dimensions: 8, bytes: perRow * 10_000,
                                                 rowsKnown: true, limit: perRow * 5_000, source: "test limit")) {
            try CorpusMatrix(source: source, name: "c", limits: limits)
        }
        #expect(source.handed == 1)  // the first row tells the dimensions; nothing more was read
        // At the limit exactly: packs.
        let fits = try CorpusMatrix(source: CountingCorpus(rows: 5_000, d: 8, announces: true), name: "c", limits: limits)
        #expect(fits.rows == 5_000)
    }

    @Test func corpusOfUnknownSizeStopsAtTheLimit() throws {
        let perRow = CorpusMatrix.packedBytes(rows: 1, dimensions: 16)
        let source = CountingCorpus(rows: 50_000, d: 16, announces: false)
        let limits = KNNLimits(memory: perRow * 3_000 + 7, memorySource: "test limit")
        #expect(throws: KNNError.corpusTooLarge(corpus: "t.e", rows: 3_001, dimensions: 16, bytes: perRow * 3_001,
                                                 rowsKnown: false, limit: perRow * 3_000 + 7, source: "test limit")) {
            try CorpusMatrix(source: source, name: "t.e", limits: limits)
        }
        #expect(source.handed == 3_001)
        let m = try CorpusMatrix(source: CountingCorpus(rows: 3_000, d: 16, announces: false), name: "t.e", limits: limits)
        #expect(m.rows == 3_000 && m.vector(at: 2_999)?[0] == Float(2_999 % 97) + 1)
    }

    @Test func sourceThatUndercountsStillPacksWithinTheLimit() throws {
        // Says 10 rows, hands over 5,000: the reserved range fills and the rows move to a grown block.
        final class Liar: CorpusSource {
            var rowCountHint: Int? { 10 }
            func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
                for i in 0..<5_000 { try [Float(i), 1, 2].withVectorView { try body(Int64(i), $0) } }
            }
        }
        let m = try CorpusMatrix(source: Liar(), name: "l", limits: KNNLimits(memory: 1 << 30))
        #expect(m.rows == 5_000)
        for i in [0, 9, 10, 1023, 1024, 4_999] { #expect(m.vector(at: i) == [Float(i), 1, 2]) }
    }

    @Test func packingStopsWhenInterrupted() throws {
        let source = CountingCorpus(rows: 100_000, d: 4, announces: true)
        #expect(throws: KNNError.interrupted) {
            try CorpusMatrix(source: source, name: "c", limits: InterruptAfter(2).limits)
        }
        #expect(source.handed < 100_000)
        // A source that ends early because of an interruption (as a table scan does) yields no corpus either.
        #expect(throws: KNNError.interrupted) {
            try CorpusMatrix(source: InMemoryCorpus(vectors: [[1, 2]]), name: "c", limits: InterruptAfter(0).limits)
        }
    }

    @Test func scoringStopsWhenInterrupted() throws {
        var rng = SeededRandom(state: 11)
        // Enough rows for several scoring chunks (64 MiB of rows each is the production size; any count works).
        let vectors: [[Float]?] = (0..<40_000).map { _ in rng.vector(8) }
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: vectors), name: "s")
        let q = rng.vector(8)
        for metric in Metric.allCases {
            #expect(throws: KNNError.interrupted) {
                try q.withVectorView { try KNNEngine.search(m, query: $0, k: 5, metric: metric, limits: InterruptAfter(0).limits) }
            }
            let queries = try CorpusMatrix(source: InMemoryCorpus(vectors: [q, rng.vector(8)]), name: "q")
            #expect(throws: KNNError.interrupted) {
                try KNNEngine.searchBatch(m, queries: queries, range: 0..<2, k: 5, metric: metric, limits: InterruptAfter(0).limits)
            }
            // A block large enough for the fused kernel, split over shares on threads: stopped by the caller's
            // check after a few tiles, the other share follows; and sgemm in many small tiles.
            let many = try CorpusMatrix(source: InMemoryCorpus(vectors: (0..<40).map { _ in rng.vector(8) }), name: "q")
            for plan in [KNNEngine.BatchPlan(fused: true, shares: 2), KNNEngine.BatchPlan(fused: false, tileFloats: 4096)] {
                #expect(throws: KNNError.interrupted) {
                    try KNNEngine.searchBatch(m, queries: many, range: 0..<40, k: 5, metric: metric, rows: nil,
                                              limits: InterruptAfter(3).limits, plan: plan)
                }
            }
            // Never asked to stop: the same answers as without limits.
            let free = try q.withVectorView { try KNNEngine.search(m, query: $0, k: 5, metric: metric, limits: InterruptAfter(1 << 30).limits) }
            expectSame(free, bruteForce(m.ids, vectors, q, k: 5, metric: metric))
        }
    }

    @Test func buffersFailInsteadOfTrapping() {
        #expect(throws: KNNError.self) { _ = try KNNBuffer<Float>(count: Int.max / 2) }
        #expect(throws: KNNError.self) { _ = try KNNBuffer<Double>(count: Int.max / 4) }
    }
}
