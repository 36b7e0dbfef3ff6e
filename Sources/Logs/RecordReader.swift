// Splits a file into records: a line the format reads as a head starts a record, and every following line that
// does not (a traceback, a wrapped message) is one of its continuation lines. Records are handed out as byte
// slices of one buffer (no copy, no per-record allocation); the next record's head is parsed while looking for
// where the current one ends, and kept, so each line is parsed once. Memory is one buffer: 1 MB, growing only
// for a longer record, up to `maxRecordBytes` (a longer run of continuation lines is cut into headless records).
import Glibc
import StrataCommon

public final class RecordReader {
    public let stream: FileStream
    public var parser: LineParser?
    public let maxRecordBytes: Int

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var eof = false
    /// Stream offset of buffer[0].
    private var bufferOffset: Int64 = 0
    /// Lines consumed since the last seek (or the start).
    private var linesConsumed = 0

    /// The line at `start` was parsed already: `pendingIsHead` tells whether it is a head (kept in `pending`).
    private var pendingValid = false
    private var pendingIsHead = false
    private var pending = RecordHead()

    /// The current record's head (meaningful unless `isHeadless`).
    public var head = RecordHead()
    /// The current record's bytes without its final line end. Valid until the next call to `next()`.
    public private(set) var record = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// Length of the record's first line (without its line end).
    public private(set) var firstLineLength = 0
    /// Line number of the record's first line, counted from the last seek (1-based).
    public private(set) var relativeLine = 0
    /// Stream offset where the record starts.
    public private(set) var recordOffset: Int64 = 0
    /// The record's first line is not a head (lines before the first record of a file, or a cut record).
    public private(set) var isHeadless = false
    /// Number of lines in the record.
    public private(set) var lineCount = 0

    public static let defaultMaxRecordBytes = 32 << 20
    static let chunk = 1 << 20

    public init(stream: FileStream, parser: LineParser? = nil, maxRecordBytes: Int = RecordReader.defaultMaxRecordBytes) {
        self.stream = stream
        self.parser = parser
        self.maxRecordBytes = max(4096, maxRecordBytes)
        capacity = Self.chunk
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Where the next record (or line) starts in the stream.
    public var position: Int64 { bufferOffset + Int64(start) }

    /// Restarts reading at `offset` (a line start) of a plain file. Line numbers count from there.
    public func seek(to offset: Int64) throws(FileError) {
        try stream.seek(to: offset)
        start = 0
        end = 0
        eof = false
        bufferOffset = offset
        linesConsumed = 0
        pendingValid = false
    }

    /// The bytes available at the current position after reading at least `minimum` bytes (or to the end), and
    /// at least one whole line when it fits in the buffer's limit. For format detection.
    public func sample(minimum: Int) throws(FileError) -> UnsafeBufferPointer<UInt8> {
        while !eof, end - start < minimum || memchr(buffer + start, 0x0A, end - start) == nil {
            if end - start >= maxRecordBytes { break }
            try fill()
        }
        return UnsafeBufferPointer(start: buffer + start, count: end - start)
    }

    /// Advances to the next record; false at the end of the file.
    public func next() throws(FileError) -> Bool {
        guard let first = try lineEnd(from: 0) else { return false }
        let firstLine = UnsafeBufferPointer(start: buffer + start, count: first.contentEnd)
        if !pendingValid {
            pendingIsHead = parser?.parseHead(firstLine, into: &pending) ?? false
        }
        swap(&head, &pending)
        isHeadless = !pendingIsHead
        pendingValid = false
        firstLineLength = first.contentEnd
        var rel = first.next
        var lastEnd = first.contentEnd
        var lines = 1
        while let line = try lineEnd(from: rel) {
            let bytes = UnsafeBufferPointer(start: buffer + start + rel, count: line.contentEnd - rel)
            if let parser, parser.parseHead(bytes, into: &pending) {
                pendingValid = true
                pendingIsHead = true
                break
            }
            if line.next > maxRecordBytes {
                // Too long a record: end it here; the line starts a headless one.
                pendingValid = true
                pendingIsHead = false
                break
            }
            lastEnd = line.contentEnd
            rel = line.next
            lines += 1
        }
        record = UnsafeBufferPointer(start: buffer + start, count: lastEnd)
        recordOffset = bufferOffset + Int64(start)
        relativeLine = linesConsumed + 1
        linesConsumed += lines
        lineCount = lines
        start += rel
        return true
    }

    /// The line starting `rel` bytes after `start`: where its content ends (before `\r\n`/`\n`) and where the
    /// next line starts, both relative to `start`. Nil at the end of the file. May move the buffer (a fill).
    @inline(__always)
    private func lineEnd(from rel: Int) throws(FileError) -> (contentEnd: Int, next: Int)? {
        while true {
            let from = start + rel
            if from < end, let p = memchr(buffer + from, 0x0A, end - from) {
                let nl = buffer.distance(to: p.assumingMemoryBound(to: UInt8.self))
                var ce = nl
                if ce > from, buffer[ce - 1] == 0x0D { ce -= 1 }
                return (ce - start, nl + 1 - start)
            }
            if eof {
                guard end > from else { return nil }
                var ce = end
                if ce > from, buffer[ce - 1] == 0x0D { ce -= 1 }
                return (ce - start, end - start)
            }
            try fill()
        }
    }

    /// Moves the unconsumed bytes to the front, grows the buffer for a long record, and reads more.
    private func fill() throws(FileError) {
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            bufferOffset += Int64(start)
            end -= start
            start = 0
        }
        if end == capacity {
            let limit = maxRecordBytes + Self.chunk
            guard capacity < limit else {
                throw FileError("line \(linesConsumed + 1) of '\(stream.path)' is longer than \(maxRecordBytes) bytes")
            }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: min(capacity * 2, limit))
            memcpy(bigger, buffer, end)
            buffer.deallocate()
            buffer = bigger
            capacity = min(capacity * 2, limit)
        }
        let n = try stream.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
        if n == 0 { eof = true } else { end += n }
    }
}
