// The documents of one JSON file, in order: a JSON-lines file (one document per line; blank lines skipped)
// or a JSON array file (`mongoexport --jsonArray`, detected by a leading `[`), plain or gzip-compressed.
// Each document is validated and scanned for Extended JSON wrappers; memory holds one document (or one
// line) at a time, whatever the file size. A malformed document is an error naming the file and line.
import CJSON
import StrataCommon

public final class JSONDocumentReader {
    public let path: String
    public let scanner: JSONScanner
    public private(set) var isArrayFile = false

    /// The current document: its buffer, its span in it, and the line where it starts (1-based).
    public private(set) var buffer = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    public private(set) var span = JSONSpan(0, 0)
    public private(set) var line = 0

    private var lines: LineReader?
    /// Where a reader of part of a file stops: the offset of the first line it leaves to the next part.
    private var rangeEnd = Int64.max
    /// The number of the last line read (blank ones too), or of the last line of the range once it is done.
    public private(set) var lastLineNumber = 0
    private var array: StreamBuffer?
    private enum ArrayState { case start, first, afterElement, element, done }
    private var state = ArrayState.start
    private var arrayLine = 1

    /// Whether Extended JSON wrappers are unwrapped at all.
    public let unwrapsExtendedJSON: Bool
    /// When true, documents are validated without looking for Extended JSON wrappers, and a wrapper is
    /// unwrapped only when a member's value or the document's text is asked for (a second scan of just that
    /// value): a query that counts rows or reads a few plain members pays nothing for the wrappers. Set it
    /// false when most documents' text will be read (then one scan does both, as the sampler does).
    public var unwrapsLazily: Bool {
        didSet { scanner.unwrapExtendedJSON = unwrapsExtendedJSON && !unwrapsLazily }
    }
    /// Whether the current document was scanned with wrappers unwrapped.
    private var scannedUnwrapped = true
    /// Scans single values again with unwrapping, for the lazy mode.
    private lazy var unwrapper = JSONScanner(unwrapExtendedJSON: true, collectMembers: false)

    deinit { rendered.deallocate() }

    public init(path: String, collectMembers: Bool = false, unwrapExtendedJSON: Bool = true,
                unwrapLazily: Bool = false) throws {
        self.path = path
        unwrapsExtendedJSON = unwrapExtendedJSON
        unwrapsLazily = unwrapLazily
        scanner = JSONScanner(unwrapExtendedJSON: unwrapExtendedJSON && !unwrapLazily, collectMembers: collectMembers)
        do {
            // One stream, sniffed then read from its start: a pipe cannot be opened twice.
            let stream = try FileStream(path: path)
            isArrayFile = try JSONDocumentReader.startsWithBracket(stream)
            if isArrayFile {
                array = StreamBuffer(stream: stream)
            } else {
                lines = LineReader(stream: stream)
            }
        } catch let e as FileError {
            throw FilesError(e)
        }
    }

    /// The JSON-lines documents of bytes `range` of a plain file whose part before `range` holds `linesBefore`
    /// lines (`range` starts a line): one block of a scan split across threads (JSONLinesParallelScan).
    /// Line numbers, and so error messages, are the whole file's.
    public init(path: String, range: Range<Int64>, linesBefore: Int, collectMembers: Bool, unwrapLazily: Bool) throws {
        self.path = path
        unwrapsExtendedJSON = true
        unwrapsLazily = unwrapLazily
        scanner = JSONScanner(unwrapExtendedJSON: !unwrapLazily, collectMembers: collectMembers)
        do {
            let stream = try FileStream(path: path)
            try stream.seek(to: range.lowerBound)
            lines = LineReader(stream: stream, startingLine: linesBefore, startingOffset: range.lowerBound)
        } catch {
            throw FilesError(error)  // a FileError: the block's open and seek throw nothing else
        }
        rangeEnd = range.upperBound
    }

    /// Whether `path` is a plain (uncompressed, seekable) JSON-lines file — one a scan can split across threads.
    public static func isPlainJSONLines(path: String) -> Bool {
        // Never opened when it is a pipe or device: opening one reads its first bytes, which no one could read again.
        guard !FileAccess.isStream(path), let s = try? FileStream(path: path), s.isSeekable else { return false }
        return (try? startsWithBracket(s)) == false
    }

