// swift-tools-version: 6.1
// Benchmarks live in their own package (as swift-nio does) so the main build never compiles
// package-benchmark. Run from the repository root: `make bench`, or
// `cd Benchmarks && swift package --allow-writing-to-package-directory benchmark`.
import PackageDescription

let package = Package(
    name: "StrataBenchmarks",
    dependencies: [
        .package(name: "Strata", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // OpenBLAS's CBLAS, linked, for the bare BLAS baselines (Strata itself opens OpenBLAS on first use).
        .systemLibrary(name: "CBLAS", path: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .executableTarget(
            name: "VectorKernels",
            dependencies: [
                .product(name: "StrataVectors", package: "Strata"),
                "CBLAS",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/VectorKernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
