// Two console renderers whose output often lands in files (`>> job.log 2>&1`, `tee`), neither of which a Python
// format string describes:
//   structlog's ConsoleRenderer  `2026-11-20 02:00:01 [info     ] event padded to 30 [logger] key=value ...`
//                                 (the time as its TimeStamper wrote it: `%Y-%m-%d %H:%M:%S` by default, or ISO)
//   rich's RichHandler            `[11/20/26 02:00:01] INFO     message                       file.py:42`
//                                 (the time column is blank when the second did not change, `[02:00:01]` with
//                                 the docs' datefmt; long messages wrap onto lines indented to the message column)
// Colour escapes are taken out before these parsers see a line (HeadFinder).

/// structlog's ConsoleRenderer: the level lower-case and padded inside brackets, the event padded to 30 columns,
/// then an optional `[logger]` and `key=value` pairs, which go to `fields` (numbers as numbers).
public final class StructlogLineParser: LineParser {
    let reference: YearReference
    static let eventWidth = 30

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        guard let (t, te) = parseISOTime(b, 0), te + 2 < b.count, b[te] == 0x20, b[te + 1] == 0x5B else { return false }
        // [level    ]: lower-case letters, then spaces, at least 8 columns (structlog pads to its longest level).
        let ls = te + 2
        var i = ls
        while i < b.count, b[i] >= 0x61, b[i] <= 0x7A { i += 1 }
        let le = i
        while i < b.count, b[i] == 0x20 { i += 1 }
        guard le > ls, i < b.count, b[i] == 0x5D, i - ls >= 8 else { return false }
        let level = LogLevel.recognise(sub(b, ls, le))
        guard level != .other || hasPrefix(sub(b, ls, le), "exception") else { return false }
        head.time = t
        head.hasTime = true
        head.level = level == .other ? .error : level
        head.levelText = Span(ls, le)
        i += 1
        guard i == b.count || b[i] == 0x20 else { return false }
        let rest = min(b.count, i + 1)
        let (eventEnd, pairsStart) = splitEvent(b, rest)
        var e = eventEnd
        while e > rest, b[e - 1] == 0x20 { e -= 1 }
        head.message = Span(rest, e)
        var k = pairsStart
        // [logger] right after the event.
        if k < b.count, b[k] == 0x5B, let close = findByte(b, 0x5D, from: k + 1), close + 1 == b.count || b[close + 1] == 0x20,
           isLoggerName(b, k + 1, close) {
            head.logger = Span(k + 1, close)
            k = close + 2
        }
        while k < b.count, let kv = pair(b, k) {
            head.extras.append(ExtraField(name: .key(Span(k, kv.eq)), value: Span(kv.vs, kv.ve), kind: kv.number ? .number : .text))
            k = kv.end + 1
        }
        return true
    }

    /// Where the event ends and the pairs (or `[logger]`) start. An event shorter than 30 columns is padded, so the
    /// pairs start at column 31; a longer one ends before the first place from which the rest reads as pairs.
    private func splitEvent(_ b: Bytes, _ s: Int) -> (Int, Int) {
        let w = Self.eventWidth
        if s + w <= b.count, b[s + w - 1] == 0x20, s + w == b.count || b[s + w] == 0x20 {
            var e = s + w
            while e > s, b[e - 1] == 0x20 { e -= 1 }
            if e < s + w - 1 || e == s { return (e, min(b.count, s + w + 1)) }
        }
        // Unpadded, the event is 30 columns or more: pairs start no earlier (`loss=0.4 | acc=0.8` in a shorter
        // event is the event's own text, else structlog would have padded it).
        var k = min(b.count, s + w)
        while let sp = findByte(b, 0x20, from: k) {
            if sp + 1 < b.count, restArePairs(b, sp + 1) { return (sp, sp + 1) }
            k = sp + 1
        }
        return (b.count, b.count)
    }

    private func restArePairs(_ b: Bytes, _ from: Int) -> Bool {
        var k = from
        if k < b.count, b[k] == 0x5B, let close = findByte(b, 0x5D, from: k + 1), close + 1 == b.count || b[close + 1] == 0x20,
           isLoggerName(b, k + 1, close) {
            k = close + 2
            if k >= b.count { return true }
        }
        var any = false
        while k < b.count {
            guard let kv = pair(b, k) else { return false }
            any = true
            k = kv.end + 1
        }
        return any
    }

    /// `key=value` at `k`: key an identifier; value a quoted repr, a bracketed repr, or a word. Ends at a space or
    /// the end of the line.
    private func pair(_ b: Bytes, _ k: Int) -> (eq: Int, vs: Int, ve: Int, end: Int, number: Bool)? {
        guard k < b.count, (b[k] | 0x20) >= 0x61 && (b[k] | 0x20) <= 0x7A || b[k] == 0x5F else { return nil }
        var i = k + 1
        while i < b.count, (b[i] | 0x20) >= 0x61 && (b[i] | 0x20) <= 0x7A || isDigit(b[i]) || b[i] == 0x5F || b[i] == 0x2E || b[i] == 0x2D { i += 1 }
        guard i < b.count, b[i] == 0x3D else { return nil }
        let eq = i
        i += 1
        guard i < b.count else { return (eq, i, i, i, false) }
        let c = b[i]
        var vs = i, ve: Int
        if c == 0x27 || c == 0x22 {
            var j = i + 1
            while j < b.count, b[j] != c { j += b[j] == 0x5C ? 2 : 1 }
            guard j < b.count else { return nil }
            vs = i + 1
            ve = j
            i = j + 1
        } else if c == 0x5B || c == 0x7B || c == 0x28 {
            var depth = 0
            var j = i
            var quote: UInt8 = 0
            while j < b.count {
                let d = b[j]
                if quote != 0 {
                    if d == 0x5C { j += 2; continue }
                    if d == quote { quote = 0 }
                } else if d == 0x27 || d == 0x22 {
                    quote = d
                } else if d == 0x5B || d == 0x7B || d == 0x28 {
                    depth += 1
                } else if d == 0x5D || d == 0x7D || d == 0x29 {
                    depth -= 1
                    if depth == 0 { break }
                }
                j += 1
            }
            guard j < b.count else { return nil }
            ve = j + 1
            i = j + 1
        } else {
            while i < b.count, b[i] != 0x20 { i += 1 }
            ve = i
        }
        guard i == b.count || b[i] == 0x20 else { return nil }
        return (eq, vs, ve, i, isJSONNumber(sub(b, vs, ve)) && c != 0x27 && c != 0x22)
    }
}

