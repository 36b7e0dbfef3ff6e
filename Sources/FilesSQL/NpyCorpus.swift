// knn_match over NumPy files: opens a 2-D float array — a `.npy` file, or a member of an `.npz` archive
// written `'run.npz:embeddings'` — as a Vectors `CorpusSource` (rows identified by their 0-based index,
// read_npy's `i`) with the file's stamp; a 1-D float array as one vector (a query saved with `np.save(f, q)`);
// and the companion array of ids (`ids=np.array(["doc_1", …])`) that knn_match's `ids` argument names. The
// extension's registration hands `open` to knn_match as the opener for `.npy` and `.npz` arguments
// (Strata.swift), so the Vectors binding never imports Files.
import Files
import Glibc
import SQLiteKit
import Vectors

public enum NpyCorpus {
    /// A file modified less than this many seconds before it was opened is packed for one query only: a
    /// second write within the file system's timestamp granularity could leave size and times unchanged
    /// (the "racy git" problem). Writes later than that always move mtime.
    static let settleSeconds = 2.0

    /// The opener knn_match uses for corpus and query arguments naming a `.npy` file or an `.npz` archive
    /// (`'run.npz'` when it holds one 2-D float array, else `'run.npz:member'`).
    public static func open(path spec: String) throws -> FileCorpus {
        if let (archivePath, member) = archiveSpec(spec) { return try openMember(spec, archivePath, member) }
        let path = spec
        // The header first: a 1-D array is one vector (a query), read whole.
        let array: NpyArray
        do { array = try NpyArray(path: path) } catch { throw named(error, path) }
        if array.shape.count == 1 {
            let file = try ReadableFile(path: path)
            return FileCorpus(source: try vectorSource(array, spec), stamp: file.stamp, isSettled: settled(file.modified),
                              singleVectorShape: array.header.shapeText, openIDs: { try openKeys($0, archive: nil) })
        }
        let blocks: NpyRowBlocks
        do { blocks = try NpyRowBlocks(path: path) } catch { throw named(error, path) }
        try check(blocks.header.dtype, rows: blocks.rows, dimensions: blocks.dimensions, spec)
        return FileCorpus(source: NpyCorpusSource(blocks: blocks, path: path), stamp: blocks.file.stamp,
                          isSettled: settled(blocks.file.modified), openIDs: { try openKeys($0, archive: nil) })
    }

    /// `archive.npz` or `archive.npz:member` (the extension in any case; the last `.npz:` splits, so a member
    /// name may hold colons and a folder name may hold `.npz`). Nil when `spec` names no archive.
    static func archiveSpec(_ spec: String) -> (path: String, member: String?)? {
        let b = Array(spec.utf8)
        let lower = b.map { $0 >= 65 && $0 <= 90 ? $0 &+ 32 : $0 }
        let ext = Array(".npz".utf8)
        if lower.count > ext.count, Array(lower.suffix(ext.count)) == ext { return (spec, nil) }
        let marker = ext + [UInt8(ascii: ":")]
        guard lower.count > marker.count else { return nil }
        var i = lower.count &- marker.count
        while i >= 1 {
            if Array(lower[i..<(i &+ marker.count)]) == marker {
                let path = String(decoding: b[..<(i &+ ext.count)], as: UTF8.self)
                let member = String(decoding: b[(i &+ marker.count)...], as: UTF8.self)
                return (path, member.isEmpty ? nil : member)
            }
            i &-= 1
        }
        return nil
    }

    /// A member of an archive: the one named, or the only 2-D float array there is.
    static func openMember(_ spec: String, _ path: String, _ member: String?) throws -> FileCorpus {
        let archive: NpzArchive
        do { archive = try NpzArchive(path: path) } catch { throw named(error, path) }
        let index: Int
        if let member {
            guard let k = archive.index(of: member) else {
                throw SQLError("'\(path)' has no array '\(member)' (arrays: \(archive.arrayNames.joined(separator: ", ")))")
            }
            index = k
        } else {
            // Headers only: a compressed member is not inflated past its header here.
            let matrices = archive.entries.indices.filter { k in
                guard let a = try? archive.array(at: k) else { return false }
                return a.shape.count == 2 && a.dtype.type.isFloat
            }
            guard matrices.count == 1 else {
                throw SQLError("'\(path)' holds \(matrices.isEmpty ? "no" : "several") 2-D float arrays (arrays: "
                               + "\(archive.arrayNames.joined(separator: ", "))); name one: '\(path):"
                               + "\(matrices.first.map { NpzArchive.arrayName(archive.entries[$0].name) } ?? "name")'")
            }
            index = matrices[0]
        }
        let array: NpyArray
        do { array = try archive.array(at: index) } catch { throw named(error, path) }
        let openIDs: (String) throws -> CorpusKeys = { try openKeys($0, archive: archive) }
        let isSettled = settled(archive.modified)
        switch array.shape.count {
        case 1:
            return FileCorpus(source: try vectorSource(array, spec), stamp: archive.stamp, isSettled: isSettled,
                              singleVectorShape: array.header.shapeText, openIDs: openIDs)
        case 2:
            try check(array.dtype, rows: array.rowCount, dimensions: array.rowWidth, spec)
            return FileCorpus(source: NpyArrayRows(array: array, spec: spec), stamp: archive.stamp,
                              isSettled: isSettled, openIDs: openIDs)
        default:
            throw SQLError("'\(spec)': needs a 2-D array (rows × dimensions), got shape \(array.header.shapeText)")
        }
    }

