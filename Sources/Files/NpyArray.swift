// A NumPy array read without loading it: the header, and rows handed out as float32 (vectors) or scalars
// (1-D arrays), converted from any supported dtype, byte order and memory order. Plain `.npy` files and
// stored `.npz` members are read with positioned reads; deflated members are inflated as rows are read. No SQLite
// here: `read_npy` and `knn_match` both sit on this. Data is read through a window (see ReadableFile.swift),
// so memory stays small whatever the file size.
//
// Fortran order: a row is spread over the whole data (element (i, j) lies at j·n + i). From a file (or a
// stored member) rows are transposed a block at a time (`FortranRowBlocks`: one read per column slice of the
// block), so memory is one block whatever the size. A deflated member can only be read forward, so it is
// inflated once, straight into one buffer sized and checked against the memory budget (`MemoryBudget`): an
// array that does not fit is an error naming its size and the limit, never a trap or an OOM kill.
//
// Rows: the first axis. A 2-D (or higher) array has `rowCount = shape[0]` rows of `rowWidth` = product of
// the other axes values (flattened in C order, whatever the file's order). A 1-D array has one scalar per
// row; a 0-d array has one row.
import Glibc
import StrataCommon

/// Where an array's data bytes come from.
protocol NpyDataSource: AnyObject {
    /// `count` bytes at `offset` from the start of the data; valid until the next call. Sequential sources
    /// require offsets that never go back before the previous call's.
    func bytes(at offset: Int, count: Int) throws -> UnsafeRawPointer
    /// Copies `count` bytes at `offset` into `destination`, without holding them anywhere else on the way
    /// (a sequential source inflates straight into it). The same ordering rule as `bytes`.
    func copy(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws
    var isRandomAccess: Bool { get }
    /// Whether the data is in memory already (reading is a memcpy, not a system call).
    var isInMemory: Bool { get }
}

extension NpyDataSource {
    var isInMemory: Bool { false }
}

/// Data in memory that stays put (a buffer we own).
final class FixedData: NpyDataSource {
    let base: UnsafeRawPointer?
    let count: Int
    let owner: AnyObject?
    init(base: UnsafeRawPointer?, count: Int, owner: AnyObject?) { self.base = base; self.count = count; self.owner = owner }
    var isRandomAccess: Bool { true }
    var isInMemory: Bool { true }
    func bytes(at offset: Int, count n: Int) throws -> UnsafeRawPointer {
        guard let base, offset >= 0, n >= 0, offset <= count - n else {
            if n == 0 { return UnsafeRawPointer(emptyStorage) }
            throw FilesError("read past the end of the data")
        }
        return base + offset
    }
    func copy(at offset: Int, count n: Int, into destination: UnsafeMutableRawPointer) throws {
        destination.copyMemory(from: try bytes(at: offset, count: n), byteCount: n)
    }
}

/// An owned heap buffer whose allocation is checked against the memory budget and fails with an error.
final class HeapBuffer {
    let pointer: UnsafeMutableRawPointer
    let count: Int
    /// `what` names the buffer in the error (`reading it`).
    init(count: Int, for what: @autoclosure () -> String) throws {
        self.count = count
        do { pointer = try MemoryBudget.allocate(max(count, 1), for: what()) } catch { throw FilesError(error.message) }
    }
    deinit { free(pointer) }
}

private let emptyStorage = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)

/// One element of a 1-D array.
public enum NpyScalar: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    /// A string element (`<U`, or `S` bytes that are valid UTF-8), trailing NULs removed as NumPy does.
    case text(String)
    /// An `S` element that is not valid UTF-8, trailing NULs removed.
    case bytes([UInt8])
}

public final class NpyArray {
    public let header: NpyHeader
    let source: NpyDataSource
    /// Rows (first axis; 1 for a 0-d array).
    public let rowCount: Int
    /// Values per row (product of the other axes; 1 for 0-d and 1-D arrays).
    public let rowWidth: Int
    /// Where this array was read from, for messages (`x.npy`, `x.npz:emb.npy`).
    public let name: String
    /// Rows of a Fortran-ordered array (2-D or higher), a block at a time.
    private let fortranRows: FortranRowBlocks?

    /// Largest row (a SQLite BLOB cannot exceed 1 GB by default either).
    public static let maxRowBytes = 1 << 30

    /// Opens a `.npy` file. Throws `FilesError` (naming the reason, not the path) on a bad header, an
    /// unsupported dtype or truncated data.
    public convenience init(path: String) throws {
        let file = try ReadableFile(path: path)
        try self.init(file: file, origin: 0, length: file.size, name: path)
    }

