// Rows of a Fortran-ordered array (2-D or higher), transposed a block of rows at a time from a source that
// can be read anywhere (a file, a stored `.npz` member). In Fortran order element (i, j) lies at j·n + i, so
// a block of rows is one slice per column; slices of neighbouring columns are read together when little lies
// between them. Memory is one block (about `blockBytes`, or one row when a row is larger) whatever the array's size:
// no copy of the whole array is ever made.
import Glibc
import StrataCommon

final class FortranRowBlocks {
    let source: NpyDataSource
    let dtype: NpyDType
    /// Rows (the first axis) and values per row (the product of the other axes).
    let rows: Int
    let width: Int
    /// The axes after the first (their Fortran flattening is not C's when there are two or more).
    private let trailing: [Int]
    /// Rows per block.
    let blockRows: Int
    private let block: UnsafeMutablePointer<Float>
    private let raw: UnsafeMutableRawPointer
    private let column: UnsafeMutablePointer<Float>
    /// Columns read with one positioned read (1 unless columns are short).
    private let columnsPerRead: Int
    /// The rows the block holds: `first ..< first + count`.
    private(set) var first = 0
    private(set) var count = 0

    /// At most this much is read at once when slices are grouped, and at most `maxGap` bytes between slices.
    static let groupBytes = 1 << 20
    static let maxGap = 16 << 10

    init(source: NpyDataSource, header h: NpyHeader, rows: Int, width: Int, blockBytes: Int = 4 << 20) throws {
        self.source = source
        dtype = h.dtype
        self.rows = rows
        self.width = width
        trailing = Array(h.shape.dropFirst())
        let item = h.dtype.itemSize
        // Overflow-free: rows × width × item is the data size the header parser computed without overflow,
        // and a row is at most `NpyArray.maxRowBytes`.
        let rowBytes = width &* 4
        blockRows = max(1, min(rows, blockBytes / max(rowBytes, 1)))
        let columnBytes = rows &* item
        // Neighbouring columns' slices are read together when little lies between them (a read costs about
        // as much as copying this many bytes); from memory, slices are copied one by one.
        let gap = (rows &- blockRows) &* item
        columnsPerRead = source.isInMemory || gap > FortranRowBlocks.maxGap
            ? 1 : max(1, min(width, FortranRowBlocks.groupBytes / max(columnBytes, 1)))
        let rawBytes = max(blockRows &* item, (columnsPerRead &- 1) &* columnBytes &+ blockRows &* item)
        let what = "a block of \(blockRows) rows of the Fortran-ordered array of shape \(h.shapeText)"
        func allocate(_ bytes: Int) throws -> UnsafeMutableRawPointer {
            do { return try MemoryBudget.allocate(bytes, for: what) } catch { throw FilesError(error.message) }
        }
        let b = try allocate(blockRows &* rowBytes)
        let r: UnsafeMutableRawPointer, c: UnsafeMutableRawPointer
        do { r = try allocate(rawBytes) } catch { free(b); throw error }
        do { c = try allocate(blockRows &* 4) } catch { free(b); free(r); throw error }
        block = b.bindMemory(to: Float.self, capacity: blockRows &* width)
        raw = r
        column = c.bindMemory(to: Float.self, capacity: blockRows)
    }

    deinit {
        free(block)
        free(raw)
        free(column)
    }

    /// Row `i` (in range) as float32 in C order, into `out` (`width` values).
    func readRow(_ i: Int, into out: UnsafeMutablePointer<Float>) throws {
        if i < first || i >= first &+ count { try load(from: i / blockRows &* blockRows) }
        out.update(from: block + (i &- first) &* width, count: width)
    }

    /// Loads rows `start ..< start + blockRows` (fewer at the end) and returns them: `count` rows of `width`
    /// float32 values, row-major, valid until the next load.
    @discardableResult
    func load(from start: Int) throws -> (first: Int, count: Int, values: UnsafePointer<Float>) {
        let n = rows, w = width
        let item = dtype.itemSize
        let r = min(blockRows, n &- start)
        guard start >= 0, r > 0 else { throw FilesError("row \(start) is out of range (\(n) rows)") }
        count = 0
        // Fortran multi-index over the trailing axes (first axis fastest) and the C position it maps to.
        var idx = [Int](repeating: 0, count: trailing.count)
        var cStride = [Int](repeating: 1, count: trailing.count)
        if trailing.count >= 2 {
            for a in stride(from: trailing.count &- 2, through: 0, by: -1) { cStride[a] = cStride[a &+ 1] &* trailing[a &+ 1] }
        }
        var position = 0
        var c = 0
        while c < w {
            let group = min(columnsPerRead, w &- c)
            // Columns c ..< c + group: their slices lie `n` elements apart in one read.
            let offset = (c &* n &+ start) &* item
            let length = ((group &- 1) &* n &+ r) &* item
            try source.copy(at: offset, count: length, into: raw)
            for g in 0..<group {
                convert(raw + g &* n &* item, count: r, stride: item, dtype: dtype, into: column)
                let dst = block + position
                for k in 0..<r { dst[k &* w] = column[k] }
                // Next Fortran column: advance the multi-index, first trailing axis fastest.
                if trailing.count < 2 {
                    position &+= 1
                } else {
                    var a = 0
                    while a < trailing.count {
                        idx[a] &+= 1
                        position &+= cStride[a]
                        if idx[a] < trailing[a] { break }
                        position &-= idx[a] &* cStride[a]
                        idx[a] = 0
                        a &+= 1
                    }
                }
            }
            c &+= group
        }
        first = start
        count = r
        return (start, r, UnsafePointer(block))
    }
}
