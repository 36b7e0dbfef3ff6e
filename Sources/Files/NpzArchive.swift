// A NumPy `.npz` archive (`np.savez`, `np.savez_compressed`): a zip of `.npy` members. The archive is
// read with positioned reads; a stored member is an `NpyArray` over its byte range, a deflated one is
// inflated as it is read.

public final class NpzArchive {
    public let path: String
    public let entries: [ZipEntry]
    private let file: ReadableFile

    public init(path: String) throws {
        self.path = path
        file = try ReadableFile(path: path)
        entries = try ZipDirectory.entries(file)
    }

    /// The archive file's stamp and mtime when opened (see `ReadableFile`): a packed member is reused under an
    /// equal stamp.
    public var stamp: [Int64] { file.stamp }
    public var modified: Double { file.modified }

    /// Array names as `np.load(...).files` lists them (member names without `.npy`).
    public var arrayNames: [String] { entries.map { NpzArchive.arrayName($0.name) } }

    public static func arrayName(_ member: String) -> String {
        member.hasSuffix(".npy") ? String(member.dropLast(4)) : member
    }

    /// The index of the member holding array `name` (with or without `.npy`).
    public func index(of name: String) -> Int? {
        entries.firstIndex { $0.name == name || NpzArchive.arrayName($0.name) == name }
    }

    /// Opens member `index` as an array.
    public func array(at index: Int) throws -> NpyArray {
        guard index >= 0, index < entries.count else { throw FilesError("no member \(index)") }
        let e = entries[index]
        let label = "\(path):\(e.name)"
        guard e.flags & 1 == 0 else { throw FilesError("member '\(e.name)' is encrypted") }
        do {
            let range = try ZipDirectory.dataRange(e, in: file)
            switch e.method {
            case 0:
                return try NpyArray(file: file, origin: range.lowerBound, length: range.count, name: label)
            case 8:
                let source = try InflatedData(file: file, range: range, entry: e)
                let prefix = try source.bytes(at: 0, count: min(NpyHeader.prefixLength, e.uncompressedSize))
                let (_, _, dataOffset) = try NpyHeader.headerLength(
                    UnsafeRawBufferPointer(start: prefix, count: min(NpyHeader.prefixLength, e.uncompressedSize)))
                guard dataOffset <= e.uncompressedSize else { throw FilesError("bad header: truncated") }
                let head = try source.bytes(at: 0, count: dataOffset)
                let h = try NpyHeader.parse(UnsafeRawBufferPointer(start: head, count: dataOffset))
                guard e.uncompressedSize - dataOffset >= h.dataByteCount else {
                    throw FilesError("data is truncated: shape \(h.shapeText) of \(h.dtype.descr) needs \(h.dataByteCount) bytes, "
                                     + "the member holds \(e.uncompressedSize - dataOffset) after the header")
                }
                return try NpyArray(header: h, source: ShiftedData(source, origin: dataOffset), name: label)
            default:
                throw FilesError("member '\(e.name)' uses zip compression method \(e.method) (only stored and deflate are supported)")
            }
        } catch let err as FilesError {
            if err.message.hasPrefix("member '") { throw err }
            throw FilesError("member '\(e.name)': \(err.message)")
        }
    }
}
