// int8 scalar quantization for knn_index's lists: each dimension's range [min, max] over the indexed rows is
// cut into 255 steps and a value stored as the nearest step (one byte instead of four). Scanning a list then
// reads a quarter of the bytes; x·q ≈ Σ q_i·min_i + Σ (q_i·scale_i)·code_i is one weighted byte sum per row
// (CKernels' strata_score_codes). The approximation only *selects* candidates: the best of them are rescored
// exactly from the corpus's own float32 rows, so the distances returned are exact.
import CKernels

public struct ScalarQuantizer: Equatable, Sendable {
    public let minimums: [Float]
    /// (max − min) / 255 per dimension; 0 for a dimension that never varies.
    public let scales: [Float]

    public var dimensions: Int { minimums.count }

    public init(minimums: [Float], scales: [Float]) {
        self.minimums = minimums
        self.scales = scales.count == minimums.count ? scales : [Float](repeating: 0, count: minimums.count)
    }

    /// The ranges of the rows seen by `observe` (all finite floats).
    public struct Trainer {
        var low: [Float]
        var high: [Float]
        public init(dimensions: Int) {
            low = [Float](repeating: .infinity, count: dimensions)
            high = [Float](repeating: -.infinity, count: dimensions)
        }
        public mutating func observe(_ x: UnsafePointer<Float>) {
            for i in 0..<low.count {
                let v = x[i]
                if v < low[i] { low[i] = v }
                if v > high[i] { high[i] = v }
            }
        }
        public var quantizer: ScalarQuantizer {
            var mins = low, scales = [Float](repeating: 0, count: low.count)
            for i in 0..<low.count {
                if !(low[i] <= high[i]) { mins[i] = 0; continue }  // no rows seen
                // Computed in float64: max − min of finite floats may overflow float32.
                let s = (Double(high[i]) - Double(low[i])) / 255
                scales[i] = s.isFinite && s < Double(Float.greatestFiniteMagnitude) ? Float(s) : 0
            }
            return ScalarQuantizer(minimums: mins, scales: scales)
        }
    }

    /// The codes of one row: round((x − min) / scale), clamped to 0…255 (rows added after training may lie
    /// outside the trained range; clamping only makes their approximate score coarser).
    public func encode(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<minimums.count {
            let s = scales[i]
            guard s > 0 else { out[i] = 0; continue }
            let t = ((Double(x[i]) - Double(minimums[i])) / Double(s)).rounded()
            out[i] = t <= 0 ? 0 : (t >= 255 ? 255 : UInt8(t))
        }
    }

    /// Weights and offset so that x·q ≈ offset + Σ weights_i·code_i.
    public func queryTerms(_ q: [Float]) -> (weights: [Float], offset: Float) {
        var w = [Float](repeating: 0, count: minimums.count)
        var offset: Double = 0
        for i in 0..<min(q.count, minimums.count) {
            w[i] = q[i] * scales[i]
            offset += Double(q[i]) * Double(minimums[i])
        }
        return (w, Float(offset))
    }

    /// Σ weights_i·codes[j·d + i] for `rows` rows, into `out`.
    public static func score(codes: UnsafePointer<UInt8>, dimensions: Int, rows: Int, weights: UnsafePointer<Float>,
                             into out: UnsafeMutablePointer<Float>) {
        strata_score_codes(codes, dimensions, rows, weights, out)
    }
}
