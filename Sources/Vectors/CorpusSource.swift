// Where knn_match's vectors come from, as a small protocol: a source streams (id, vector) rows and the
// engine packs them into a `CorpusMatrix`. The SQL binding streams a table column; the file readers can
// stream a `.npy` file; tests stream plain arrays (`InMemoryCorpus`). No source knows about the engine.

/// A stream of identified vectors. Rows whose vector is nil (SQL NULL) are skipped by the engine.
public protocol CorpusSource {
    /// Calls `body` once per row. The `VectorView` is borrowed: valid only during that call.
    /// Throws `KNNError.badRow` for a row that is not a vector. The values need not be checked for NaN or
    /// infinity, nor rows for equal dimensions: the engine does both while packing, and names the row.
    func forEachRow(_ body: (_ id: Int64, _ vector: VectorView?) throws -> Void) throws
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
