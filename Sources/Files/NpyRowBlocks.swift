// A 2-D `.npy` file's rows converted to float32 a bounded block at a time, in C or Fortran order: for
// consumers that copy the whole matrix somewhere else (knn_match packs a `.npy` corpus), so the file is read
// once, sequentially, with memory of one block whatever its size (Fortran order included: see
// FortranRowBlocks.swift). Positioned reads, no mapping (see ReadableFile.swift).
import Glibc
import StrataCommon

public final class NpyRowBlocks {
    public let file: ReadableFile
    public let header: NpyHeader
    /// Rows (first axis) and values per row (second axis).
    public let rows: Int
    public let dimensions: Int

    /// Opens `path` and checks its header: a 2-D array (else `FilesError` naming the shape) whose data the
    /// file holds in full.
    public init(path: String) throws {
        file = try ReadableFile(path: path)
        let prefix = try file.bytes(at: 0, count: min(file.size, NpyHeader.prefixLength))
        let (_, _, dataOffset) = try prefix.withUnsafeBytes { try NpyHeader.headerLength($0) }
        guard dataOffset <= file.size else { throw FilesError("bad header: truncated (the file ends inside the header)") }
        let head = try file.bytes(at: 0, count: dataOffset)
        let h = try head.withUnsafeBytes { try NpyHeader.parse($0) }
        guard h.shape.count == 2 else {
            throw FilesError("needs a 2-D array (rows × dimensions), got shape \(h.shapeText)")
        }
        let available = file.size - h.dataOffset
        guard available >= h.dataByteCount else {
            throw FilesError("data is truncated: shape \(h.shapeText) of \(h.dtype.descr) needs \(h.dataByteCount) bytes, "
                             + "the file holds \(max(0, available)) after the header")
        }
        header = h
        rows = h.shape[0]
        dimensions = h.shape[1]
    }

    /// Calls `body` with consecutive blocks of rows, `count` rows × `dimensions` float32 values from row
    /// `first`, each block at most about `maxBytes` (one row when a row is larger). The values are valid only
    /// during the call. Buffers are checked against the memory budget; failures are `FilesError`s.
    public func forEachBlock(maxBytes: Int = 4 << 20,
                             _ body: (_ first: Int, _ count: Int, _ values: UnsafePointer<Float>) throws -> Void) throws {
        let n = rows, d = dimensions
        guard n > 0, d > 0 else { return }
        let origin = header.dataOffset
        if header.fortranOrder {
            // Element (i, j) lies at (j·n + i)·item: a block is one slice per column, transposed on the way.
            let data = try FileWindowData(file: file, origin: origin, count: header.dataByteCount)
            let blocks = try FortranRowBlocks(source: data, header: header, rows: n, width: d, blockBytes: maxBytes)
            var first = 0
            while first < n {
                let (_, count, values) = try blocks.load(from: first)
                try body(first, count, values)
                first &+= count
            }
            return
        }
        let item = header.dtype.itemSize
        // Overflow-free: n × d × item is the data size the header parser computed without overflow.
        let perBlock = min(n, max(1, maxBytes / (d &* 4)))
        let what = "a block of \(perBlock) rows of shape \(header.shapeText)"
        let direct = header.dtype.type == .float32 && !header.dtype.bigEndian
        let floats: UnsafeMutableRawPointer
        do { floats = try MemoryBudget.allocate(perBlock &* d &* 4, for: what) } catch { throw FilesError(error.message) }
        defer { free(floats) }
        // Raw file bytes of one block, converted to float32 afterwards.
        let raw: UnsafeMutableRawPointer
        do { raw = try MemoryBudget.allocate(direct ? 1 : perBlock &* d &* item, for: what) } catch { throw FilesError(error.message) }
        defer { free(raw) }
        let values = floats.bindMemory(to: Float.self, capacity: perBlock &* d)

        var first = 0
        while first < n {
            let count = min(perBlock, n &- first)
            if direct {
                try file.read(at: origin &+ first &* d &* 4,
                              into: UnsafeMutableRawBufferPointer(start: floats, count: count &* d &* 4))
            } else {
                let bytes = count &* d &* item
                try file.read(at: origin &+ first &* d &* item, into: UnsafeMutableRawBufferPointer(start: raw, count: bytes))
                convert(raw, count: count &* d, stride: item, dtype: header.dtype, into: values)
            }
            try body(first, count, values)
            first &+= count
        }
    }
}
