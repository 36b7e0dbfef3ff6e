// Splits a file into records: a line the format reads as a head starts a record, and every following line that
// does not (a traceback, a wrapped message) is one of its continuation lines. Records are handed out as byte
// slices of one buffer (no copy, no per-record allocation); the next record's head is parsed while looking for
// where the current one ends, and kept, so each line is parsed once. Memory is one buffer: 1 MB, growing only
// for a longer record, up to `maxRecordBytes` (a longer run of continuation lines is cut into headless records).
//
// What a job's `>> job.log 2>&1` mixes in is taken apart here too: a UTF-8 byte-order mark opening the file is
// skipped; a record written on the line of a progress bar (`\r`) or after a NUL run starts where its head starts,
// mid-line (see HeadFinder); and a Python traceback that no record owns — the interpreter's own report of an
// uncaught exception, after an INFO line or a finished traceback — starts a record of its own (headless) instead
// of being glued to the record before it. A record owns the traceback right after its lines when its level is
// WARNING or above (`logger.exception`, `exc_info=True`) or unknown; chained tracebacks (`The above exception
// was the direct cause...`, `During handling...`) stay together.
import Glibc
import StrataCommon

public final class RecordReader {
    public let stream: FileStream
    /// The format (nil until chosen: every line is then a continuation). Held strongly here and read through
    /// `fast` in the loop, which costs no reference counting per line.
    public var parser: LineParser? {
        didSet {
            fast = Unmanaged.passUnretained(parser ?? noFormat)
            joinsCRLF = parser?.continuesAfterCRLF ?? false
            joinsPrefix = parser?.continuesRepeatedPrefix ?? false
        }
    }
    @exclusivity(unchecked) private var fast: Unmanaged<LineParser>
    /// `parser.continuesAfterCRLF`, read once (not a virtual call per record).
    @exclusivity(unchecked) private var joinsCRLF = false
    /// `parser.continuesRepeatedPrefix`, read once.
    @exclusivity(unchecked) private var joinsPrefix = false
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
    /// Where that pending line's content ends and the next line starts (relative to `start`), when the previous
    /// call found them: the head line is then not searched for its end a second time. Only with `pendingValid`.
    @exclusivity(unchecked) private var pendingLine: (contentEnd: Int, next: Int)? = nil
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
    /// Number of lines in the record (a last piece of a line, before a head that starts mid-line, counts).
    @exclusivity(unchecked) public private(set) var lineCount = 0
    /// The record is a traceback no record owned (an uncaught exception's report): headless.
    @exclusivity(unchecked) public private(set) var isTraceback = false
    /// The next record starts with a traceback that was split off.
    @exclusivity(unchecked) private var pendingIsTraceback = false
    /// Where the file's first byte after a byte-order mark is (checked once, at offset 0).
    @exclusivity(unchecked) private var checkedBOM = false
    /// What is wrong with the file, on the record that reports it (a truncated gzip stream, not a text file):
    /// that record is headless and holds the bytes after the last complete line, if any. Nil on every other.
    @exclusivity(unchecked) public private(set) var problem: String?
    /// Damage met while reading (the stream ends early): reported after the last complete record.
    private var damage: String?
    /// The damage met so far and not yet reported as a record (log_formats: a sample that ran into it).
    public var damageAhead: String? { damage }
    /// The bytes after the last complete line when the damage was met: buffer[damageTail..<damageEnd].
    private var damageTail = 0
    private var damageEnd = 0

    public static let defaultMaxRecordBytes = 32 << 20
    static let chunk = 1 << 20

