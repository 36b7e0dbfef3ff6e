// The distance functions SQL sees, defined once over `VectorView`s: cosine, Euclidean, inner product.
// Mismatched dimensions are an error here so every caller reports them the same way.

public enum Metric: String, CaseIterable, Sendable {
    case cosine, l2, dot
}

@inline(__always)
func requireSameDimensions(_ a: VectorView, _ b: VectorView) throws(VectorError) {
    guard a.count == b.count else { throw .dimensionMismatch(a.count, b.count) }
}

/// a·b / (|a||b|); nil when either vector is all zeros (the angle is undefined).
public func cosineSimilarity(_ a: VectorView, _ b: VectorView) throws(VectorError) -> Double? {
    try requireSameDimensions(a, b)
    let s = pairSums(a, b)
    guard s.normA > 0, s.normB > 0 else { return nil }
    let sim = s.dot / (s.normA.squareRoot() * s.normB.squareRoot())
    // Rounding can push |sim| a hair past 1; clamp so distance stays within [0, 2].
    return min(1, max(-1, sim))
}

/// 1 − cosine similarity; nil for a zero vector.
public func cosineDistance(_ a: VectorView, _ b: VectorView) throws(VectorError) -> Double? {
    try cosineSimilarity(a, b).map { 1 - $0 }
}

/// Euclidean distance |a − b|.
public func l2Distance(_ a: VectorView, _ b: VectorView) throws(VectorError) -> Double {
    try requireSameDimensions(a, b)
    return squaredL2(a, b).squareRoot()
}

/// a·b.
public func innerProduct(_ a: VectorView, _ b: VectorView) throws(VectorError) -> Double {
    try requireSameDimensions(a, b)
    return dot(a, b)
}

/// |a|.
public func norm(_ a: VectorView) -> Double { squaredNorm(a).squareRoot() }

/// a / |a|; nil for a zero vector.
public func normalized(_ a: VectorView) -> [Float]? {
    let n = norm(a)
    guard n > 0 else { return nil }
    return (0..<a.count).map { Float(Double(a[$0]) / n) }
}

/// The element-wise mean of a stream of vectors of one dimension (a centroid), summed in float64.
public struct MeanAccumulator {
    public private(set) var sums: [Double] = []
    public private(set) var count = 0

    public init() {}

    public mutating func add(_ v: VectorView) throws(VectorError) {
        if count == 0 {
            sums = [Double](repeating: 0, count: v.count)
        } else if v.count != sums.count {
            throw .dimensionMismatch(sums.count, v.count)
        }
        sums.withUnsafeMutableBufferPointer { s in
            for i in 0..<v.count { s[i] += Double(v[i]) }
        }
        count += 1
    }

    /// The mean, or nil when nothing was added.
    public var mean: [Float]? {
        guard count > 0 else { return nil }
        let c = Double(count)
        return sums.map { Float($0 / c) }
    }
}
