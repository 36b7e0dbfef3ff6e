import Foundation
import Testing
import StrataTestSupport
@testable import Vectors

/// The packed corpus moved onto 2 MB pages in the background (HugePageCollapser): the rows and the answers are
/// the same before, during and after, and a corpus dropped in the middle stops the thread before its memory goes.
@Suite struct HugePageTests {
    /// 24,000 × 384 floats: 36.9 MB, above the 32 MB a corpus needs before it is collapsed.
    static let rows = 24_000, d = 384

    func corpus(_ seed: UInt64) throws -> (CorpusMatrix, [[Float]]) {
        var rng = SeededRandom(state: seed)
        let vectors = (0..<Self.rows).map { _ in rng.vector(Self.d) }
        return (try CorpusMatrix(source: InMemoryCorpus(vectors: vectors), name: "big"), vectors)
    }

    /// Whether this kernel can collapse a range at all (Linux ≥ 6.1, THP not `never`): probed on a mapping of
    /// our own, so the assertion below is about Strata, not about the machine.
    func kernelCollapses() -> Bool {
        guard HugePageCollapser.enabled else { return false }
        let size = 8 << 20
        guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              p != MAP_FAILED else { return false }
        defer { munmap(p, size) }
        memset(p, 1, size)
        let aligned = (Int(bitPattern: p) + (2 << 20) - 1) / (2 << 20) * (2 << 20)
        return madvise(UnsafeMutableRawPointer(bitPattern: aligned), 2 << 20, 25) == 0
    }

    @Test func collapsingKeepsEveryRowAndEveryAnswer() throws {
        let (m, vectors) = try corpus(41)
        var rng = SeededRandom(state: 7)
        let queries = (0..<5).map { _ in rng.vector(Self.d) }
        let before = try queries.map { q in try q.withVectorView { try KNNEngine.search(m, query: $0, k: 10, metric: .cosine) } }
        m.beginHugePageCollapse()
        // Queries while the thread works, then after it finished.
        let during = try queries.map { q in try q.withVectorView { try KNNEngine.search(m, query: $0, k: 10, metric: .l2) } }
        let collapsed = m.waitForHugePages()
        m.beginHugePageCollapse()  // once only: a second call starts nothing
        #expect(m.waitForHugePages() == collapsed)
        if kernelCollapses() {
            // Every whole 2 MB range inside the mapping: at least 36.9 MB / 2 MB − 2 of them.
            #expect(collapsed >= Self.rows * Self.d * 4 / (2 << 20) - 2)
        }
        for i in stride(from: 0, to: Self.rows, by: 331) { #expect(m.vector(at: i) == vectors[i], "row \(i)") }
        #expect(m.vector(at: Self.rows - 1) == vectors[Self.rows - 1])
        let after = try queries.map { q in try q.withVectorView { try KNNEngine.search(m, query: $0, k: 10, metric: .cosine) } }
        #expect(after == before)
        let l2After = try queries.map { q in try q.withVectorView { try KNNEngine.search(m, query: $0, k: 10, metric: .l2) } }
        #expect(l2After == during)
    }

    @Test func aCorpusDroppedWhileCollapsingStopsTheThreadFirst() throws {
        // The deinit joins the thread before unmapping: under ASan/TSan a thread still working on the range
        // would be a use after unmap.
        for seed in 0..<3 {
            let (m, _) = try corpus(UInt64(seed))
            m.beginHugePageCollapse()
            _ = m.rows
        }
    }

    @Test func smallCorporaAreLeftAlone() throws {
        let m = try CorpusMatrix(source: InMemoryCorpus(vectors: (0..<1000).map { _ in [Float](repeating: 1, count: 384) }),
                                 name: "small")
        m.beginHugePageCollapse()
        #expect(m.waitForHugePages() == 0)
    }
}
