// Splits a file into records: a line the format reads as a head starts a record, and every following line that
// does not (a traceback, a wrapped message) is one of its continuation lines. Records are handed out as byte
// slices of one buffer (no copy, no per-record allocation); the next record's head is parsed while looking for
// where the current one ends, and kept, so each line is parsed once. Memory is one buffer: 1 MB, growing only
// for a longer record, up to `maxRecordBytes` (a longer run of continuation lines is cut into headless records).
import Glibc
import StrataCommon

public final class RecordReader {
    public let stream: FileStream
    /// The format (nil until chosen: every line is then a continuation). Held strongly here and read through
    /// `fast` in the loop, which costs no reference counting per line.
    public var parser: LineParser? {
        didSet { fast = Unmanaged.passUnretained(parser ?? noFormat) }
    }
    @exclusivity(unchecked) private var fast: Unmanaged<LineParser>
    public let maxRecordBytes: Int

    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var eof = false
    /// Stream offset of buffer[0].
    @exclusivity(unchecked) private var bufferOffset: Int64 = 0
    /// Lines consumed since the last seek (or the start).
    @exclusivity(unchecked) private var linesConsumed = 0

    /// The line at `start` was parsed already: `pendingIsHead` tells whether it is a head (kept in `pending`).
    @exclusivity(unchecked) private var pendingValid = false
    @exclusivity(unchecked) private var pendingIsHead = false
    /// The two heads live in raw storage: swapping them is a move, and passing them `inout` costs no
    /// exclusivity bookkeeping.
    private let heads: UnsafeMutablePointer<RecordHead>
    @exclusivity(unchecked) private var pending: UnsafeMutablePointer<RecordHead>
    /// The current record's head, in place (meaningful unless `isHeadless`).
    @exclusivity(unchecked) public private(set) var current: UnsafeMutablePointer<RecordHead>

    /// A copy of the current record's head.
    public var head: RecordHead { current.pointee }
    /// The current record's bytes without its final line end. Valid until the next call to `next()`.
    @exclusivity(unchecked) public private(set) var record = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// Length of the record's first line (without its line end).
    @exclusivity(unchecked) public private(set) var firstLineLength = 0
    /// Line number of the record's first line, counted from the last seek (1-based).
    @exclusivity(unchecked) public private(set) var relativeLine = 0
    /// Stream offset where the record starts.
    @exclusivity(unchecked) public private(set) var recordOffset: Int64 = 0
    /// The record's first line is not a head (lines before the first record of a file, or a cut record).
    @exclusivity(unchecked) public private(set) var isHeadless = false
    /// Number of lines in the record.
    @exclusivity(unchecked) public private(set) var lineCount = 0

    public static let defaultMaxRecordBytes = 32 << 20
    static let chunk = 1 << 20

    public init(stream: FileStream, parser: LineParser? = nil, maxRecordBytes: Int = RecordReader.defaultMaxRecordBytes) {
        self.stream = stream
        self.parser = parser
        self.fast = Unmanaged.passUnretained(parser ?? noFormat)
        self.maxRecordBytes = max(4096, maxRecordBytes)
        capacity = Self.chunk
        buffer = .allocate(capacity: capacity)
        heads = .allocate(capacity: 2)
        heads.initialize(to: RecordHead())
        (heads + 1).initialize(to: RecordHead())
        current = heads
        pending = heads + 1
    }

    deinit {
        buffer.deallocate()
        heads.deinitialize(count: 2)
        heads.deallocate()
    }

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
        guard let first = try lineEnd(from: 0, number: linesConsumed + 1) else { return false }
        if !pendingValid {
            let firstLine = UnsafeBufferPointer(start: buffer + start, count: first.contentEnd)
            let next = pending
            pendingIsHead = fast._withUnsafeGuaranteedRef { $0.parseHead(firstLine, into: &next.pointee) }
        }
        swap(&current, &pending)
        isHeadless = !pendingIsHead
        pendingValid = false
        firstLineLength = first.contentEnd
        var rel = first.next
        var lastEnd = first.contentEnd
        var lines = 1
        let parser = fast
        let next = pending
        while true {
            // The next line, found in the buffer without leaving this loop when it is there.
            let from = start + rel
            var contentEnd: Int
            var nextRel: Int
            if from < end, let p = memchr(buffer + from, 0x0A, end - from) {
                let nl = buffer.distance(to: p.assumingMemoryBound(to: UInt8.self))
                contentEnd = nl
                if contentEnd > from, buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                if contentEnd - from > maxRecordBytes { throw tooLong(line: linesConsumed + lines + 1) }
                contentEnd -= start
                nextRel = nl + 1 - start
            } else {
                guard let line = try lineEnd(from: rel, number: linesConsumed + lines + 1) else { break }
                contentEnd = line.contentEnd
                nextRel = line.next
            }
            let bytes = UnsafeBufferPointer(start: buffer + start + rel, count: contentEnd - rel)
            if parser._withUnsafeGuaranteedRef({ $0.parseHead(bytes, into: &next.pointee) }) {
                pendingValid = true
                pendingIsHead = true
                break
            }
            if nextRel > maxRecordBytes {
                // Too long a record: end it here; the line starts a headless one.
                pendingValid = true
                pendingIsHead = false
                break
            }
            lastEnd = contentEnd
            rel = nextRel
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
    private func lineEnd(from rel: Int, number: Int) throws(FileError) -> (contentEnd: Int, next: Int)? {
        while true {
            let from = start + rel
            if from < end, let p = memchr(buffer + from, 0x0A, end - from) {
                let nl = buffer.distance(to: p.assumingMemoryBound(to: UInt8.self))
                var ce = nl
                if ce > from, buffer[ce - 1] == 0x0D { ce -= 1 }
                if ce - from > maxRecordBytes { throw tooLong(line: number) }
                return (ce - start, nl + 1 - start)
            }
            if eof {
                guard end > from else { return nil }
                var ce = end
                if ce > from, buffer[ce - 1] == 0x0D { ce -= 1 }
                if ce - from > maxRecordBytes { throw tooLong(line: number) }
                return (ce - start, end - start)
            }
            try fill(number: number)
        }
    }

    /// A line longer than `maxRecordBytes` (its content, without the line end) is an error, not a cut.
    private func tooLong(line: Int) -> FileError {
        FileError("line \(line) of '\(stream.path)' is longer than \(maxRecordBytes) bytes")
    }

    /// Moves the unconsumed bytes to the front, grows the buffer for a long record, and reads more.
    private func fill(number: Int? = nil) throws(FileError) {
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            bufferOffset += Int64(start)
            end -= start
            start = 0
        }
        if end == capacity {
            let limit = maxRecordBytes + Self.chunk
            guard capacity < limit else {
                throw tooLong(line: number ?? linesConsumed + 1)
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

/// The parser before a format is chosen: no line is a head.
private let noFormat = LineParser()
