// The memory-bound kernels of knn_match: scoring one query against many rows (a matrix-vector product that
// can also follow a list of row indices, so a filter needs no gather), and the float64 row norms computed
// while the corpus is packed, split over threads: one scan of the corpus is limited by memory bandwidth,
// which one core cannot saturate. The scan loop is C (CKernels), compiled for AVX-512 and AVX2 and chosen at
// run time. `STRATA_KNN_SGEMV=1` selects BLAS sgemv instead, for comparison (Debian 12's OpenBLAS 0.3.21 does
// not recognise recent CPUs and may fall back to old kernels; see docs/knn.md).
import CKernels
import Glibc

/// Σ x² of one float32 row, accumulated in float64 (so any finite row gives a finite sum: a non-finite sum
/// means a NaN or infinity in the row). No `fma` calls: the baseline x86-64 target would call libm for them.
@inline(__always)
func rowSquaredNorm(_ p: UnsafePointer<Float>, _ d: Int) -> Double {
    var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), a2 = SIMD4<Double>(), a3 = SIMD4<Double>()
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i &+ 16 <= d {
        let x0 = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self))
        let x1 = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: (i &+ 4) &* 4, as: SIMD4<Float>.self))
        let x2 = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD4<Float>.self))
        let x3 = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: (i &+ 12) &* 4, as: SIMD4<Float>.self))
        a0 += x0 * x0; a1 += x1 * x1; a2 += x2 * x2; a3 += x3 * x3
        i &+= 16
    }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < d {
        let x = Double(p[i])
        s += x * x
        i &+= 1
    }
    return s
}

/// y[j] = alpha · (row · q) for `count` rows: rows `first ..< first + count` of `data`, or rows
/// `indices[first ..< first + count]` when `indices` is given. The loop is C (Sources/CKernels), compiled
/// for AVX-512 and AVX2+FMA and chosen for the CPU at run time: this scan is knn_match's whole cost for one
/// query, and Swift's SIMD types compile for the baseline x86-64 target (SSE2), which ran at half of
/// OpenBLAS sgemv's speed (issue 15).
@inline(__always)
func scoreRows(_ data: UnsafePointer<Float>, dimensions d: Int, indices: UnsafePointer<Int32>?, first: Int,
               count n: Int, query q: UnsafePointer<Float>, alpha: Float, into y: UnsafeMutablePointer<Float>) {
    strata_score_rows(data, d, indices, first, n, q, alpha, y)
}

/// The scan kernel this process uses: "avx512", "avx2" or "baseline" (`STRATA_KNN_KERNEL` picks a lesser one).
public var scanKernelName: String { String(cString: strata_score_kernel_name()) }

/// Worker threads for scans: `OPENBLAS_NUM_THREADS` when set (the same knob as BLAS), else every online core.
enum KNNThreads {
    static let count: Int = {
        if let raw = getenv("OPENBLAS_NUM_THREADS"), let n = Int(String(cString: raw)), n >= 1 { return min(n, 64) }
        return max(1, min(64, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// Whether single queries use BLAS sgemv (`STRATA_KNN_SGEMV=1`) instead of `scoreRows`.
    static let useSgemv: Bool = {
        guard let raw = getenv("STRATA_KNN_SGEMV") else { return false }
        return String(cString: raw) == "1"
    }()

    /// Runs `body(part)` for every part in `0..<parts`: all but the last on new threads, the last on the
    /// caller, and returns when all are done. Falls back to running a part inline if a thread cannot start.
    static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            var threads: [pthread_t] = []
            for part in 0..<(parts &- 1) {
                let job = Unmanaged.passRetained(Job { escaping(part) }).toOpaque()
                var tid = pthread_t()
                if pthread_create(&tid, nil, runJob, job) == 0 {
                    threads.append(tid)
                } else {
                    Unmanaged<Job>.fromOpaque(job).release()
                    escaping(part)
                }
            }
            escaping(parts &- 1)
            for t in threads { pthread_join(t, nil) }
        }
    }
}

private final class Job {
    let work: () -> Void
    init(_ work: @escaping () -> Void) { self.work = work }
}

private func runJob(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let arg else { return nil }
    Unmanaged<Job>.fromOpaque(arg).takeRetainedValue().work()
    return nil
}
