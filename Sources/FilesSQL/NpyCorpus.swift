// knn_match over a `.npy` file: opens a 2-D float array as a Vectors `CorpusSource` (rows identified by
// their 0-based index, read_npy's `i`) with the file's stamp. The extension's registration hands `open` to
// knn_match as the opener for `.npy` corpora (Strata.swift), so the Vectors binding never imports Files.
import Files
import Glibc
import SQLiteKit
import Vectors

public enum NpyCorpus {
    /// A file modified less than this many seconds before it was opened is packed for one query only: a
    /// second write within the file system's timestamp granularity could leave size and times unchanged
    /// (the "racy git" problem). Writes later than that always move mtime.
    static let settleSeconds = 2.0

    /// The opener knn_match uses for corpus arguments ending in `.npy`.
    public static func open(path: String) throws -> FileCorpus {
        let blocks: NpyRowBlocks
        do { blocks = try NpyRowBlocks(path: path) } catch { throw named(error, path) }
        let dtype = blocks.header.dtype
        guard dtype.type.isFloat else {
            throw SQLError("'\(path)' has dtype \(dtype.descr); knn_match reads float16, float32 and float64 arrays")
        }
        guard blocks.dimensions >= 1, blocks.dimensions <= Vector.maxDimensions else {
            throw SQLError("'\(path)' has rows of \(blocks.dimensions) dimensions (1 to \(Vector.maxDimensions) supported)")
        }
        guard blocks.rows <= CorpusMatrix.maxRows else {
            throw SQLError("'\(path)' has too many rows (more than \(CorpusMatrix.maxRows))")
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - blocks.file.modified
        return FileCorpus(source: NpyCorpusSource(blocks: blocks, path: path), stamp: blocks.file.stamp,
                          isSettled: age >= settleSeconds)
    }

    /// A core error as an SQL error that names the file (messages from opening already do).
    static func named(_ error: Error, _ path: String) -> SQLError {
        let m = sqlError(error).message
        return SQLError(m.hasPrefix("cannot") || m.contains("'\(path)'") ? m : "'\(path)': \(m)")
    }
}

/// The rows of a 2-D `.npy` file, converted to float32 a block at a time.
struct NpyCorpusSource: CorpusSource {
    let blocks: NpyRowBlocks
    let path: String

    /// Known from the header: a corpus too large for memory is refused before any row is read.
    var rowCountHint: Int? { blocks.rows }

    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        let d = blocks.dimensions
        do {
            try blocks.forEachBlock { first, count, values in
                for r in 0..<count {
                    try body(Int64(first &+ r), VectorView(unchecked: UnsafeRawPointer(values + r &* d), count: d))
                }
            }
        } catch let e as FilesError {
            throw NpyCorpus.named(e, path)
        }
    }
}