    /// Whether the first byte after a BOM and whitespace is `[` (peeked, not consumed).
    private static func startsWithBracket(_ s: FileStream) throws -> Bool {
        var want = 4096
        while true {
            let head = try s.peek(want)
            var k = 0
            if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF { k = 3 }
            while k < head.count, isSpace(head[k]) { k += 1 }
            if k < head.count { return head[k] == UInt8(ascii: "[") }
            if head.count < want { return false }
            guard want < 64 << 20 else { return false }
            want *= 4
        }
    }

    /// Advances to the next document; false at the end of the file.
    public func next() throws -> Bool {
        do {
            if let lines { return try nextLine(lines) }
            if let array { return try nextElement(array) }
            return false
        } catch let e as FileError {
            throw FilesError(e)
        }
    }

    /// Lets `body` read whole lines of a JSON-lines file straight from the line reader's buffer (see
    /// LineReader.consumeBuffered): it gets the bytes, how many of them may start a line of this reader's range
    /// (0 at the file's start, whose byte-order mark the Swift path strips), and the number of the line before
    /// them; it answers the bytes and lines it consumed. The current document (`buffer`, `span`, `line`) is
    /// not changed: a caller reading this way takes the values it needs inside `body`.
    func consumeBufferedLines(_ body: (UnsafeBufferPointer<UInt8>, Int, Int) -> (bytes: Int, lines: Int)) {
        guard let lines else { return }
        lines.consumeBuffered { bytes, offset, lineBefore in
            let limit = offset == 0 ? 0 : Int(clamping: max(0, rangeEnd - offset))
            let done = body(bytes, min(limit, bytes.count), lineBefore)
            if done.lines > 0 { lastLineNumber = lineBefore + done.lines }
            return done
        }
    }

