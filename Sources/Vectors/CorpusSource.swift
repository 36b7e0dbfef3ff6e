// Where knn_match's vectors come from, as a small protocol: a source streams (id, vector) rows and the
// engine packs them into a `CorpusMatrix`. The SQL binding streams a table column; the file readers can
// stream a `.npy` file; tests stream plain arrays (`InMemoryCorpus`). No source knows about the engine.
import CKernels

/// A stream of identified vectors. Rows whose vector is nil (SQL NULL) are skipped by the engine.
public protocol CorpusSource {
    /// Calls `body` once per row. The `VectorView` is borrowed: valid only during that call.
    /// Throws `KNNError.badRow` for a row that is not a vector. The values need not be checked for NaN or
    /// infinity, nor rows for equal dimensions: the engine does both while packing, and names the row.
    func forEachRow(_ body: (_ id: Int64, _ vector: VectorView?) throws -> Void) throws

    /// How many rows the source will hand over, when known before reading them (a file's shape): lets the
    /// packer refuse a corpus that cannot fit before reading any of it. Nil when unknown (a table).
    var rowCountHint: Int? { get }
}

extension CorpusSource {
    public var rowCountHint: Int? { nil }
}

/// What packing and scoring may use, and how they learn that they should stop. The SQL binding fills it from
/// the process's memory budget and the statement's interruption; the default limits nothing.
public struct KNNLimits {
    /// Bytes one packed corpus may take in all (`CorpusMatrix.packedBytes`).
    public var memory: Int
    /// What sets `memory`, for messages (`cgroup memory.max`, `STRATA_MEMORY_LIMIT`).
    public var memorySource: String
    /// Asked per block of rows (every few thousand rows, or a few milliseconds of scoring), on the thread
    /// that called in: true stops the work with `KNNError.interrupted`.
    public var isInterrupted: () -> Bool

    public init(memory: Int = .max, memorySource: String = "no limit", isInterrupted: @escaping () -> Bool = { false }) {
        self.memory = memory
        self.memorySource = memorySource
        self.isInterrupted = isInterrupted
    }

    public static var none: KNNLimits { KNNLimits() }
}

/// Why a knn search cannot run, in words an SQL user can act on (the binding puts `knn_match: ` in front).
public enum KNNError: Error, Equatable, CustomStringConvertible {
    /// Row `id` of the corpus named `corpus` is not a usable vector.
    case badRow(corpus: String, id: Int64, reason: String)
    /// Row `id` has `found` dimensions where the first row had `expected`.
    case rowDimensions(corpus: String, id: Int64, found: Int, expected: Int)
    /// The query has `found` dimensions, the corpus `expected`.
    case queryDimensions(found: Int, expected: Int)
    case tooManyRows(Int)
    case outOfMemory(bytes: Int)
    /// Packing `corpus` (`rows` × `dimensions`; `rows` is a lower bound when `rowsKnown` is false) needs
    /// `bytes`, more than the `limit` bytes that `source` allows.
    case corpusTooLarge(corpus: String, rows: Int, dimensions: Int, bytes: Int, rowsKnown: Bool, limit: Int, source: String)
    /// A source read more than once (knn_index's build without packing) handed over other rows the next time.
    case sourceChanged
    /// The statement was interrupted.
    case interrupted
    /// OpenBLAS (needed for batches and index builds) could not be loaded: why.
    case blasUnavailable(String)

    /// Throws `blasUnavailable` unless OpenBLAS is loaded (it is opened here the first time).
    public static func requireBLAS() throws {
        if let e = strata_blas_error() { throw KNNError.blasUnavailable(String(cString: e)) }
    }

    public var description: String {
        switch self {
        case .badRow(let corpus, let id, let reason):
            return "rowid \(id) of \(corpus): \(reason)"
        case .rowDimensions(let corpus, let id, let found, let expected):
            return "rowid \(id) of \(corpus) has \(found) dimensions, expected \(expected)"
        case .queryDimensions(let found, let expected):
            return "query has \(found) dimensions, corpus has \(expected)"
        case .tooManyRows(let n):
            return "corpus has too many rows (more than \(n))"
        case .outOfMemory(let bytes):
            return "out of memory packing the corpus (\(bytes) bytes)"
        case .corpusTooLarge(let corpus, let rows, let dimensions, let bytes, let known, let limit, let source):
            return "corpus \(corpus) needs \(known ? "" : "more than ")\(bytes) bytes packed (\(known ? "" : "over ")\(rows) rows × "
                + "\(dimensions) dimensions); this process may use \(limit) bytes (\(source)); raise the limit or set STRATA_MEMORY_LIMIT"
        case .sourceChanged:
            return "the corpus changed while it was read again"
        case .interrupted:
            return "interrupted"
        case .blasUnavailable(let why):
            return why
        }
    }
}

/// Vectors held in Swift arrays, e.g. for tests or for callers that already decoded their data.
public struct InMemoryCorpus: CorpusSource {
    public var ids: [Int64]
    public var vectors: [[Float]?]

    /// `ids[i]` identifies `vectors[i]`; extra elements of the longer array are ignored.
    public init(ids: [Int64], vectors: [[Float]?]) {
        self.ids = ids
        self.vectors = vectors
    }

    /// Rows identified 1, 2, 3, … like rowids of a fresh table.
    public init(vectors: [[Float]?]) {
        self.init(ids: vectors.indices.map { Int64($0) &+ 1 }, vectors: vectors)
    }

    public var rowCountHint: Int? { min(ids.count, vectors.count) }

    public func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        for i in 0..<min(ids.count, vectors.count) {
            if let v = vectors[i] {
                try v.withVectorView { try body(ids[i], $0) }
            } else {
                try body(ids[i], nil)
            }
        }
    }
}

/// A row-major float32 matrix already in memory (e.g. a mapped `.npy` body): `rows × dimensions` values at
/// `base`, row i identified by `ids[i]` (or i + 1 when `ids` is nil). The memory must outlive the scan.
public struct MatrixCorpus: CorpusSource {
    public let base: UnsafeRawPointer
    public let rows: Int
    public let dimensions: Int
    public let ids: [Int64]?

    public init(base: UnsafeRawPointer, rows: Int, dimensions: Int, ids: [Int64]? = nil) {
        self.base = base
        self.rows = max(0, rows)
        self.dimensions = max(0, dimensions)
        self.ids = ids
    }

    public var rowCountHint: Int? { ids.map { min($0.count, rows) } ?? rows }

    public func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        let n = ids.map { min($0.count, rows) } ?? rows
        let (stride, overflow) = dimensions.multipliedReportingOverflow(by: 4)
        guard !overflow else { return }
        for i in 0..<n {
            let id = ids?[i] ?? Int64(i) &+ 1
            try body(id, VectorView(unchecked: base + i &* stride, count: dimensions))
        }
    }
}