    /// An array stored in `length` bytes of `file` from `origin` (a whole file, or a stored `.npz` member).
    convenience init(file: ReadableFile, origin: Int, length: Int, name: String) throws {
        let prefix = try file.bytes(at: origin, count: min(length, NpyHeader.prefixLength))
        let (_, _, dataOffset) = try prefix.withUnsafeBytes { try NpyHeader.headerLength($0) }
        guard dataOffset <= length else { throw FilesError("bad header: truncated (the file ends inside the header)") }
        let head = try file.bytes(at: origin, count: dataOffset)
        let h = try head.withUnsafeBytes { try NpyHeader.parse($0) }
        let available = length - h.dataOffset
        guard available >= h.dataByteCount else {
            throw FilesError("data is truncated: shape \(h.shapeText) of \(h.dtype.descr) needs \(h.dataByteCount) bytes, "
                             + "the file holds \(max(0, available)) after the header")
        }
        try self.init(header: h, source: FileWindowData(file: file, origin: origin + h.dataOffset, count: h.dataByteCount),
                      name: name)
    }

    init(header h: NpyHeader, source: NpyDataSource, name: String) throws {
        header = h
        self.name = name
        if h.shape.isEmpty {
            rowCount = 1
            rowWidth = 1
        } else {
            rowCount = h.shape[0]
            var w = 1
            for d in h.shape.dropFirst() {
                let (m, o) = w.multipliedReportingOverflow(by: d)
                guard !o, m <= Int(Int32.max) else { throw FilesError("bad header: rows of shape \(h.shapeText) are too large") }
                w = m
            }
            rowWidth = w
        }
        if h.dtype.type.isString, h.shape.count >= 2 {
            throw FilesError("string arrays of 2 or more dimensions are not supported (dtype '\(h.dtype.descr)', "
                             + "shape \(h.shapeText)); save ids as a 1-D array")
        }
        guard rowWidth <= NpyArray.maxRowBytes / max(h.dtype.itemSize, 1) else {
            throw FilesError("rows of shape \(h.shapeText) are too large (over \(NpyArray.maxRowBytes >> 20) MiB each)")
        }
        if h.fortranOrder, h.shape.count >= 2, rowCount > 0, rowWidth > 0 {
            if source.isRandomAccess {
                self.source = source
                fortranRows = try FortranRowBlocks(source: source, header: h, rows: rowCount, width: rowWidth)
            } else {
                // A compressed member reads forward only: inflate it once, straight into one buffer.
                let n = h.dataByteCount
                let buf: HeapBuffer
                do {
                    buf = try HeapBuffer(count: n, for: "reading it")
                } catch let e as FilesError {
                    throw FilesError("Fortran-ordered array of shape \(h.shapeText) of \(h.dtype.descr) is compressed, so it is "
                                     + "inflated whole: \(e.message) (or save it C-ordered: np.ascontiguousarray)")
                }
                try source.copy(at: 0, count: n, into: buf.pointer)
                let inMemory = FixedData(base: UnsafeRawPointer(buf.pointer), count: n, owner: buf)
                self.source = inMemory
                // Rows still come a block at a time: one block touches each page of the array once, where
                // row-by-row access would touch every page for every row.
                fortranRows = try FortranRowBlocks(source: inMemory, header: h, rows: rowCount, width: rowWidth)
            }
        } else {
            self.source = source
            fortranRows = nil
        }
    }

    public var dtype: NpyDType { header.dtype }
    public var shape: [Int] { header.shape }
    /// Whether any element can be read in any order (a `.npy` or stored member; a compressed member reads
    /// forward only).
    public var isRandomAccess: Bool { source.isRandomAccess }
    /// True for 2-D and higher arrays (rows are vectors); false for 0-d and 1-D (rows are scalars).
    public var hasVectorRows: Bool { header.shape.count >= 2 }
    public var rowByteCount: Int { rowWidth &* header.dtype.itemSize }

    /// Whether rows are stored exactly as our vectors are (little-endian float32, C order), so
    /// `float32RowBytes` hands them out without conversion.
    public var rowsAreFloat32: Bool {
        header.dtype.type == .float32 && !header.dtype.bigEndian && (!header.fortranOrder || header.shape.count < 2)
    }

    /// Row `i`'s bytes as little-endian float32 without conversion, when `rowsAreFloat32`; else nil.
    public func float32RowBytes(_ i: Int) throws -> UnsafeRawBufferPointer? {
        guard rowsAreFloat32, i >= 0, i < rowCount else { return nil }
        let n = rowByteCount
        return UnsafeRawBufferPointer(start: try source.bytes(at: i &* n, count: n), count: n)
    }

    /// Row `i` converted to float32, written to `out` (`rowWidth` values).
    public func readRow(_ i: Int, into out: UnsafeMutablePointer<Float>) throws {
        guard i >= 0, i < rowCount else { throw FilesError("row \(i) is out of range (\(rowCount) rows)") }
        let item = header.dtype.itemSize
        let w = rowWidth
        if !header.fortranOrder || header.shape.count < 2 {
            let p = try source.bytes(at: i &* w &* item, count: w &* item)
            convert(p, count: w, stride: item, dtype: header.dtype, into: out)
            return
        }
        // Fortran order (2-D or higher): rows are transposed a block at a time (none when rows are empty).
        try fortranRows?.readRow(i, into: out)
    }

