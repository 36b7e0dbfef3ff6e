// Exceptions as data: the Python tracebacks in a record's text, read back into (type, message) pairs, so "which
// exceptions happened last night" is one GROUP BY. Python prints a traceback as a `Traceback (most recent call
// last):` header, indented frames, then the exception line `Type: message` (the message may run over several
// lines; a bare `KeyboardInterrupt` has none). A chain prints the earlier exceptions first, joined by `The above
// exception was the direct cause of the following exception:` (`raise ... from`) or `During handling of the above
// exception, another exception occurred:`; the exception raised last is printed last. An exception group prints
// inside `|` gutters, its sub-exceptions numbered. Also read: loguru's tracebacks (`> File`, blank lines,
// variable annotations), rich's boxed tracebacks, and a SyntaxError's report without a header (`  File "x.py",
// line 1` then the code and a caret).

public struct ParsedException: Equatable, Sendable {
    /// As printed: `ValueError`, `requests.exceptions.ConnectionError`.
    public var type: String
    /// `str(e)` as printed (all its lines), empty when the exception has none.
    public var message: String
    /// How it follows the one printed before it: `cause` (`raise ... from`), `context` (raised while handling it),
    /// nil for the first.
    public var relation: String?
    /// An exception group's sub-exceptions, in the order printed (nested groups' members follow their group).
    public var members: [ParsedException] = []

    public init(type: String, message: String, relation: String? = nil, members: [ParsedException] = []) {
        self.type = type
        self.message = message
        self.relation = relation
        self.members = members
    }