    static func check(_ dtype: NpyDType, rows: Int, dimensions: Int, _ spec: String) throws {
        guard dtype.type.isFloat else {
            throw SQLError("'\(spec)' has dtype \(dtype.descr); knn_match reads float16, float32 and float64 arrays")
        }
        guard dimensions >= 1, dimensions <= Vector.maxDimensions else {
            throw SQLError("'\(spec)' has rows of \(dimensions) dimensions (1 to \(Vector.maxDimensions) supported)")
        }
        guard rows <= CorpusMatrix.maxRows else {
            throw SQLError("'\(spec)' has too many rows (more than \(CorpusMatrix.maxRows))")
        }
    }

    /// A 1-D float array as one vector (row 0).
    /// A problem is thrown when the vector is read, so that a corpus argument naming a 1-D array of any dtype
    /// is refused for its shape first.
    static func vectorSource(_ array: NpyArray, _ spec: String) throws -> CorpusSource {
        do { try check(array.dtype, rows: 1, dimensions: array.rowCount, spec) } catch { return FailingSource(error: error) }
        var values = [Float](repeating: 0, count: array.rowCount)
        do {
            try values.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                for i in 0..<out.count { try array.readRow(i, into: base + i) }
            }
        } catch { throw named(error, spec) }
        return InMemoryCorpus(ids: [0], vectors: [values])
    }

    static func settled(_ modified: Double) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - modified >= settleSeconds
    }

    /// The array `name` names as ids: a member of `archive` (the corpus's own archive), or another file
    /// (`ids.npy`, `other.npz:ids`). It must be 1-D; strings come back as text, integers as integers.
    static func openKeys(_ name: String, archive: NpzArchive?) throws -> CorpusKeys {
        let array: NpyArray
        let label: String
        do {
            if let (path, member) = archiveSpec(name) {
                let other = try NpzArchive(path: path)
                guard let member, let k = other.index(of: member) else {
                    throw SQLError("ids: '\(path)' has no array '\(member ?? "")'; name one: '\(path):name' "
                                   + "(arrays: \(other.arrayNames.joined(separator: ", ")))")
                }
                array = try other.array(at: k)
                label = "'\(name)'"
            } else if name.lowercased().hasSuffix(".npy") {
                array = try NpyArray(path: name)
                label = "'\(name)'"
            } else if let archive {
                guard let k = archive.index(of: name) else {
                    throw SQLError("ids: '\(archive.path)' has no array '\(name)' (arrays: \(archive.arrayNames.joined(separator: ", ")))")
                }
                array = try archive.array(at: k)
                label = "'\(archive.path):\(name)'"
            } else {
                throw SQLError("ids for a .npy corpus must name a .npy file or an .npz member ('ids.npy', "
                               + "'run.npz:ids'), got '\(name)'")
            }
        } catch let e as SQLError { throw e } catch { throw named(error, name) }
        guard array.shape.count == 1 else {
            throw SQLError("ids \(label) must be a 1-D array, got shape \(array.header.shapeText)")
        }
        func key(_ s: NpyScalar) -> CorpusKey {
            switch s {
            case .integer(let v): return .integer(v)
            case .real(let v): return .real(v)
            case .text(let v): return .text(v)
            case .bytes(let v): return .blob(v)
            }
        }
        if array.isRandomAccess {
            return CorpusKeys(count: array.rowCount, name: label) { i in
                do { return key(try array.value(i)) } catch { throw named(error, name) }
            }
        }
        // A compressed member reads forward only: its ids are read once, in order.
        var all: [CorpusKey] = []
        all.reserveCapacity(array.rowCount)
        do { for i in 0..<array.rowCount { all.append(key(try array.value(i))) } } catch { throw named(error, name) }
        return CorpusKeys(count: all.count, name: label) { i in
            guard i >= 0, i < all.count else { throw SQLError("ids \(label): row \(i) is out of range") }
            return all[i]
        }
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

/// The rows of a 2-D array read row by row (an `.npz` member, stored or inflated as it is read), converted
/// to float32 into one row buffer.
struct NpyArrayRows: CorpusSource {
    let array: NpyArray
    let spec: String

    var rowCountHint: Int? { array.rowCount }

    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws {
        let d = array.rowWidth
        var row = [Float](repeating: 0, count: d)
        try row.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            for i in 0..<array.rowCount {
                do { try array.readRow(i, into: base) } catch let e as FilesError { throw NpyCorpus.named(e, spec) }
                try body(Int64(i), VectorView(unchecked: UnsafeRawPointer(base), count: d))
            }
        }
    }
}

/// A source that fails when read (see `NpyCorpus.vectorSource`).
struct FailingSource: CorpusSource {
    let error: Error
    func forEachRow(_ body: (Int64, VectorView?) throws -> Void) throws { throw error }
}