    /// Element `i` of a 0-d or 1-D array.
    public func value(_ i: Int) throws -> NpyScalar {
        guard i >= 0, i < rowCount else { throw FilesError("row \(i) is out of range (\(rowCount) rows)") }
        let item = header.dtype.itemSize
        let p = try source.bytes(at: i &* item, count: item)
        return scalar(p, header.dtype)
    }
}

// MARK: - conversions

@inline(__always) private func load<T: FixedWidthInteger>(_ p: UnsafeRawPointer, _ t: T.Type, _ big: Bool) -> T {
    let v = p.loadUnaligned(as: T.self)
    return big ? T(bigEndian: v) : T(littleEndian: v)
}

/// Converts `count` elements at `p` (each `stride` bytes apart) to float32.
func convert(_ p: UnsafeRawPointer, count: Int, stride: Int, dtype: NpyDType, into out: UnsafeMutablePointer<Float>) {
    let big = dtype.bigEndian
    switch dtype.type {
    case .float32:
        for k in 0..<count { out[k] = Float(bitPattern: load(p + k &* stride, UInt32.self, big)) }
    case .float64:
        for k in 0..<count { out[k] = Float(Double(bitPattern: load(p + k &* stride, UInt64.self, big))) }
    case .float16:
        for k in 0..<count { out[k] = halfToFloat(load(p + k &* stride, UInt16.self, big)) }
    case .int8:
        for k in 0..<count { out[k] = Float(p.load(fromByteOffset: k &* stride, as: Int8.self)) }
    case .uint8, .bool:
        for k in 0..<count { out[k] = Float(p.load(fromByteOffset: k &* stride, as: UInt8.self)) }
    case .int16:
        for k in 0..<count { out[k] = Float(load(p + k &* stride, Int16.self, big)) }
    case .uint16:
        for k in 0..<count { out[k] = Float(load(p + k &* stride, UInt16.self, big)) }
    case .int32:
        for k in 0..<count { out[k] = Float(load(p + k &* stride, Int32.self, big)) }
    case .uint32:
        for k in 0..<count { out[k] = Float(load(p + k &* stride, UInt32.self, big)) }
    case .int64:
        for k in 0..<count { out[k] = Float(load(p + k &* stride, Int64.self, big)) }
    case .uint64:
        for k in 0..<count { out[k] = Float(load(p + k &* stride, UInt64.self, big)) }
    case .unicode, .bytes:
        // Never reached: string arrays have no vector rows and knn_match refuses non-float dtypes.
        for k in 0..<count { out[k] = 0 }
    }
}

func scalar(_ p: UnsafeRawPointer, _ dtype: NpyDType) -> NpyScalar {
    let big = dtype.bigEndian
    switch dtype.type {
    case .float32: return .real(Double(Float(bitPattern: load(p, UInt32.self, big))))
    case .float64: return .real(Double(bitPattern: load(p, UInt64.self, big)))
    case .float16: return .real(Double(halfToFloat(load(p, UInt16.self, big))))
    case .int8: return .integer(Int64(p.load(as: Int8.self)))
    case .uint8: return .integer(Int64(p.load(as: UInt8.self)))
    case .bool: return .integer(p.load(as: UInt8.self) != 0 ? 1 : 0)
    case .int16: return .integer(Int64(load(p, Int16.self, big)))
    case .uint16: return .integer(Int64(load(p, UInt16.self, big)))
    case .int32: return .integer(Int64(load(p, Int32.self, big)))
    case .uint32: return .integer(Int64(load(p, UInt32.self, big)))
    case .int64: return .integer(load(p, Int64.self, big))
    case .uint64:
        let v = load(p, UInt64.self, big)
        return Int64(exactly: v).map { .integer($0) } ?? .real(Double(v))
    case .unicode:
        // UTF-32 code units; NumPy drops trailing NULs. An invalid code point becomes U+FFFD.
        var n = dtype.itemSize / 4
        while n > 0, load(p + (n &- 1) &* 4, UInt32.self, big) == 0 { n &-= 1 }
        var s = String.UnicodeScalarView()
        for k in 0..<n { s.append(Unicode.Scalar(load(p + k &* 4, UInt32.self, big)) ?? "\u{FFFD}") }
        return .text(String(s))
    case .bytes:
        var n = dtype.itemSize
        while n > 0, p.load(fromByteOffset: n &- 1, as: UInt8.self) == 0 { n &-= 1 }
        let b = Array(UnsafeRawBufferPointer(start: p, count: n))
        if let t = String(validating: b, as: UTF8.self) { return .text(t) }
        return .bytes(b)
    }
}

/// IEEE 754 half → single, exactly (subnormals, infinities and NaNs included).
@inline(__always) func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F)
    let frac = UInt32(h & 0x03FF)
    if exp == 0 {
        // Zero or subnormal: frac * 2^-24.
        let v = Float(frac) * (1.0 / 16_777_216.0)
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (frac << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
}
