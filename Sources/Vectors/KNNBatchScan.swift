// A batch's share scored with the fused kernel (CKernels/batch_scan.c): the product of every query with a tile
// of corpus rows and the test of each key against its query's heap threshold in one pass, so only the keys that
// may enter a heap ever leave the kernel. Used by `KNNEngine.searchBatch` where the CPU has AVX-512F (AVX2 when
// STRATA_KNN_BATCH=avx2 asks) and the block holds enough queries to fill the kernel's groups of 32; elsewhere
// the batch multiplies with OpenBLAS's sgemm and scans the score tiles (`scanShare`).
import CKernels

extension KNNEngine {
    /// Rows per kernel call: a multiple of both kernels' row blocks (12 and 6). Between calls the heaps take the
    /// hits and the thresholds are refreshed (a share's first tile offers every key, until the heaps fill); the
    /// hit buffer has room for every key of a tile (96 × 1,024 hits of 12 bytes for 1,000 queries).
    static let fusedTileRows = 96

    /// The fused kernel's name ("avx512", "avx2"), or nil when batches use sgemm (no AVX-512 here, or
    /// STRATA_KNN_BATCH=sgemm).
    static let fusedKernel: String? = {
        let name = String(cString: strata_batch_kernel_name())
        return name == "sgemm" ? nil : name
    }()

    /// How batches run here, for EXPLAIN QUERY PLAN: "fused avx512 kernel" (blocks of 16 or more queries), or
    /// "blocked sgemm".
    public static var batchMethod: String {
        fusedKernel.map { "fused \($0) kernel; sgemm below 16 queries" } ?? "blocked sgemm"
    }

    /// Whether a block of `queries` queries goes through the fused kernel: it computes groups of 32, so with
    /// fewer than 16 most of its work would be padding.
    static func usesFusedKernel(queries: Int) -> Bool { fusedKernel != nil && queries >= 16 }

    /// One share with the fused kernel: rows at positions `share` (of the corpus, or of `subset`) against the
    /// packed queries (`groups` groups of 32; `count` real ones), hits offered to `heaps`. `stopping` is asked
    /// between tiles; false when it said stop.
    static func scanShareFused(_ corpus: CorpusMatrix, packed: UnsafePointer<Float>, groups: Int, count qn: Int,
                               scanned: [Bool], metric: Metric, rows subset: [Int32]?, share: Range<Int>,
                               into heaps: inout [CandidateHeap], stopping: () -> Bool) -> Bool {
        let d = corpus.dimensions
        let width = groups &* Int(STRATA_BATCH_GROUP)
        // Queries not scanned here (padding, exact-only, zero under cosine) get -∞: no key reaches them.
        var thresholds = [Float](repeating: -.infinity, count: width)
        for i in 0..<qn where scanned[i] { thresholds[i] = heaps[i].threshold }
        var hits = [strata_batch_hit](repeating: strata_batch_hit(), count: fusedTileRows &* width)
        let mode: Int32
        switch metric {
        case .cosine: mode = Int32(STRATA_BATCH_TIMES_AUX)
        case .l2: mode = Int32(STRATA_BATCH_PLUS_AUX)
        case .dot: mode = Int32(STRATA_BATCH_PLAIN)
        }
        return walkTiles(corpus, rows: subset, share: share, tileRows: fusedTileRows, metric: metric,
                         stopping: stopping) { rows, aux, start, count in
            let found: Int = thresholds.withUnsafeBufferPointer { t in
                hits.withUnsafeMutableBufferPointer { h in
                    guard let tp = t.baseAddress, let hp = h.baseAddress else { return 0 }
                    return strata_batch_scan(packed, groups, d, rows, count, aux, mode, metric.alpha, tp, hp)
                }
            }
            let base = Int32(truncatingIfNeeded: start)
            for j in 0..<found {
                let hit = hits[j]
                let q = Int(hit.query)
                heaps[q].offer(hit.key, base &+ hit.row)
                thresholds[q] = heaps[q].threshold
            }
        }
    }

    /// A share of a batch, `tileRows` rows at a time: each tile's rows (read in place, or gathered from `subset`
    /// into a block) and their per-row key terms (1/|x| for cosine, |x|² for l2) go to `body`, with the tile's
    /// first position in the share's numbering and its length. `stopping` is asked before every tile; false
    /// when it said stop. Both batch paths (sgemm and the fused kernel) walk their shares through this.
    static func walkTiles(_ corpus: CorpusMatrix, rows subset: [Int32]?, share: Range<Int>, tileRows: Int,
                          metric: Metric, stopping: () -> Bool,
                          _ body: (_ rows: UnsafePointer<Float>, _ aux: UnsafePointer<Float>, _ start: Int,
                                   _ count: Int) -> Void) -> Bool {
        let d = corpus.dimensions
        let gathered = subset == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: tileRows &* d)
        // Zeroed: the dot metric has no per-row term, and its keys never read one.
        let aux = UnsafeMutablePointer<Float>.allocate(capacity: tileRows)
        aux.initialize(repeating: 0, count: tileRows)
        defer {
            gathered?.deallocate()
            aux.deallocate()
        }
        var start = share.lowerBound
        while start < share.upperBound {
            if stopping() { return false }
            let count = min(tileRows, share.upperBound &- start)
            let rows: UnsafePointer<Float>
            if let subset, let gathered {
                gather(corpus, subset, start, count, into: gathered, aux: aux, metric: metric)
                rows = UnsafePointer(gathered)
            } else {
                rows = UnsafePointer(corpus.data + start &* d)
                fillAux(corpus, start, count, into: aux, metric: metric)
            }
            body(rows, UnsafePointer(aux), start, count)
            start &+= count
        }
        return true
    }
}
