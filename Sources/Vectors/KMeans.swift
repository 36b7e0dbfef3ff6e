// k-means for knn_index's inverted lists: centroids trained on a sample of the corpus with BLAS `sgemm`
// doing the distance work (|x − c|² = |x|² − 2·x·c + |c|², the x·c for a block of rows against every centroid
// in one product), and the assignment of every row to its nearest centroid the same way. Deterministic: the
// sample and the initial centroids come from a fixed-seed generator, so one corpus always gives one index.
import CKernels

public enum KMeans {
    /// Rows of `data` (row-major, `dimensions` floats each) are assigned per block of this many.
    static let blockRows = 1024

    /// A small deterministic generator (SplitMix64): same seed, same sample, on every machine.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    }

    /// `lists` centroids (row-major) trained with Lloyd's iterations on `rows` rows of `data`.
    /// The caller passes a sample; empty clusters are re-seeded from the farthest-assigned rows' sample.
    public static func train(_ data: UnsafePointer<Float>, rows: Int, dimensions d: Int, lists: Int,
                             iterations: Int, seed: UInt64, limits: KNNLimits) throws -> [Float] {
        let k = max(1, min(lists, rows))
        guard rows > 0, d > 0 else { return [] }
        var rng = SplitMix(state: seed)
        // Initial centroids: k distinct sample rows (a partial Fisher-Yates shuffle of row indices).
        var order = Array(0..<rows)
        for i in 0..<k {
            let j = i &+ rng.below(rows &- i)
            order.swapAt(i, j)
        }
        var centroids = [Float](repeating: 0, count: k &* d)
        centroids.withUnsafeMutableBufferPointer { c in
            guard let cb = c.baseAddress else { return }
            for i in 0..<k { (cb + i &* d).update(from: data + order[i] &* d, count: d) }
        }
        var assignment = [Int32](repeating: 0, count: rows)
        var distances = [Float](repeating: 0, count: rows)
        for _ in 0..<max(1, iterations) {
            if limits.isInterrupted() { throw KNNError.interrupted }
            try assign(data, rows: rows, dimensions: d, centroids: centroids, lists: k,
                       into: &assignment, distances: &distances, limits: limits)
            // New centroids: means in float64.
            var sums = [Double](repeating: 0, count: k &* d)
            var counts = [Int](repeating: 0, count: k)
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<rows {
                    let c = Int(assignment[r])
                    counts[c] &+= 1
                    let row = data + r &* d
                    let base = c &* d
                    for i in 0..<d { s[base &+ i] += Double(row[i]) }
                }
            }
            // Empty clusters take the rows farthest from their centroids, one each (a common repair).
            let empty = (0..<k).filter { counts[$0] == 0 }
            var farthest: [Int] = []
            if !empty.isEmpty {
                farthest = Array((0..<rows).sorted { distances[$0] > distances[$1] }.prefix(empty.count))
            }
            for c in 0..<k where counts[c] > 0 {
                let n = Double(counts[c])
                for i in 0..<d { centroids[c &* d &+ i] = Float(sums[c &* d &+ i] / n) }
            }
            for (e, r) in zip(empty, farthest) {
                for i in 0..<d { centroids[e &* d &+ i] = data[r &* d &+ i] }
            }
        }
        return centroids
    }

    /// The nearest centroid (squared Euclidean distance, ties to the lower list) of each of `rows` rows, and
    /// that squared distance. `centroids` holds `lists` rows of `d` floats.
    public static func assign(_ data: UnsafePointer<Float>, rows: Int, dimensions d: Int, centroids: [Float],
                              lists: Int, into assignment: inout [Int32], distances: inout [Float],
                              limits: KNNLimits) throws {
        guard rows > 0, lists > 0, d > 0, centroids.count >= lists &* d else { return }
        try KNNError.requireBLAS()
        if assignment.count < rows { assignment = [Int32](repeating: 0, count: rows) }
        if distances.count < rows { distances = [Float](repeating: 0, count: rows) }
        var centroidNorms = [Float](repeating: 0, count: lists)
        for c in 0..<lists {
            var s: Float = 0
            for i in 0..<d { s += centroids[c &* d &+ i] * centroids[c &* d &+ i] }
            centroidNorms[c] = s
        }
        let block = max(1, min(blockRows, rows))
        var products = [Float](repeating: 0, count: block &* lists)
        var start = 0
        while start < rows {
            if limits.isInterrupted() { throw KNNError.interrupted }
            let n = min(block, rows &- start)
            centroids.withUnsafeBufferPointer { c in
                products.withUnsafeMutableBufferPointer { p in
                    guard let cb = c.baseAddress, let pb = p.baseAddress else { return }
                    // products (n × lists) = rows (n × d) · centroidsᵀ (d × lists)
                    _ = strata_sgemm_nt(Int32(n), Int32(lists), Int32(d), 1, data + start &* d, Int32(d), cb, Int32(d),
                                        pb, Int32(lists))
                }
            }
            for r in 0..<n {
                let row = data + (start &+ r) &* d
                var xx: Float = 0
                for i in 0..<d { xx += row[i] * row[i] }
                var best = Float.infinity
                var bestList: Int32 = 0
                let base = r &* lists
                for c in 0..<lists {
                    let dist = centroidNorms[c] - 2 * products[base &+ c]
                    if dist < best { best = dist; bestList = Int32(c) }
                }
                assignment[start &+ r] = bestList
                distances[start &+ r] = max(0, best + xx)
            }
            start &+= n
        }
    }
}
