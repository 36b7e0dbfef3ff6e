// swift-tools-version: 6.1
// Strata: SQLite extended with Swift. See README.md for the map of targets; in short:
//   CSQLite (C shim over the api-routines table) → SQLiteKit (Swift face of SQLite)
//   → one pure core + one SQL binding per domain (Vectors/VectorsSQL, ...)
//   → StrataExtension (the init and registration table) → libstrata.so (StrataLoadable) and `strata` (StrataCLI).
import PackageDescription

// Library code is compiled in the Swift 5 language mode: SQLite owns threading, and the boundary types are
// C pointers that strict-concurrency checking cannot reason about.
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "Strata",
    products: [
        // libstrata.so → SQLite's default entry point sqlite3_strata_init.
        .library(name: "strata", type: .dynamic, targets: ["StrataLoadable"]),
        // The binary is `strata-cli` because a product name must be unique; `make` links it as `strata`.
        .executable(name: "strata-cli", targets: ["StrataCLI"]),
        // The pure vector core, for the benchmark package in Benchmarks/.
        .library(name: "StrataVectors", targets: ["Vectors"]),
    ],
    targets: [
        .target(name: "CSQLite"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLineEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // Parquet's page codecs (gzip is CZlib).
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .target(name: "SQLiteKit", dependencies: ["CSQLite", "StrataCommon"], swiftSettings: swift5),
        .target(name: "StrataCommon", dependencies: ["CZlib"], swiftSettings: swift5),

        // One pure core and one SQL binding per domain.
        // CKernels: knn_match's scan for AVX-512 / AVX2 chosen at run time (Swift SIMD compiles for SSE2 only).
        // It also opens OpenBLAS on first use (blas.c): linked, OpenBLAS's idle thread pool spun at every load.
        .target(name: "CKernels"),
        .target(name: "Vectors", dependencies: ["CKernels"], swiftSettings: swift5),
        .target(name: "VectorsSQL", dependencies: ["Vectors", "SQLiteKit", "StrataCommon"], swiftSettings: swift5),
        .target(name: "Logs", dependencies: ["StrataCommon"], swiftSettings: swift5),
        .target(name: "LogsSQL", dependencies: ["Logs", "SQLiteKit", "StrataCommon"], swiftSettings: swift5),
        .target(name: "Cron", dependencies: ["StrataCommon"], swiftSettings: swift5),
        // CronSQL reads jobs' own logs for evidence of failure with Logs' public scanner (Sources/CronSQL/JobLogs.swift).
        .target(name: "CronSQL", dependencies: ["Cron", "Logs", "SQLiteKit", "StrataCommon"], swiftSettings: swift5),
        // JSON lines are scanned per byte and per member: exclusivity is checked at compile time only (issue 18).
        // CJSON: the JSON-lines fast path (validation and top-level members in C; the Swift scanner decides any doubt).
        .target(name: "CJSON"),
        .target(name: "Files", dependencies: ["StrataCommon", "CZlib", "CJSON"],
                swiftSettings: swift5 + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "FilesSQL", dependencies: ["Files", "SQLiteKit", "StrataCommon", "Vectors"],
                swiftSettings: swift5 + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        // Parquet's decoders and row loop run per value: exclusivity is checked at compile time only there.
        .target(name: "Parquet", dependencies: ["StrataCommon", "CZlib", "CSnappy", "CZstd", "CLZ4"],
                swiftSettings: swift5 + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "ParquetSQL", dependencies: ["Parquet", "Files", "SQLiteKit", "StrataCommon", "Vectors"],
                swiftSettings: swift5 + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),

        .target(name: "StrataExtension",
                dependencies: ["SQLiteKit", "VectorsSQL", "LogsSQL", "CronSQL", "FilesSQL", "ParquetSQL"],
                swiftSettings: swift5),
        .target(name: "StrataLoadable", dependencies: ["StrataExtension"], swiftSettings: swift5,
                linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        // The CLI: StrataCLIKit holds the shell, renderers, reports and batch logic (unit-tested by CLITests);
        // the executable adds HostDatabase (opens databases) and the libedit line editor.
        .target(name: "StrataCLIKit", dependencies: ["SQLiteKit", "StrataCommon", "Files"], swiftSettings: swift5),
        .executableTarget(name: "StrataCLI",
                          dependencies: ["StrataCLIKit", "StrataExtension", "CLineEdit"],
                          swiftSettings: swift5,
                          // -static-stdlib: no Swift runtime libraries to find and relocate at start-up.
                          linkerSettings: [.linkedLibrary("sqlite3"), .unsafeFlags(["-static-stdlib"])]),
        .testTarget(name: "CLITests", dependencies: ["StrataCLIKit", "StrataTestSupport"], swiftSettings: swift5),

        .target(name: "StrataTestSupport", dependencies: ["StrataExtension"], path: "Tests/StrataTestSupport",
                swiftSettings: swift5, linkerSettings: [.linkedLibrary("sqlite3")]),
        .testTarget(name: "SQLiteKitTests", dependencies: ["StrataTestSupport"], swiftSettings: swift5),
        .testTarget(name: "StrataCommonTests", dependencies: ["StrataCommon"], swiftSettings: swift5),
        .testTarget(name: "VectorsTests", dependencies: ["Vectors", "VectorsSQL", "StrataTestSupport"], swiftSettings: swift5),
        .testTarget(name: "LogsTests", dependencies: ["Logs", "LogsSQL", "StrataTestSupport"], swiftSettings: swift5),
        .testTarget(name: "CronTests", dependencies: ["Cron", "CronSQL", "StrataTestSupport"], swiftSettings: swift5),
        .testTarget(name: "ExtensionTests", dependencies: ["StrataTestSupport"], swiftSettings: swift5),
        .testTarget(name: "FilesTests", dependencies: ["Files", "FilesSQL", "StrataTestSupport"], swiftSettings: swift5),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "ParquetSQL", "StrataTestSupport"], swiftSettings: swift5),
    ]
)