    /// The current document as SQL should see it (Extended JSON unwrapped).
    public func withDocumentText<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if !scannedUnwrapped {
            if renderFast {
                if let text = renderedInC() { return try body(text) }
                lastRenderWasFast = false
            }
            if let s = unwrappedScan(of: span) { return try unwrapper.withRendered(buffer, s, body) }
        }
        return try scanner.withRendered(buffer, span, body)
    }

    /// Whether document text is rendered by CJSON's strata_json_render_unwrapped when it is sure (the tests
    /// turn it off to compare).
    var renderFast = JSONScanner.fastPathEnabled
    /// False once a document's text had to be rendered the Swift way: a reader whose documents hold wrappers
    /// the C renderer leaves to Swift is better off unwrapping during its one scan (unwrapsLazily = false).
    public private(set) var lastRenderWasFast = true
    private var rendered = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)

    /// The current document rendered in C, in `rendered` (valid until the next call); nil when not sure.
    func renderedInC() -> UnsafeBufferPointer<UInt8>? {
        guard let base = buffer.baseAddress, span.start >= 0, span.end <= buffer.count else { return nil }
        // Unwrapping shortens text but for a legacy {"$date":<ms>} (11 bytes or more), which becomes 25: three
        // times the document is always room enough.
        let need = 3 * span.count + 64
        // Grown for a long line, the buffer is given back once documents are short again (a 64 MB line must
        // not hold 192 MB for the rest of the file).
        if rendered.count < need || (rendered.count > 4 << 20 && need < rendered.count / 8) {
            rendered.deallocate()
            rendered = .allocate(capacity: max(need, 4096))
        }
        var length = 0
        guard let out = rendered.baseAddress,
              strata_json_render_unwrapped(base, Int64(span.start), Int64(span.end), out, rendered.count, &length) == 1
        else { return nil }
        return UnsafeBufferPointer(start: out, count: length)
    }

    /// Whether values must be unwrapped on demand (the current document was scanned without unwrapping).
    var unwrapsOnDemand: Bool { !scannedUnwrapped }

    /// Scans the value at `span` (already validated) again with unwrapping, in `unwrapper`; nil if that fails,
    /// which validated text cannot do (the caller then uses the text as written).
    func unwrappedScan(of span: JSONSpan) -> JSONSpan? {
        guard span.start >= 0, span.end <= buffer.count,
              let s = try? unwrapper.scanValue(buffer, from: span.start, isFinal: true), s == span else { return nil }
        return s
    }

    /// The unwrapping scanner, after `unwrappedScan`.
    var valueUnwrapper: JSONScanner { unwrapper }

    private func nextLine(_ lines: LineReader) throws -> Bool {
        while let l = try lines.next() {
            if l.offset >= rangeEnd {
                lastLineNumber = l.number - 1
                return false
            }
            lastLineNumber = l.number
            var b = l.bytes
            // A byte-order mark can only open the file (offset 0; a part of a file starts elsewhere).
            if l.offset == 0, b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                b = UnsafeBufferPointer(rebasing: b[3...])
            }
            if b.allSatisfy(isSpace) { continue }
            do {
                scannedUnwrapped = scanner.unwrapExtendedJSON || !unwrapsExtendedJSON
                span = try scanner.scanDocument(b)
            } catch let e as JSONSyntaxError {
                throw FilesError("'\(path)' line \(l.number): \(e.message)")
            }
            buffer = b
            line = l.number
            return true
        }
        return false
    }

    private func nextElement(_ s: StreamBuffer) throws -> Bool {
        while true {
            // Skip whitespace, counting lines.
            var b = s.bytes
            var k = 0
            if state == .start, b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { k = 3 }
            while k < b.count, isSpace(b[k]) {
                if b[k] == 0x0A { arrayLine += 1 }
                k += 1
            }
            s.start += k
            b = s.bytes
            if b.isEmpty {
                if try s.fill(what: "a document at line \(arrayLine) of '\(path)'") { continue }
                if state == .done { return false }
                throw FilesError("'\(path)' line \(arrayLine): unexpected end of file inside the JSON array")
            }
            let c = b[0]
            switch state {
            case .start:
                guard c == UInt8(ascii: "[") else { throw FilesError("'\(path)' line \(arrayLine): expected '['") }
                s.start += 1
                state = .first
                continue
            case .first, .afterElement:
                if c == UInt8(ascii: "]") { s.start += 1; state = .done; continue }
                if state == .afterElement {
                    guard c == UInt8(ascii: ",") else {
                        throw FilesError("'\(path)' line \(arrayLine): expected ',' or ']' between documents")
                    }
                    s.start += 1
                    state = .element
                    continue
                }
            case .element:
                break
            case .done:
                throw FilesError("'\(path)' line \(arrayLine): unexpected '\(printable(c))' after the JSON array")
            }
            // A document: scan it, reading more when it runs past the buffer.
            do {
                scannedUnwrapped = scanner.unwrapExtendedJSON || !unwrapsExtendedJSON
                span = try scanner.scanValue(b, from: 0, isFinal: s.isAtEOF)
            } catch let e as JSONSyntaxError {
                if e.incomplete {
                    if try s.fill(what: "the document at line \(arrayLine) of '\(path)'") { continue }
                    // At EOF now: rescan as final to get the real message.
                    continue
                }
                let errLine = arrayLine + countNewlines(UnsafeBufferPointer(rebasing: b[0..<min(e.offset, b.count)]))
                throw FilesError("'\(path)' line \(errLine): \(e.message.replacingColumn())")
            }
            buffer = b
            line = arrayLine
            arrayLine += countNewlines(UnsafeBufferPointer(rebasing: b[span.start..<span.end]))
            s.start += span.end
            state = .afterElement
            return true
        }
    }
}

private extension String {
    /// Column numbers of a scanner message count from the document start, which means little inside an
    /// array file; drop them there.
    func replacingColumn() -> String {
        guard let r = range(of: " at column ", options: .backwards) else { return self }
        return String(self[..<r.lowerBound])
    }

    func range(of needle: String, options: BackwardsOption) -> Range<Index>? {
        var i = endIndex
        while i > startIndex {
            i = index(before: i)
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
        }
        return nil
    }

    enum BackwardsOption { case backwards }
}
