// A deflated zip member read forward through zlib as its rows are asked for: memory holds a window of a
// few megabytes (or one row, if larger), not the member. The CRC-32 is checked when the stream ends.
import CZlib
import Glibc

final class InflatedData: NpyDataSource {
    private let file: ReadableFile
    private var inputOffset: Int
    private let inputEnd: Int
    private let input: UnsafeMutableRawPointer
    private static let inputSize = 1 << 20
    private let stream: UnsafeMutablePointer<z_stream>
    private let name: String
    private let expectedSize: Int
    private let expectedCRC: UInt32
    private var crc: uLong = 0
    private var ended = false

    private var window: UnsafeMutableRawPointer
    private var capacity: Int
    /// Member offsets held in the window: `windowStart..<windowEnd`.
    private var windowStart = 0
    private var windowEnd = 0

    var isRandomAccess: Bool { false }

    /// The member whose compressed bytes lie at `range` of `file`.
    init(file: ReadableFile, range: Range<Int>, entry: ZipEntry) throws {
        self.file = file
        inputOffset = range.lowerBound
        inputEnd = range.upperBound
        input = .allocate(byteCount: InflatedData.inputSize, alignment: 16)
        name = entry.name
        expectedSize = entry.uncompressedSize
        expectedCRC = entry.crc32
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        capacity = 4 << 20
        window = .allocate(byteCount: capacity, alignment: 16)
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        let rc = inflateInit2_(stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            window.deallocate()
            input.deallocate()
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw FilesError("member '\(entry.name)': zlib could not start (\(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        window.deallocate()
        input.deallocate()
    }

    func bytes(at offset: Int, count: Int) throws -> UnsafeRawPointer {
        guard offset >= windowStart, count >= 0 else {
            throw FilesError("member '\(name)' is compressed and is read forward only")
        }
        if offset &+ count <= windowEnd { return UnsafeRawPointer(window + (offset - windowStart)) }
        // Drop what lies before `offset`, skipping forward through the stream if needed.
        if offset >= windowEnd {
            var skip = offset - windowEnd
            windowStart = windowEnd
            while skip > 0 {
                let n = try inflate(into: window, max: min(skip, capacity))
                guard n > 0 else { throw truncated() }
                skip -= n
                windowStart += n
            }
            windowEnd = windowStart
        } else {
            let keep = windowEnd - offset
            memmove(window, window + (offset - windowStart), keep)
            windowStart = offset
        }
        if count > capacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
            bigger.copyMemory(from: window, byteCount: windowEnd - windowStart)
            window.deallocate()
            window = bigger
            capacity = count
        }
        while windowEnd - windowStart < count {
            let used = windowEnd - windowStart
            let n = try inflate(into: window + used, max: capacity - used)
            guard n > 0 else { throw truncated() }
            windowEnd += n
        }
        return UnsafeRawPointer(window)
    }

    private func truncated() -> FilesError {
        FilesError("member '\(name)' is truncated (its compressed data ends early)")
    }

    /// Inflates up to `max` bytes into `out`; 0 at the end of the stream.
    private func inflate(into out: UnsafeMutableRawPointer, max: Int) throws -> Int {
        guard !ended, max > 0 else { return 0 }
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(clamping: max)
        let before = stream.pointee.total_out
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0, inputOffset < inputEnd {
                let n = min(inputEnd - inputOffset, InflatedData.inputSize)
                try file.read(at: inputOffset, into: UnsafeMutableRawBufferPointer(start: input, count: n))
                inputOffset += n
                stream.pointee.next_in = input.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
            }
            let rc = CZlib.inflate(stream, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                ended = true
                break
            }
            if rc == Z_BUF_ERROR, stream.pointee.avail_in == 0, inputOffset >= inputEnd { break }
            guard rc == Z_OK else {
                let msg = stream.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw FilesError("member '\(name)': corrupt deflate data (\(msg))")
            }
        }
        let n = Int(stream.pointee.total_out - before)
        if n > 0 { crc = crc32(crc, out.assumingMemoryBound(to: Bytef.self), uInt(n)) }
        if ended {
            guard Int(stream.pointee.total_out) == expectedSize else {
                throw FilesError("member '\(name)' inflates to \(stream.pointee.total_out) bytes, the archive says \(expectedSize)")
            }
            guard UInt32(truncatingIfNeeded: crc) == expectedCRC else {
                throw FilesError("member '\(name)' fails its CRC-32 check (corrupt archive)")
            }
        }
        return n
    }
}

/// A view of another source shifted by `origin` bytes (the data after a member's `.npy` header).
final class ShiftedData: NpyDataSource {
    let base: NpyDataSource
    let origin: Int
    init(_ base: NpyDataSource, origin: Int) { self.base = base; self.origin = origin }
    var isRandomAccess: Bool { base.isRandomAccess }
    func bytes(at offset: Int, count: Int) throws -> UnsafeRawPointer {
        try base.bytes(at: origin &+ offset, count: count)
    }
}
