// Distance kernels for one pair of vectors at the dimensions embeddings come in (128, 384, 768, 1536):
// our float64-accumulating SIMD loops beside OpenBLAS's sdot (float32 accumulation) and dsdot (float64
// accumulation), to show where BLAS pays for single pairs and where a plain loop wins.
import Benchmark
import CBLAS
import Vectors

private func randomVector(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed
    return (0..<n).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: s >> 11) % 20_000) / 10_000 - 1
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(2),
                                           maxIterations: 1_000)
    for n in [128, 384, 768, 1536] {
        let a = randomVector(n, seed: 1), b = randomVector(n, seed: 2)
        let reps = 1_000  // pairs per iteration, so per-call overhead in the harness does not dominate

        Benchmark("cosine pairSums (SIMD, f64 accumulate) d=\(n) x\(reps)") { benchmark in
            a.withVectorView { va in b.withVectorView { vb in
                for _ in benchmark.scaledIterations {
                    for _ in 0..<reps { blackHole(pairSums(va, vb)) }
                }
            } }
        }
        Benchmark("dot (SIMD, f64 accumulate) d=\(n) x\(reps)") { benchmark in
            a.withVectorView { va in b.withVectorView { vb in
                for _ in benchmark.scaledIterations {
                    for _ in 0..<reps { blackHole(dot(va, vb)) }
                }
            } }
        }
        Benchmark("squaredL2 (SIMD, f64 accumulate) d=\(n) x\(reps)") { benchmark in
            a.withVectorView { va in b.withVectorView { vb in
                for _ in benchmark.scaledIterations {
                    for _ in 0..<reps { blackHole(squaredL2(va, vb)) }
                }
            } }
        }
        Benchmark("cblas_sdot (f32 accumulate) d=\(n) x\(reps)") { benchmark in
            for _ in benchmark.scaledIterations {
                for _ in 0..<reps { blackHole(cblas_sdot(Int32(n), a, 1, b, 1)) }
            }
        }
        Benchmark("cblas_dsdot (f64 accumulate) d=\(n) x\(reps)") { benchmark in
            for _ in benchmark.scaledIterations {
                for _ in 0..<reps { blackHole(cblas_dsdot(Int32(n), a, 1, b, 1)) }
            }
        }
    }
}
