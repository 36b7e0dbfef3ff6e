// A deflated zip member read forward through zlib as its rows are asked for: memory holds a window of a
// few megabytes (or one row, if larger), not the member; `copy` inflates straight into the caller's buffer
// (a Fortran-ordered member read whole) without passing through the window. zlib is fed at most `chunk`
// bytes of output per call and the statement's interruption is checked between calls, so a 2 MB archive
// that inflates to gigabytes stops promptly. The CRC-32 is checked when the stream ends.
import CZlib
import Glibc
import StrataCommon

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

    /// Output bytes inflated per zlib call (an interruption is noticed between calls).
    static let chunk = 4 << 20

    /// The member whose compressed bytes lie at `range` of `file`.
    init(file: ReadableFile, range: Range<Int>, entry: ZipEntry) throws {
        self.file = file
        inputOffset = range.lowerBound
        inputEnd = range.upperBound
        name = entry.name
        expectedSize = entry.uncompressedSize
        expectedCRC = entry.crc32
        capacity = 4 << 20
        guard let input = malloc(InflatedData.inputSize) else {
            throw FilesError("member '\(entry.name)': out of memory for the inflate buffers")
        }
        guard let window = malloc(capacity) else {
            free(input)
            throw FilesError("member '\(entry.name)': out of memory for the inflate buffers")
        }
        self.input = input
        self.window = window
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        let rc = inflateInit2_(stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            free(window)
            free(input)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw FilesError("member '\(entry.name)': zlib could not start (\(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        free(window)
        free(input)
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
                let n = try inflate(into: window, max: min(skip, capacity, InflatedData.chunk))
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
            let bigger: UnsafeMutableRawPointer
            do {
                bigger = try MemoryBudget.allocate(count, alignment: 16, for: "a row of member '\(name)'")
            } catch {
                throw FilesError(error.message)
            }
            bigger.copyMemory(from: window, byteCount: windowEnd - windowStart)
            free(window)
            window = bigger
            capacity = count
        }
        while windowEnd - windowStart < count {
            let used = windowEnd - windowStart
            let n = try inflate(into: window + used, max: min(capacity - used, InflatedData.chunk))
            guard n > 0 else { throw truncated() }
            windowEnd += n
        }
        return UnsafeRawPointer(window)
    }

    func copy(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws {
        guard offset >= windowStart, count >= 0 else {
            throw FilesError("member '\(name)' is compressed and is read forward only")
        }
        var done = 0
        if offset < windowEnd {
            // Whatever the window already holds; the window stays valid when it holds all of it.
            let n = min(count, windowEnd - offset)
            destination.copyMemory(from: window + (offset - windowStart), byteCount: n)
            if n == count { return }
            done = n
        } else {
            // Skip forward to `offset` (the stream then stands at `offset`, the window empty).
            _ = try bytes(at: offset, count: 0)
        }
        // The rest straight from zlib into place; the stream stood at `windowEnd` = offset + done.
        while done < count {
            let n = try inflate(into: destination + done, max: min(count - done, InflatedData.chunk))
            guard n > 0 else { throw truncated() }
            done += n
        }
        windowStart = offset + count
        windowEnd = windowStart
    }

    private func truncated() -> FilesError {
        FilesError("member '\(name)' is truncated (its compressed data ends early)")
    }

    /// Inflates up to `max` bytes into `out`; 0 at the end of the stream.
    private func inflate(into out: UnsafeMutableRawPointer, max: Int) throws -> Int {
        guard !ended, max > 0 else { return 0 }
        if Interruption.isRequested() { throw FilesError(Interruption.message) }
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
    func copy(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) throws {
        try base.copy(at: origin &+ offset, count: count, into: destination)
    }
}