/// A JSON number literal (`-12`, `0.5`, `1e-3`), so a value can go to `fields` as a number.
func isJSONNumber(_ b: Bytes) -> Bool {
    guard !b.isEmpty, let (end, kind) = JSON.value(b, 0) else { return false }
    return kind == .number && end == b.count && !(b.count > 1 && b[0] == 0x30 && isDigit(b[1]))
}

/// rich's RichHandler in a file: a time column (`[%x %X] `, 20 columns, by default; `[%X] `, 11 columns, with the
/// `datefmt="[%X]"` of rich's docs), blank when the second repeats, the level padded to 8 columns, the message, and
/// `file.py:42` at the right edge. A record whose time column is blank takes the time of the record before it
/// (which is what rich means), so this parser keeps the last time it read. A time of day without a date is no
/// timestamp: it goes to `fields` as `time`, and `ts` is NULL.
public final class RichLineParser: LineParser {
    let reference: YearReference
    static let names = ["filename", "lineno", "time"]
    override public var fieldNames: [String] { Self.names }
    private var lastTime: LogTime?
    private var lastClock: [UInt8]?
    /// The width of the time column, from the last line that had a time.
    private var timeColumns = 20
    static let levelColumns = 9

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        var time: LogTime? = nil
        var clock: [UInt8]? = nil
        var clockSpan: Span? = nil
        let lc: Int
        if b.count > 10, b[0] == 0x5B {
            if b.count > 19, b[18] == 0x5D, b[19] == 0x20 {
                // [MM/DD/YY HH:MM:SS]
                guard let mo = fixedDigits(b, 1, 2), b[3] == 0x2F, let d = fixedDigits(b, 4, 2), b[6] == 0x2F,
                      let yy = fixedDigits(b, 7, 2), b[9] == 0x20, let h = fixedDigits(b, 10, 2), b[12] == 0x3A,
                      let mi = fixedDigits(b, 13, 2), b[15] == 0x3A, let s = fixedDigits(b, 16, 2)
                else { return false }
                let t = LogTime(year: 2000 + yy, month: mo, day: d, hour: h, minute: mi, second: s)
                guard t.isValid else { return false }
                time = t
                lc = 20
            } else if b[9] == 0x5D, b[10] == 0x20 {
                // [HH:MM:SS]
                guard let h = fixedDigits(b, 1, 2), h < 24, b[3] == 0x3A, let mi = fixedDigits(b, 4, 2), mi < 60,
                      b[6] == 0x3A, let s = fixedDigits(b, 7, 2), s < 61 else { return false }
                clockSpan = Span(1, 9)
                lc = 11
            } else {
                return false
            }
        } else {
            lc = timeColumns
            guard b.count > lc else { return false }
            for k in 0..<lc where b[k] != 0x20 { return false }
            time = lastTime
            clock = lastClock
        }
        guard b.count > lc + Self.levelColumns else { return false }
        // LEVEL padded to 8, then a space.
        var e = lc
        while e < b.count, b[e] >= 0x41, b[e] <= 0x5A { e += 1 }
        guard e > lc, e - lc <= 8, b[lc + Self.levelColumns - 1] == 0x20 else { return false }
        for k in e..<(lc + Self.levelColumns) where b[k] != 0x20 { return false }
        let name = sub(b, lc, e)
        let level = LogLevel.recognise(name)
        guard LogLevel.isLevelLike(name, level) else { return false }
        // The message may start with spaces of its own: the level column already tells a head from a wrapped line.
        let ms = lc + Self.levelColumns
        guard ms < b.count else { return false }
        if b[0] == 0x5B {
            timeColumns = lc
            lastTime = time
            lastClock = clockSpan.map { Array(sub(b, Int($0.start), Int($0.end))) }
        }
        if let t = time {
            head.time = t
            head.hasTime = true
        }
        head.level = level
        head.levelText = Span(lc, e)
        // file.py:42 at the right edge, after at least one space.
        var end = b.count
        while end > ms, b[end - 1] == 0x20 { end -= 1 }
        var msgEnd = end
        if let sp = lastSpace(b, ms, end), sp > ms {
            var colon = end - 1
            while colon > sp, isDigit(b[colon]) { colon -= 1 }
            if colon > sp + 1, colon < end - 1, b[colon] == 0x3A {
                head.extras.append(ExtraField(name: .fixed(0), value: Span(sp + 1, colon), kind: .text))
                head.extras.append(ExtraField(name: .fixed(1), value: Span(colon + 1, end), kind: .number))
                msgEnd = sp
                while msgEnd > ms, b[msgEnd - 1] == 0x20 { msgEnd -= 1 }
            }
        }
        head.message = Span(ms, msgEnd)
        if let c = clockSpan {
            head.extras.append(ExtraField(name: .fixed(2), value: c, kind: .text))
        } else if let c = clock {
            // The time of day of the record above, after a copy of this line (spans point into the copy).
            var copy = Array(b)
            copy.append(contentsOf: c)
            head.extras.append(ExtraField(name: .fixed(2), value: Span(b.count, b.count + c.count), kind: .text))
            head.alternate = copy
        }
        return true
    }

    private func lastSpace(_ b: Bytes, _ from: Int, _ to: Int) -> Int? {
        var i = to - 1
        while i >= from {
            if b[i] == 0x20 { return i }
            i -= 1
        }
        return nil
    }
}
