// Lines of a `FileStream`, handed out as byte slices of an internal buffer (no per-line allocation):
// "\n" and "\r\n" ends, a last line without a newline, and lines up to `maxLineLength` bytes.
// Each line comes with its 1-based number and the byte offset where it starts (in the decompressed stream).
import Glibc

public struct Line {
    /// The line's bytes without its end-of-line. Valid until the next call to `next()`.
    public var bytes: UnsafeBufferPointer<UInt8>
    public var number: Int
    public var offset: Int64
}

public final class LineReader {
    /// Longer lines are an error rather than unbounded memory growth.
    public static let defaultMaxLineLength = 64 << 20

    public let stream: FileStream
    public let maxLineLength: Int
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0      // first unconsumed byte
    private var end = 0        // one past the last valid byte
    private var eof = false
    private var lineNumber = 0
    private var bufferOffset: Int64 = 0  // stream offset of buffer[0]

    public init(stream: FileStream, startingLine: Int = 0, startingOffset: Int64 = 0,
                maxLineLength: Int = LineReader.defaultMaxLineLength) {
        self.stream = stream
        self.maxLineLength = maxLineLength
        self.lineNumber = startingLine
        self.bufferOffset = startingOffset
        buffer = .allocate(byteCount: 1 << 18, alignment: 16)
    }

    public convenience init(path: String) throws(FileError) {
        self.init(stream: try FileStream(path: path))
    }

    deinit { buffer.deallocate() }

    /// The next line, or nil at the end of the file.
    public func next() throws(FileError) -> Line? {
        while true {
            if let nl = findNewline(from: start) {
                return emit(upTo: nl, consumed: nl + 1)
            }
            if eof {
                guard end > start else { return nil }
                return emit(upTo: end, consumed: end)
            }
            try fill()
        }
    }

    /// For a caller that reads many lines in one go (the JSON-lines fast path): `body` gets the bytes read but
    /// not yet returned as lines (a line's start first; the last line may be incomplete or missing its '\n'),
    /// their offset in the stream, and the number of the last line returned; it answers how many bytes and lines
    /// it consumed, which must be whole lines (the bytes ending just past a '\n'). Nothing is read from the
    /// stream here.
    public func consumeBuffered(_ body: (UnsafeBufferPointer<UInt8>, Int64, Int) -> (bytes: Int, lines: Int)) {
        guard end > start, let base = buffer.baseAddress else { return }
        let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
        let (used, lines) = body(bytes, bufferOffset + Int64(start), lineNumber)
        guard used > 0 else { return }
        start += min(used, end - start)
        lineNumber += lines
    }

    private func emit(upTo lineEnd: Int, consumed: Int) -> Line {
        var stop = lineEnd
        if stop > start, buffer[stop - 1] == 0x0D { stop -= 1 }
        let base = buffer.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + start }
        let line = Line(bytes: UnsafeBufferPointer(start: base, count: stop - start),
                        number: lineNumber + 1, offset: bufferOffset + Int64(start))
        lineNumber += 1
        start = consumed
        return line
    }

    private func findNewline(from i: Int) -> Int? {
        guard i < end, let base = buffer.baseAddress else { return nil }
        guard let p = memchr(base + i, 0x0A, end - i) else { return nil }
        return p - base
    }

    /// Moves unconsumed bytes to the front, grows the buffer for a long line, and reads more.
    private func fill() throws(FileError) {
        if start > 0 {
            if end > start, let b = buffer.baseAddress { memmove(b, b + start, end - start) }
            bufferOffset += Int64(start)
            end -= start
            start = 0
        }
        if end == buffer.count {
            guard buffer.count < maxLineLength else {
                throw FileError("line \(lineNumber + 1) of '\(stream.path)' is longer than \(maxLineLength) bytes")
            }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, maxLineLength),
                                                                alignment: 16)
            if let src = buffer.baseAddress, let dst = bigger.baseAddress { memcpy(dst, src, end) }
            buffer.deallocate()
            buffer = bigger
        }
        let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 { eof = true } else { end += n }
    }
}
