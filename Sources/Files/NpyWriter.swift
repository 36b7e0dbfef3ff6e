// Writes a `.npy` file (format 1.0, as `np.save` does) from rows that arrive one at a time: float32 vectors
// (a 2-D `<f4` array, one row per vector) or scalars (a 1-D `<f8` or `<i8` array). The row count is only
// known at the end, so a fixed-size header is written first and rewritten by `finish()`. The way results
// leave Strata for NumPy; the CLI's `.mode npy` sits on it.
import Glibc

public final class NpyWriter {
    public enum Kind: Sendable {
        /// 2-D float32: each row a vector of the same length.
        case float32Rows
        /// 1-D float64.
        case float64Values
        /// 1-D int64.
        case int64Values
    }

    /// Header size including the magic: room for any shape, a multiple of 64 as NumPy aligns it.
    public static let headerSize = 128

    public let path: String
    public let kind: Kind
    public private(set) var rowCount = 0
    /// Values per row of a `float32Rows` file (fixed by the first row).
    public private(set) var rowWidth: Int?
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var finished = false

    /// Creates (or truncates) `path`. `rowWidth` may be given up front (it is checked then); otherwise the
    /// first row fixes it.
    public init(path: String, kind: Kind, rowWidth: Int? = nil) throws {
        self.path = path
        self.kind = kind
        self.rowWidth = rowWidth
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FilesError(systemMessage("create", path)) }
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: NpyWriter.header(descr: descr, shape: shape))
    }

    deinit { if fd >= 0 { close(fd) } }

    private var descr: String {
        switch kind {
        case .float32Rows: return "<f4"
        case .float64Values: return "<f8"
        case .int64Values: return "<i8"
        }
    }

    private var shape: [Int] { kind == .float32Rows ? [rowCount, rowWidth ?? 0] : [rowCount] }

    /// The header bytes for `descr` and `shape`, padded to `headerSize` (or the next multiple of 64).
    public static func header(descr: String, shape: [Int], fortranOrder: Bool = false) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var dict = Array("{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': (\(dims)), }".utf8)
        var total = 10 + dict.count + 1
        let target = total <= headerSize ? headerSize : (total + 63) / 64 * 64
        dict.append(contentsOf: [UInt8](repeating: 0x20, count: target - total))
        dict.append(0x0A)
        total = 10 + dict.count
        let len = dict.count
        return NpyHeader.magic + [1, 0, UInt8(len & 0xFF), UInt8(len >> 8)] + dict
    }

    /// Appends one vector (a `float32Rows` file).
    public func append(row: UnsafeBufferPointer<Float>) throws {
        guard kind == .float32Rows else { throw FilesError("this .npy holds scalars, not vectors") }
        if let w = rowWidth {
            guard row.count == w else {
                throw FilesError("row \(rowCount + 1) has \(row.count) values, earlier rows have \(w)")
            }
        } else {
            rowWidth = row.count
        }
        for v in row {
            let bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { buffer.append(contentsOf: $0) }
        }
        rowCount += 1
        try flushIfFull()
    }

    /// Appends one vector given as little-endian float32 bytes (a vector BLOB).
    public func append(rowBytes: UnsafeRawBufferPointer) throws {
        guard rowBytes.count % 4 == 0 else { throw FilesError("row \(rowCount + 1) is not a float32 vector (\(rowBytes.count) bytes)") }
        let n = rowBytes.count / 4
        var values = [Float](repeating: 0, count: n)
        for k in 0..<n {
            values[k] = Float(bitPattern: UInt32(littleEndian: rowBytes.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
        }
        try values.withUnsafeBufferPointer { try append(row: $0) }
    }

    public func append(value: Double) throws {
        switch kind {
        case .float64Values:
            withUnsafeBytes(of: value.bitPattern.littleEndian) { buffer.append(contentsOf: $0) }
        case .int64Values:
            guard let i = Int64(exactly: value) else { throw FilesError("value \(value) of row \(rowCount + 1) is not an integer") }
            withUnsafeBytes(of: i.littleEndian) { buffer.append(contentsOf: $0) }
        case .float32Rows:
            throw FilesError("this .npy holds vectors, not scalars")
        }
        rowCount += 1
        try flushIfFull()
    }

    public func append(value: Int64) throws {
        if kind == .float64Values { return try append(value: Double(value)) }
        guard kind == .int64Values else { throw FilesError("this .npy holds vectors, not scalars") }
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
        rowCount += 1
        try flushIfFull()
    }

    /// Writes the remaining rows and the final header, and closes the file.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try flush()
        let h = NpyWriter.header(descr: descr, shape: shape)
        guard h.count == NpyWriter.headerSize else { throw FilesError("shape too large for the header") }
        try h.withUnsafeBytes { b in
            guard pwrite(fd, b.baseAddress, b.count, 0) == b.count else { throw FilesError(systemMessage("write", path)) }
        }
        guard close(fd) == 0 else {
            fd = -1
            throw FilesError(systemMessage("close", path))
        }
        fd = -1
    }

    private func flushIfFull() throws { if buffer.count >= 1 << 20 { try flush() } }

    private func flush() throws {
        var done = 0
        try buffer.withUnsafeBytes { b in
            while done < b.count {
                let n = write(fd, b.baseAddress.map { $0 + done }, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FilesError(systemMessage("write", path))
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
