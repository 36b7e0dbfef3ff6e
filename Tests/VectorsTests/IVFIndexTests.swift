// knn_index's pure core without a database: the quantizer's codes stay within half a step of the value, the
// IVF build puts every row in exactly one list, a scan over every list with exact rescoring finds what the
// exact engine finds, and building stops with `KNNError.interrupted` when asked to.
import Testing
@testable import Vectors

private func clusteredRows(_ n: Int, _ d: Int, seed: UInt64) -> [[Float]] {
    var rng = KMeans.SplitMix(state: seed)
    func unit() -> Float { Float(Double(rng.next() % 1_000_000) / 1_000_000 - 0.5) }
    let centers = (0..<8).map { _ in (0..<d).map { _ in unit() * 4 } }
    return (0..<n).map { i in centers[i % 8].map { $0 + unit() } }
}

@Test func quantizerCodesAreWithinHalfAStep() {
    let rows = clusteredRows(200, 16, seed: 3)
    var trainer = ScalarQuantizer.Trainer(dimensions: 16)
    for r in rows { r.withUnsafeBufferPointer { trainer.observe($0.baseAddress!) } }
    let q = trainer.quantizer
    var codes = [UInt8](repeating: 0, count: 16)
    for r in rows {
        r.withUnsafeBufferPointer { x in codes.withUnsafeMutableBufferPointer { q.encode(x.baseAddress!, into: $0.baseAddress!) } }
        for i in 0..<16 {
            let back = q.minimums[i] + q.scales[i] * Float(codes[i])
            #expect(abs(back - r[i]) <= q.scales[i] * 0.5001 + 1e-6)
        }
    }
}

@Test(arguments: [Metric.cosine, .l2, .dot])
func scanningEveryListFindsTheExactTopK(metric: Metric) throws {
    let rows = clusteredRows(600, 12, seed: 5)
    let corpus = try CorpusMatrix(source: InMemoryCorpus(vectors: rows), name: "t")
    let (model, lists) = try IVFBuild.build(corpus, metric: metric, lists: 10, limits: .none)
    #expect(model.lists == 10)
    #expect(lists.map(\.count).reduce(0, +) == 600)
    #expect(Set(lists.flatMap(\.ids)).count == 600)
    for qi in [0, 17, 333] {
        let query = rows[qi].map { $0 + 0.01 }
        let expected = try query.withVectorView { try KNNEngine.search(corpus, query: $0, k: 5, metric: metric) }
        let found: [Neighbor] = query.withVectorView { qv in
            // Candidates as many as rows: the rescoring alone decides, so the result must be exact.
            guard var scan = IVFScan(model: model, query: qv, candidates: 600) else { return [] }
            for list in lists {
                let ids = list.ids.littleEndianBytes, terms = list.terms.littleEndianBytes
                ids.withUnsafeBytes { i in terms.withUnsafeBytes { t in list.codes.withUnsafeBytes { c in
                    scan.scan(count: list.count, ids: i, terms: t, codes: c, keep: { _ in true })
                } } }
            }
            var top = ExactRescorer(query: qv, metric: metric, k: 5)
            for id in scan.candidates() { rows[Int(id) - 1].withVectorView { top.offer(id: id, $0) } }
            return top.sorted()
        }
        #expect(found == expected)
    }
}

@Test func buildingStopsWhenInterrupted() throws {
    let rows = clusteredRows(3000, 8, seed: 9)
    let corpus = try CorpusMatrix(source: InMemoryCorpus(vectors: rows), name: "t")
    #expect(throws: KNNError.interrupted) {
        _ = try IVFBuild.build(corpus, metric: .l2, lists: 20, limits: KNNLimits(isInterrupted: { true }))
    }
}

/// Hands over other rows on its second reading (a corpus that changed while it was read again).
private final class ShrinkingCorpus: CorpusSource {
    let rows: [[Float]]
    var readings = 0
    init(_ rows: [[Float]]) { self.rows = rows }
    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        readings += 1
        let n = readings == 1 ? rows.count : rows.count / 2
        for i in 0..<n { try rows[i].withVectorView { try body(Int64(i + 1), $0) } }
    }
}

// The build for corpora larger than memory reads the source several times instead of packing it: with the same
// training sample it must make exactly the index the packed build makes, whether its lists come in one group or
// in many (a budget of a few rows a group).
@Test(arguments: [Metric.cosine, .l2, .dot])
func streamingBuildMakesThePackedIndex(metric: Metric) throws {
    var rows = clusteredRows(3000, 8, seed: 11)
    rows[5] = [Float](repeating: 0, count: 8)  // never indexed for cosine
    let source = InMemoryCorpus(vectors: rows)
    let corpus = try CorpusMatrix(source: source, name: "t")
    let (model, lists) = try IVFBuild.build(corpus, metric: metric, lists: 20, limits: .none)
    let trained = try IVFStreamingBuild.train(source, metric: metric, lists: 20, budget: 1 << 30, limits: .none)
    #expect(trained.model.centroids == model.centroids)
    #expect(trained.model.quantizer == model.quantizer)
    for minimumGroup in [1 << 20, 2_000] {
        var streamed: [(Int, IVFList)] = []
        var groups = 0
        try IVFStreamingBuild.fill(source, trained, budget: 0, limits: .none, minimumGroup: minimumGroup) {
            streamed += $0
            groups += 1
        }
        #expect(minimumGroup == 2_000 ? groups > 1 : groups == 1)
        #expect(streamed.map(\.0) == Array(0..<20))
        #expect(streamed.map(\.1) == lists)
    }
}

@Test func streamingBuildNoticesAChangedSourceAndStopsWhenInterrupted() throws {
    let rows = clusteredRows(2000, 8, seed: 13)
    #expect(throws: KNNError.sourceChanged) {
        _ = try IVFStreamingBuild.train(ShrinkingCorpus(rows), metric: .l2, lists: 10, budget: 1 << 30, limits: .none)
    }
    let trained = try IVFStreamingBuild.train(InMemoryCorpus(vectors: rows), metric: .l2, lists: 10, budget: 1 << 30,
                                              limits: .none)
    let changed = ShrinkingCorpus(rows)
    changed.readings = 1
    #expect(throws: KNNError.sourceChanged) {
        try IVFStreamingBuild.fill(changed, trained, budget: 1 << 30, limits: .none) { _ in }
    }
    #expect(throws: KNNError.interrupted) {
        _ = try IVFStreamingBuild.train(InMemoryCorpus(vectors: rows), metric: .l2, lists: 10, budget: 1 << 30,
                                        limits: KNNLimits(isInterrupted: { true }))
    }
}
