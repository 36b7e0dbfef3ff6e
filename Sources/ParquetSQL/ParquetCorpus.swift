// knn_match over a Parquet file: `knn_match('emb.parquet', :q, 10)` searches the file's one vector column
// (a list or fixed_size_list of float32), `'emb.parquet:embedding'` names the column when there are several,
// and `ids => 'doc_id'` returns another column of the same file as corpus_id. Rows are identified by their
// 0-based row number (parquet_file's `row`). The extension's registration hands `open` to knn_match as the
// opener for `.parquet` corpora, so the Vectors binding never imports Parquet.
import Glibc
import Parquet
import SQLiteKit
import Vectors

public enum ParquetCorpus {
    /// A file modified less than this many seconds before it was opened is packed for one query only (a
    /// second write within the timestamp granularity could leave its stamp unchanged).
    static let settleSeconds = 2.0

    public static func open(path spec: String) throws -> FileCorpus {
        // 'f.parquet:column' names the column; a plain 'f.parquet' means its only vector column.
        var path = spec
        var column: String? = nil
        if let colon = spec.lastIndex(of: ":"), spec[..<colon].lowercased().hasSuffix(".parquet") {
            path = String(spec[..<colon])
            column = String(spec[spec.index(after: colon)...])
        }
        let file = try translatingParquet { try ParquetFile(path: path) }
        let vectors = file.schema.fields.indices.filter { file.schema.fields[$0].shape == .vector }
        let field: Int
        if let column {
            guard let k = file.schema.fields.firstIndex(where: { $0.name == column }) else {
                throw SQLError("'\(path)' has no column '\(column)' (columns: \(file.schema.fields.map(\.name).joined(separator: ", ")))")
            }
            guard file.schema.fields[k].shape == .vector else {
                throw SQLError("'\(path)' column '\(column)' is not a list of float32 (vector columns: \(names(file, vectors)))")
            }
            field = k
        } else {
            guard vectors.count == 1 else {
                throw SQLError(vectors.isEmpty
                    ? "'\(path)' has no list<float32> column to search"
                    : "'\(path)' has several vector columns (\(names(file, vectors))): name one as '\(path):column'")
            }
            field = vectors[0]
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - file.modified
        let rows = Int(clamping: file.metadata.rowCount)
        return FileCorpus(source: ParquetCorpusSource(file: file, field: field), stamp: file.stamp,
                          isSettled: age >= settleSeconds,
                          openIDs: { name in try ParquetKeys.open(file, column: name, rows: rows) })
    }

    static func names(_ f: ParquetFile, _ fields: [Int]) -> String {
        fields.map { f.schema.fields[$0].name }.joined(separator: ", ")
    }
}

/// The vectors of one column, a row group at a time.
struct ParquetCorpusSource: CorpusSource {
    let file: ParquetFile
    let field: Int

    var rowCountHint: Int? { Int(clamping: file.metadata.rowCount) }

    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        var first: Int64 = 0
        for g in 0..<file.rowGroupCount {
            let rows = file.rowCount(ofGroup: g)
            do {
                // Straight from the pages while every list and element is present; the general reader for the
                // rest of the group (NULL or empty lists, NULL elements, dictionary pages, damage) — it gives
                // the same rows, and its skips and errors.
                let fast = try file.forEachPresentVector(group: g, field: field) { r, floats in
                    // (Every row here has at least one float; an empty one would be an empty list: skipped, as below.)
                    guard let base = floats.baseAddress, floats.count >= 4 else { return try body(first + Int64(r), nil) }
                    try body(first + Int64(r), VectorView(unchecked: base, count: floats.count / 4))
                }
                if !fast.complete {
                    let f = try translatingParquet { try file.readField(group: g, field: field) }
                    for r in min(fast.rows, f.rows) ..< f.rows {
                        try f.withVector(row: r) { v in
                            guard let v, let base = v.baseAddress else { return try body(first + Int64(r), nil) }
                            try body(first + Int64(r), VectorView(unchecked: UnsafeRawPointer(base), count: v.count))
                        }
                    }
                    file.recycle(f)  // the packer has copied this group's vectors
                }
            } catch let e as KNNError {
                throw e  // the engine's own errors (bad rows, interruption) pass through as they are
            } catch {
                throw parquetSQLError(error)
            }
            first += Int64(rows)
        }
    }
}

/// A plain column of the same file as knn_match's corpus_id; only the row groups holding returned rows are read.
final class ParquetKeys {
    let file: ParquetFile
    let field: Int
    /// First row of each group, and the total at the end.
    let starts: [Int]
    private var cachedGroup = -1
    private var cached: FieldColumns?

    init(file: ParquetFile, field: Int) {
        self.file = file
        self.field = field
        var s = [0]
        for g in 0..<file.rowGroupCount { s.append(s[g] + file.rowCount(ofGroup: g)) }
        starts = s
    }

    static func open(_ file: ParquetFile, column: String, rows: Int) throws -> CorpusKeys {
        guard let k = file.schema.fields.firstIndex(where: { $0.name == column }) else {
            throw SQLError("ids: '\(file.path)' has no column '\(column)' (columns: \(file.schema.fields.map(\.name).joined(separator: ", ")))")
        }
        guard file.schema.fields[k].shape == .primitive else {
            throw SQLError("ids: '\(file.path)' column '\(column)' is not a plain column (numbers, text or bytes)")
        }
        let keys = ParquetKeys(file: file, field: k)
        return CorpusKeys(count: rows, name: "'\(file.path):\(column)'") { i in try keys.key(i) }
    }

    func key(_ i: Int) throws -> CorpusKey {
        guard i >= 0, i < starts[starts.count - 1] else { throw SQLError("row \(i) is out of range") }
        // The group holding row i: binary search over the group starts.
        var lo = 0, hi = starts.count - 2
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= i { lo = mid } else { hi = mid - 1 }
        }
        if cachedGroup != lo {
            cached = try translatingParquet { try file.readField(group: lo, field: field) }
            cachedGroup = lo
        }
        guard let f = cached else { throw SQLError("row \(i) is out of range") }
        let leaf = f.leaves[0]
        let k = leaf.valueIndex(row: i - starts[lo])
        let nullID = SQLError("ids: row \(i) of '\(file.path)' column '\(f.field.name)' is NULL")
        if k < 0 { throw nullID }
        switch try translatingParquet({ try leaf.kind.value(leaf.data, k) }) {
        case .null: throw nullID
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        case .text(let s): return .text(s)
        case .blob(let b): return .blob(b)
        }
    }
}
