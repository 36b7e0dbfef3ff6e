// Distance kernels for one pair of vectors. Products are formed from float32 inputs widened to float64,
// so they are exact, and summed in float64: the results match NumPy's float64 reference to ~1e-12
// whatever the dimension. (knn_match's many-vector paths use BLAS instead; see Benchmarks/ for the numbers
// behind the choice.) Loops are 8 lanes wide with two accumulators; unaligned loads throughout.
// Multiply and add are separate operations on purpose: `addingProduct` is a fused multiply-add, which the
// baseline x86-64 target (no FMA) lowers to a libm call per lane, measured 4-10x slower.

/// Sums needed by every metric, in one pass: a·b, |a|², |b|².
public struct PairSums: Equatable {
    public var dot: Double
    public var normA: Double
    public var normB: Double
}

@inline(__always)
private func load8(_ p: UnsafeRawPointer, _ i: Int) -> SIMD8<Double> {
    let f = p.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
    return SIMD8<Double>(f)
}

/// a·b, |a|² and |b|² in float64. `a.count == b.count` is the caller's contract.
public func pairSums(_ a: VectorView, _ b: VectorView) -> PairSums {
    let n = min(a.count, b.count)
    var d0 = SIMD8<Double>(), d1 = SIMD8<Double>()
    var a0 = SIMD8<Double>(), a1 = SIMD8<Double>()
    var b0 = SIMD8<Double>(), b1 = SIMD8<Double>()
    var i = 0
    while i &+ 16 <= n {
        let x0 = load8(a.base, i), y0 = load8(b.base, i)
        let x1 = load8(a.base, i &+ 8), y1 = load8(b.base, i &+ 8)
        d0 += x0 * y0; d1 += x1 * y1
        a0 += x0 * x0; a1 += x1 * x1
        b0 += y0 * y0; b1 += y1 * y1
        i &+= 16
    }
    var dot = (d0 + d1).sum(), na = (a0 + a1).sum(), nb = (b0 + b1).sum()
    while i < n {
        let x = Double(a[i]), y = Double(b[i])
        dot += x * y; na += x * x; nb += y * y
        i &+= 1
    }
    return PairSums(dot: dot, normA: na, normB: nb)
}

/// a·b in float64.
public func dot(_ a: VectorView, _ b: VectorView) -> Double {
    let n = min(a.count, b.count)
    var d0 = SIMD8<Double>(), d1 = SIMD8<Double>()
    var i = 0
    while i &+ 16 <= n {
        d0 += load8(a.base, i) * load8(b.base, i)
        d1 += load8(a.base, i &+ 8) * load8(b.base, i &+ 8)
        i &+= 16
    }
    var s = (d0 + d1).sum()
    while i < n { s += Double(a[i]) * Double(b[i]); i &+= 1 }
    return s
}

/// Σ (a−b)² in float64.
public func squaredL2(_ a: VectorView, _ b: VectorView) -> Double {
    let n = min(a.count, b.count)
    var d0 = SIMD8<Double>(), d1 = SIMD8<Double>()
    var i = 0
    while i &+ 16 <= n {
        let e0 = load8(a.base, i) - load8(b.base, i)
        let e1 = load8(a.base, i &+ 8) - load8(b.base, i &+ 8)
        d0 += e0 * e0; d1 += e1 * e1
        i &+= 16
    }
    var s = (d0 + d1).sum()
    while i < n { let e = Double(a[i]) - Double(b[i]); s += e * e; i &+= 1 }
    return s
}

/// |a|² in float64.
public func squaredNorm(_ a: VectorView) -> Double {
    let n = a.count
    var d0 = SIMD8<Double>(), d1 = SIMD8<Double>()
    var i = 0
    while i &+ 16 <= n {
        let x0 = load8(a.base, i), x1 = load8(a.base, i &+ 8)
        d0 += x0 * x0; d1 += x1 * x1
        i &+= 16
    }
    var s = (d0 + d1).sum()
    while i < n { let x = Double(a[i]); s += x * x; i &+= 1 }
    return s
}