    /// `{"type": ..., "message": ..., "relation": ..., "exceptions": [...]}`.
    public func appendJSON(to out: inout [UInt8]) {
        func str(_ s: String) { var t = s; t.withUTF8 { JSON.appendQuoted($0, into: &out) } }
        out += Array(#"{"type":"#.utf8)
        str(type)
        out += Array(#","message":"#.utf8)
        str(message)
        if let r = relation {
            out += Array(#","relation":"#.utf8)
            str(r)
        }
        if !members.isEmpty {
            out += Array(#","exceptions":["#.utf8)
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                m.appendJSON(to: &out)
            }
            out.append(0x5D)
        }
        out.append(0x7D)
    }
}

/// An exception line: `Type` or `Type: message`, the type a dotted name of identifiers.
public enum ExceptionLine {
    /// (end of the type, start of the message or nil) when `l` is shaped like an exception line.
    public static func parse(_ l: UnsafeBufferPointer<UInt8>) -> (typeEnd: Int, messageStart: Int?)? {
        var i = 0
        var parts = 0
        while i < l.count {
            let s = i
            guard isIdentifierStart(l[i]) else { return nil }
            i += 1
            while i < l.count, isIdentifierStart(l[i]) || isDigit(l[i]) { i += 1 }
            guard i > s else { return nil }
            parts += 1
            guard i < l.count, l[i] == 0x2E else { break }
            i += 1
        }
        guard parts > 0 else { return nil }
        let typeEnd = i
        if typeEnd == l.count {
            // A bare name: only when it reads as an exception class (KeyboardInterrupt, MyErr, StopIteration).
            guard isClassName(l, typeEnd) else { return nil }
            return (typeEnd, nil)
        }
        guard l[typeEnd] == 0x3A else { return nil }
        if typeEnd + 1 == l.count { return (typeEnd, typeEnd + 1) }
        guard l[typeEnd + 1] == 0x20 else { return nil }
        return (typeEnd, typeEnd + 2)
    }

    @inline(__always)
    static func isIdentifierStart(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F || c >= 0x80 }

    /// The last dotted part starts with a capital (class names do).
    static func isClassName(_ l: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        var s = end
        while s > 0, l[s - 1] != 0x2E { s -= 1 }
        return s < end && l[s] >= 0x41 && l[s] <= 0x5A
    }
}

public enum TracebackParser {
    /// The exceptions printed in `text` (a record's lines), in the order printed, the last raised last.
    /// `linePrefix`: a prefix repeated on every line (vLLM), taken off first. Empty when there is no traceback.
    public static func parse(_ text: UnsafeBufferPointer<UInt8>, linePrefix: UnsafeBufferPointer<UInt8>? = nil) -> [ParsedException] {
        var lines: [UnsafeBufferPointer<UInt8>] = []
        var i = 0
        while i < text.count {
            let nl = findByte(text, 0x0A, from: i) ?? text.count
            var e = nl
            if e > i, text[e - 1] == 0x0D { e -= 1 }
            var l = sub(text, i, e)
            if let p = linePrefix, !p.isEmpty, l.count >= p.count, hasLiteral(l, 0, p) { l = sub(l, p.count, l.count) }
            lines.append(l)
            i = nl + 1
        }
        return chain(lines[...])
    }

    /// The chain in `lines` (no gutters).
    static func chain(_ lines: ArraySlice<UnsafeBufferPointer<UInt8>>) -> [ParsedException] {
        var out: [ParsedException] = []
        var relation: String? = nil
        var i = lines.startIndex
        let end = lines.endIndex
        while i < end {
            let l = lines[i]
            if hasPrefix(l, "Traceback (most recent call last):") || isBoxedHeader(l) {
                let first = i + 1
                i = frames(lines, first)
                if let (e, next) = exception(lines, i) {
                    let message = e.message + syntaxErrorLocation(lines[first..<i])
                    out.append(ParsedException(type: e.type, message: message, relation: relation))
                    relation = nil
                    i = next
                    continue
                }
                continue
            }
            if let g = groupHeader(l) {
                var j = i + 1
                while j < end, isGutterLine(lines[j], minColumn: g) { j += 1 }
                if var e = group(lines[i..<j], column: g) {
                    e.relation = relation
                    relation = nil
                    out.append(e)
                }
                i = j
                continue
            }
            if hasPrefix(l, "The above exception was the direct cause of the following exception:") {
                relation = "cause"
            } else if hasPrefix(l, "During handling of the above exception, another exception occurred:") {
                relation = "context"
            } else if hasPrefix(l, "  File \""), out.isEmpty || relation != nil {
                // A SyntaxError reported without a header (a script that does not compile).
                let j = frames(lines, i)
                if j < end, let (e, next) = exception(lines, j), e.type.hasSuffix("Error") {
                    let message = e.message + syntaxErrorLocation(lines[i..<j])
                    out.append(ParsedException(type: e.type, message: message, relation: relation))
                    relation = nil
                    i = next
                    continue
                }
            }
            i += 1
        }
        return out
    }

    /// A SyntaxError prints where it is as a last `  File "config.py", line 3` line without `, in name` (the code
    /// and a caret follow), and leaves it out of its exception line; `str(e)` ends with it: ` (config.py, line 3)`
    /// (the file's base name). Empty for any other traceback.
    static func syntaxErrorLocation(_ frames: ArraySlice<UnsafeBufferPointer<UInt8>>) -> String {
        let p: StaticString = "  File \""
        guard let k = frames.lastIndex(where: { hasLiteral($0, 0, p) }) else { return "" }
        let l = frames[k]
        // `  File "name", line N` and nothing after the number.
        var q = l.count
        while q > 0, isDigit(l[q - 1]) { q -= 1 }
        let tail: StaticString = "\", line "
        let n = tail.utf8CodeUnitCount
        guard q < l.count, q - n > p.utf8CodeUnitCount, hasLiteral(l, q - n, tail) else { return "" }
        var nameStart = p.utf8CodeUnitCount
        let nameEnd = q - n
        for c in nameStart..<nameEnd where l[c] == 0x2F { nameStart = c + 1 }
        return " (" + text(sub(l, nameStart, nameEnd)) + ", line " + text(sub(l, q, l.count)) + ")"
    }

    /// rich's `╭──── Traceback (most recent call last) ────╮`.
    static func isBoxedHeader(_ l: UnsafeBufferPointer<UInt8>) -> Bool {
        guard l.count > 40, l[0] == 0xE2 else { return false }
        let p: StaticString = "Traceback (most recent call last)"
        var i = 3
        while i + p.utf8CodeUnitCount <= min(l.count, 400) {
            if l[i] == 0x54, hasLiteral(l, i, p) { return true }
            i += 1
        }
        return false
    }

    /// Skips frames: indented lines, blank lines, loguru's `> File` lines and rich's box drawing.
    static func frames(_ lines: ArraySlice<UnsafeBufferPointer<UInt8>>, _ from: Int) -> Int {
        var i = from
        while i < lines.endIndex {
            let l = lines[i]
            guard let c = l.first else { i += 1; continue }
            if c == 0x20 || c == 0x09 || hasPrefix(l, "> File") || (c == 0xE2 && l.count > 1 && (l[1] == 0x94 || l[1] == 0x95)) {
                i += 1
                continue
            }
            break
        }
        return i
    }

    /// The exception line at `i` and the lines of its message after it: up to a chain line (and the blank line
    /// before it), another traceback, or the end; trailing blank lines dropped.
    static func exception(_ lines: ArraySlice<UnsafeBufferPointer<UInt8>>, _ i: Int) -> ((type: String, message: String), Int)? {
        guard i < lines.endIndex, let (te, ms) = ExceptionLine.parse(lines[i]) else { return nil }
        let l = lines[i]
        let type = text(sub(l, 0, te))
        var message: [UInt8] = ms.map { Array(sub(l, $0, l.count)) } ?? []
        var j = i + 1
        var pendingBlank = 0
        while j < lines.endIndex {
            let m = lines[j]
            if isTracebackHeader(m) || isChainLine(m) || groupHeader(m) != nil { break }
            if m.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                pendingBlank += 1
                j += 1
                continue
            }
            for _ in 0..<pendingBlank { message.append(0x0A) }
            pendingBlank = 0
            message.append(0x0A)
            message += m
            j += 1
        }
        return ((type, String(decoding: message, as: UTF8.self)), j)
    }

    /// `  + Exception Group Traceback (most recent call last):`: the column of its `+`.
    static func groupHeader(_ l: UnsafeBufferPointer<UInt8>) -> Int? {
        var c = 0
        while c < l.count, l[c] == 0x20 { c += 1 }
        guard hasLiteral(l, c, "+ Exception Group Traceback (most recent call last):") else { return nil }
        return c
    }

    /// A line of a group drawn at `minColumn` or deeper: spaces, then `|` or `+`.
    static func isGutterLine(_ l: UnsafeBufferPointer<UInt8>, minColumn: Int) -> Bool {
        var c = 0
        while c < l.count, l[c] == 0x20 { c += 1 }
        return c >= minColumn && c < l.count && (l[c] == 0x7C || l[c] == 0x2B)
    }

    /// The content of a gutter line (after `| `), nil for separators.
    static func content(_ l: UnsafeBufferPointer<UInt8>) -> (column: Int, text: UnsafeBufferPointer<UInt8>)? {
        var c = 0
        while c < l.count, l[c] == 0x20 { c += 1 }
        guard c < l.count, l[c] == 0x7C else { return nil }
        let s = min(l.count, c + 2)
        return (c, sub(l, s, l.count))
    }

    /// An exception group drawn at `column`: its own exception (the first exception line in its own gutter, after
    /// the frames) and every exception line inside it, in the order printed.
    static func group(_ lines: ArraySlice<UnsafeBufferPointer<UInt8>>, column: Int) -> ParsedException? {
        var own: ParsedException? = nil
        var members: [ParsedException] = []
        var i = lines.startIndex + 1
        while i < lines.endIndex {
            defer { i += 1 }
            guard let (col, t) = content(lines[i]), let c0 = t.first, c0 != 0x20, c0 != 0x09,
                  let (te, ms) = ExceptionLine.parse(t) else { continue }
            let e = ParsedException(type: text(sub(t, 0, te)), message: ms.map { text(sub(t, $0, t.count)) } ?? "")
            if own == nil, col == column { own = e } else { members.append(e) }
        }
        guard var g = own else { return nil }
        g.members = members
        return g
    }

    static func text(_ b: UnsafeBufferPointer<UInt8>) -> String { String(decoding: b, as: UTF8.self) }
}

func hasLiteral(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ p: StaticString) -> Bool {
    let n = p.utf8CodeUnitCount
    guard i >= 0, b.count - i >= n else { return false }
    for k in 0..<n where b[i + k] != p.utf8Start[k] { return false }
    return true
}