    public init(stream: FileStream, parser: LineParser? = nil, maxRecordBytes: Int = RecordReader.defaultMaxRecordBytes) {
        self.stream = stream
        self.parser = parser
        self.fast = Unmanaged.passUnretained(parser ?? noFormat)
        self.joinsCRLF = parser?.continuesAfterCRLF ?? false
        self.joinsPrefix = parser?.continuesRepeatedPrefix ?? false
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
        pendingLine = nil
        pendingIsTraceback = false
        checkedBOM = offset != 0
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

    /// Makes the reader give one record reporting `message` and nothing else (a file that is not text).
    public func reportOnly(_ message: String) {
        damage = message
        eof = true
        start = 0
        end = 0
        damageTail = 0
        damageEnd = 0
        checkedBOM = true
        pendingValid = false
        pendingLine = nil
    }

    /// Advances to the next record; false at the end of the file.
    public func next() throws(FileError) -> Bool {
        if !checkedBOM { try skipByteOrderMark() }
        if problem != nil { problem = nil }  // (an unconditional store releases a String per record)
        var first: (contentEnd: Int, next: Int)
        if pendingValid, let known = pendingLine {
            first = known
        } else {
            guard let f = try lineEnd(from: 0, number: linesConsumed + 1) else { return reportDamage() }
            first = f
        }
        pendingLine = nil
        if !pendingValid {
            let firstLine = UnsafeBufferPointer(start: buffer + start, count: first.contentEnd)
            let next = pending
            var at: Int? = fast._withUnsafeGuaranteedRef { $0.parseHead(firstLine, into: &next.pointee) } ? 0 : nil
            if at == nil, HeadFinder.hasControl(firstLine) {
                at = fast._withUnsafeGuaranteedRef { HeadFinder.findInside($0, firstLine, &next.pointee) }
            }
            if let k = at, k > 0, isFiller(UnsafeBufferPointer(start: buffer + start, count: k)) {
                // Only NULs or a progress bar's `\r` before the head: nothing worth a record.
                start += k
                guard let f = try lineEnd(from: 0, number: linesConsumed + 1) else { return false }
                first = f
                at = 0
            }
            pendingIsHead = at == 0
            pendingIsTraceback = at == nil && isTracebackHeader(firstLine)
            if let k = at, k > 0 {
                // A headless piece, then the head mid-line.
                return emitPiece(before: k, first: first)
            }
        }
        swap(&current, &pending)
        isHeadless = !pendingIsHead
        isTraceback = isHeadless && pendingIsTraceback
        pendingIsTraceback = false
        pendingValid = false
        firstLineLength = first.contentEnd
        var rel = first.next
        var lastEnd = first.contentEnd
        var lines = 1
        var partial = false
        let parser = fast
        let next = pending
        // Traceback ownership: whether this record holds one, and whether a chain line announced another.
        // threading's report of an uncaught exception (`Exception in thread worker:` then its traceback) is a
        // headless record that owns the traceback after its first line.
        let threadReport = isTraceback
            && isThreadReportHeader(UnsafeBufferPointer(start: buffer + start, count: first.contentEnd))
        var tracebackSeen = isTraceback && !threadReport
        var chainOpen = false
        let ownsTraceback = isHeadless ? threadReport : current.pointee.level.ownsTraceback
        // vLLM: a line after a `\r\n` continues the record.
        let joinsCRLF = self.joinsCRLF
        var headLine: (contentEnd: Int, next: Int)? = nil
        var afterCRLF = joinsCRLF && first.next - first.contentEnd == 2
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
            let joined = afterCRLF
            if joinsCRLF { afterCRLF = nextRel - contentEnd == 2 }
            // PyTorch: a line behind exactly this record's prefix is one of its lines (`repeated`).
            var repeated = false
            if !joined, parser._withUnsafeGuaranteedRef({ $0.parseHead(bytes, into: &next.pointee) }) {
                repeated = joinsPrefix && !isHeadless && repeatsPrefix(bytes, next.pointee)
                if !repeated {
                    pendingValid = true
                    pendingIsHead = true
                    headLine = (contentEnd - rel, nextRel - rel)
                    break
                }
            }
            if !joined, !repeated, HeadFinder.hasControl(bytes),
               let k = parser._withUnsafeGuaranteedRef({ HeadFinder.findInside($0, bytes, &next.pointee) }) {
                pendingValid = true
                pendingIsHead = true
                if k > 0 {
                    // The head starts mid-line: what comes before it on the line ends this record.
                    let kept = trimmedEnd(UnsafeBufferPointer(start: buffer + start + rel, count: k))
                    if kept > 0 {
                        lastEnd = rel + kept
                        lines += 1
                        partial = true
                    }
                    rel += k
                }
                break
            }
            // Headers and chain lines start with `T` or `D`; a space-led one is only an exception group's
            // `  + Exception Group Traceback` (frames, `  File ...`, are the bulk of a traceback: skipped at once).
            if !repeated, let c0 = bytes.first, c0 == 0x45, isThreadReportHeader(bytes),
               try nextLineIsTracebackHeader(at: nextRel, number: linesConsumed + lines + 2) {
                // `Exception in thread X:` and a traceback: a thread's uncaught exception, never this record's.
                pendingValid = true
                pendingIsHead = false
                pendingIsTraceback = true
                break
            }
            if !repeated, let c0 = bytes.first, c0 == 0x54 || c0 == 0x44 || (c0 == 0x20 && bytes.count > 2 && bytes[2] == 0x2B) {
                if isTracebackHeader(bytes) {
                    if tracebackSeen && chainOpen {
                        chainOpen = false
                    } else if !tracebackSeen && ownsTraceback {
                        tracebackSeen = true
                    } else if !tracebackSeen, !isHeadless,
                              try !startsUncaughtReport(at: nextRel, number: linesConsumed + lines + 2) {
                        // `logger.info(..., exc_info=True)`: logging's traceback of a DEBUG/INFO record.
                        tracebackSeen = true
                    } else {
                        // A traceback no record owns: the interpreter's report of an uncaught exception.
                        pendingValid = true
                        pendingIsHead = false
                        pendingIsTraceback = true
                        break
                    }
                } else if tracebackSeen, isChainLine(bytes) {
                    chainOpen = true
                }
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
        // A last piece of a line is no whole line: the next record starts on it.
        linesConsumed += partial ? lines - 1 : lines
        lineCount = lines
        start += rel
        pendingLine = headLine
        return true
    }

    /// Whether `line`, read as `h`, has the same prefix as the current record's first line (at `start`).
    private func repeatsPrefix(_ line: UnsafeBufferPointer<UInt8>, _ h: RecordHead) -> Bool {
        guard let k = LineParser.prefixLength(h), let c = LineParser.prefixLength(current.pointee), k == c,
              k <= firstLineLength, k <= line.count, let p = line.baseAddress else { return false }
        return memcmp(p, buffer + start, k) == 0
    }

    /// Whether the traceback whose header ends at `rel` (the next line's start, relative to `start`) is the
    /// interpreter's report of an uncaught exception: its first frame is the script's top level (`in <module>`,
    /// or runpy's `in _run_module_as_main` under `python -m`), where an exception nobody caught ends up, or a
    /// thread's (`in _bootstrap_inner`, printed by threading's excepthook). A traceback logged by a handler starts
    /// at the function holding the `try`. May move the buffer (a fill).
    private func startsUncaughtReport(at rel: Int, number: Int) throws(FileError) -> Bool {
        guard let line = try lineEnd(from: rel, number: number) else { return true }
        let l = UnsafeBufferPointer(start: buffer + start + rel, count: line.contentEnd - rel)
        return hasSuffix(l, ", in <module>") || hasSuffix(l, ", in _run_module_as_main")
            || hasSuffix(l, ", in _bootstrap_inner")
    }

    /// Whether the line at `rel` (relative to `start`) opens a traceback. May move the buffer (a fill).
    private func nextLineIsTracebackHeader(at rel: Int, number: Int) throws(FileError) -> Bool {
        guard let line = try lineEnd(from: rel, number: number) else { return false }
        return isTracebackHeader(UnsafeBufferPointer(start: buffer + start + rel, count: line.contentEnd - rel))
    }

    /// The first `k` bytes of the line at `start` as a headless record; the head after them is pending.
    private func emitPiece(before k: Int, first: (contentEnd: Int, next: Int)) -> Bool {
        // The head read mid-line stays in `pending` for the next call.
        isHeadless = true
        isTraceback = false
        pendingValid = true
        pendingIsHead = true
        firstLineLength = trimmedEnd(UnsafeBufferPointer(start: buffer + start, count: k))
        record = UnsafeBufferPointer(start: buffer + start, count: firstLineLength)
        recordOffset = bufferOffset + Int64(start)
        relativeLine = linesConsumed + 1
        lineCount = 1
        start += k
        return true
    }

    /// After the last complete record of a damaged file: one headless record saying what happened, holding the
    /// bytes of the cut line. False when there is nothing (more) to report.
    private func reportDamage() -> Bool {
        guard let d = damage else { return false }
        damage = nil
        problem = d
        isHeadless = true
        isTraceback = false
        pendingValid = false
        let n = max(0, damageEnd - damageTail)
        record = UnsafeBufferPointer(start: buffer + damageTail, count: n)
        firstLineLength = n
        recordOffset = bufferOffset + Int64(damageTail)
        relativeLine = linesConsumed + 1
        lineCount = 1
        return true
    }

    /// Skips a UTF-8 byte-order mark at the start of the file.
    private func skipByteOrderMark() throws(FileError) {
        checkedBOM = true
        guard bufferOffset + Int64(start) == 0 else { return }
        while !eof, end - start < 3 { try fill() }
        if byteOrderMark(UnsafeBufferPointer(start: buffer + start, count: end - start)) == 3 { start += 3 }
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
        let n: Int
        do {
            n = try stream.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
        } catch {
            // A gzip stream cut short or corrupt: what came before is kept, the cut line is reported at the end.
            guard stream.isCompressed, error.message != Interruption.message else { throw error }
            eof = true
            damage = "'\(stream.path)' is damaged: \(damageReason(error.message)) after \(bufferOffset + Int64(end)) bytes; the records before are complete"
            var cut = end
            while cut > start, buffer[cut - 1] != 0x0A { cut -= 1 }
            damageTail = cut
            damageEnd = end
            end = cut
            return
        }
        if n == 0 { eof = true } else { end += n }
    }

    private func damageReason(_ message: String) -> String {
        let u = Array(message.utf8)
        var i = 0
        while i + 2 < u.count {
            if u[i] == 0x27, u[i + 1] == 0x3A, u[i + 2] == 0x20 { return String(decoding: u[(i + 3)...], as: UTF8.self) }
            i += 1
        }
        return message
    }
}

/// The parser before a format is chosen: no line is a head.
private let noFormat = LineParser()

/// `Traceback (most recent call last):` (or an exception group's `  + Exception Group Traceback (...)`) at the
/// start of a line.
@inline(__always)
func isTracebackHeader(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    hasPrefix(b, "Traceback (most recent call last):") || hasPrefix(b, "  + Exception Group Traceback (most recent call last):")
}

/// `Exception in thread NAME:` — what threading's excepthook prints before an uncaught exception's traceback.
@inline(__always)
func isThreadReportHeader(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    b.count > 21 && hasPrefix(b, "Exception in thread ") && b[b.count - 1] == 0x3A
}

/// The lines Python writes between the tracebacks of a chain.
@inline(__always)
func isChainLine(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    hasPrefix(b, "The above exception was the direct cause of the following exception:")
        || hasPrefix(b, "During handling of the above exception, another exception occurred:")
}

@inline(__always)
func hasSuffix(_ b: UnsafeBufferPointer<UInt8>, _ p: StaticString) -> Bool {
    let n = p.utf8CodeUnitCount
    guard b.count >= n, let base = b.baseAddress else { return false }
    return memcmp(base + (b.count - n), p.utf8Start, n) == 0
}

@inline(__always)
func hasPrefix(_ b: UnsafeBufferPointer<UInt8>, _ p: StaticString) -> Bool {
    let n = p.utf8CodeUnitCount
    guard b.count >= n, let base = b.baseAddress else { return false }
    return memcmp(base, p.utf8Start, n) == 0
}

/// Only NUL bytes, `\r` and spaces, or a progress bar's remains: nothing but what a crash or a bar left.
private func isFiller(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    b.allSatisfy { $0 == 0 || $0 == 0x0D || $0 == 0x20 }
}

/// The length of `b` without trailing NUL bytes, `\r` and spaces.
private func trimmedEnd(_ b: UnsafeBufferPointer<UInt8>) -> Int {
    var e = b.count
    while e > 0, b[e - 1] == 0 || b[e - 1] == 0x0D || b[e - 1] == 0x20 { e -= 1 }
    return e
}

extension LogLevel {
    /// Whether a record of this level owns a traceback written right after it: `logger.exception`, `exc_info=`
    /// on warnings and above, and formats without a level. After DEBUG and INFO a traceback is taken for the
    /// interpreter's report of an uncaught exception when its first frame is the script's top level
    /// (`startsUncaughtReport`), else for the record's own (`exc_info=True`).
    @inline(__always)
    var ownsTraceback: Bool {
        switch self {
        case .debug, .info: return false
        default: return true
        }
    }
}
