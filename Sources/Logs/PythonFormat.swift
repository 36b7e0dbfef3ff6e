// A Python `logging` format string (`'%(asctime)s [%(levelname)s] %(name)s: %(message)s'`, as passed to
// `logging.basicConfig(format=...)`) compiled into a sequence of literal and field matchers over bytes, with an
// optional `datefmt` in `time.strftime` syntax. Every LogRecord attribute is understood: asctime, created and
// msecs make `ts`; levelname/levelno make `level`; name → logger; process → pid; message → message; all others
// (funcName, lineno, thread, custom `extra=` keys...) go to `fields`. `{`-style formats (`{asctime} {message}`)
// are accepted too, and so are the placeholders of colouring formatters (colorlog's `%(log_color)s`, tornado's
// `%(color)s`...: they match nothing, since escapes are taken out before a line is read) and uvicorn's
// `%(levelprefix)s` (`INFO:` padded to nine columns).
//
// One rule set, whether the format was detected or given: a level is a level name (known, `Level N`, or a custom
// name in capitals), a logger is one word holding a letter or digit. So a traceback line (`ValueError: bad`)
// never reads as a record, and the format `log_formats` reports gives the same rows when passed back.

/// The LogRecord attributes a format can name, and what each becomes.
enum PyAttribute: UInt8, Sendable {
    case asctime, created, msecs, relativeCreated, levelname, levelno, name, message, process
    /// Another attribute: text or a number in `fields`.
    case extraText, extraInteger, extraFloat
    /// uvicorn's `LEVEL:` padded with spaces to nine columns.
    case levelprefix
    /// A colour placeholder (colorlog, tornado): escape codes, which are removed before a line is read.
    case color

    static func of(_ name: String, conversion: UInt8) -> PyAttribute {
        switch name {
        case "asctime": return .asctime
        case "created": return .created
        case "msecs": return .msecs
        case "relativeCreated": return .relativeCreated
        case "levelname": return .levelname
        case "levelno": return .levelno
        case "name": return .name
        case "message": return .message
        case "process": return .process
        case "levelprefix": return .levelprefix
        case _ where isColorPlaceholder(name): return .color
        case "lineno", "thread": return .extraInteger
        default:
            switch conversion {
            case UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "u"): return .extraInteger
            case UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "g"),
                 UInt8(ascii: "G"): return .extraFloat
            default: return .extraText
            }
        }
    }
}

/// colorlog's `log_color`, `reset`, `<name>_log_color` and colour names (`red`, `bold_blue`, `bg_white`...),
/// tornado's `color`/`end_color`.
func isColorPlaceholder(_ name: String) -> Bool {
    if ["color", "end_color", "log_color", "reset"].contains(name) || name.hasSuffix("_log_color") { return true }
    var n = Substring(name)
    for prefix in ["fg_", "bg_", "bold_", "thin_", "light_", "fg_bold_", "fg_thin_", "bg_bold_"] where n.hasPrefix(prefix) {
        n = n.dropFirst(prefix.count)
        break
    }
    if n.hasPrefix("light_") { n = n.dropFirst(6) }
    return ["black", "red", "green", "yellow", "blue", "purple", "cyan", "white", "bold", "thin"].contains(String(n))
}

struct PyItem: Sendable {
    /// A literal (`attribute == nil`) or a field.
    var attribute: PyAttribute?
    var literalStart = 0
    var literalCount = 0
    var width = 0
    var leftAlign = false
    var conversion: UInt8 = UInt8(ascii: "s")
    /// `%(levelname).1s`: at most this many bytes of the value (0: no limit).
    var precision = 0
    /// Index into `fieldNames` for extras.
    var nameIndex = -1
}

/// A compiled format, shareable between files (a parser per file adds the year reference).
public struct PythonFormat: Sendable {
    public let source: String
    public let datefmt: StrftimeFormat?
    let items: [PyItem]
    let pool: [UInt8]
    public let fieldNames: [String]
    /// The `fields` number of a time of day kept there (a datefmt without a day), else -1.
    public private(set) var asctimeField = -1
    /// Whether records carry a time (asctime, created or an epoch-only msecs does not count).
    public let hasTime: Bool

    public static let maxItems = 200

    public init(_ format: String, datefmt: String? = nil) throws(LogFormatError) {
        source = format
        self.datefmt = try datefmt.map { f throws(LogFormatError) in try StrftimeFormat(f) }
        var items: [PyItem] = []
        var pool: [UInt8] = []
        var names: [String] = []
        let u = Array(format.utf8)
        let braceStyle = !format.contains("%(") && format.contains("{")

        func addLiteral(_ c: UInt8) {
            if let last = items.last, last.attribute == nil, last.literalStart + last.literalCount == pool.count {
                items[items.count - 1].literalCount += 1
            } else {
                items.append(PyItem(attribute: nil, literalStart: pool.count, literalCount: 1))
            }
            pool.append(c)
        }
        func addField(_ name: String, width: Int, leftAlign: Bool, conversion: UInt8,
                      precision: Int) throws(LogFormatError) {
            guard !name.isEmpty else { throw LogFormatError("format '\(format)': empty attribute name") }
            let attr = PyAttribute.of(name, conversion: conversion)
            if let prev = items.last, prev.attribute == .message {
                // The message is free text: what follows it must be literal text to find where it ends.
                throw LogFormatError("format '\(format)': %(message)s must be followed by literal text or end the format")
            }
            var item = PyItem(attribute: attr, width: width, leftAlign: leftAlign, conversion: conversion,
                              precision: precision)
            if attr == .extraText || attr == .extraInteger || attr == .extraFloat || attr == .relativeCreated {
                if let k = names.firstIndex(of: name) { item.nameIndex = k } else { item.nameIndex = names.count; names.append(name) }
            }
            items.append(item)
        }

        var i = 0
        if braceStyle {
            while i < u.count {
                let c = u[i]
                if c == UInt8(ascii: "{") {
                    if i + 1 < u.count, u[i + 1] == UInt8(ascii: "{") { addLiteral(c); i += 2; continue }
                    guard let close = u[i...].firstIndex(of: UInt8(ascii: "}")) else {
                        throw LogFormatError("format '\(format)': unclosed '{'")
                    }
                    let inner = String(decoding: u[(i + 1)..<close], as: UTF8.self)
                    let parts = inner.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                    let name = String(parts.first ?? "")
                    var spec = parts.count > 1 ? Array(parts[1].utf8) : []
                    var left = false
                    if let f = spec.first, f == UInt8(ascii: "<") || f == UInt8(ascii: ">") || f == UInt8(ascii: "^") {
                        left = f == UInt8(ascii: "<"); spec.removeFirst()
                    }
                    var width = 0
                    while let f = spec.first, isDigit(f) { width = min(1000, width * 10 + Int(f - 0x30)); spec.removeFirst() }
                    var precision = 0
                    if let f = spec.first, f == UInt8(ascii: ".") {
                        spec.removeFirst()
                        while let g = spec.first, isDigit(g) { precision = min(1000, precision * 10 + Int(g - 0x30)); spec.removeFirst() }
                    }
                    let conv = spec.first ?? UInt8(ascii: "s")
                    try addField(name, width: width, leftAlign: left, conversion: conv, precision: precision)
                    i = close + 1
                } else if c == UInt8(ascii: "}") {
                    if i + 1 < u.count, u[i + 1] == c { i += 1 }
                    addLiteral(c); i += 1
                } else {
                    addLiteral(c); i += 1
                }
            }
        } else {
            while i < u.count {
                let c = u[i]
                guard c == UInt8(ascii: "%") else { addLiteral(c); i += 1; continue }
                guard i + 1 < u.count else { throw LogFormatError("format '\(format)' ends with a lone '%'") }
                if u[i + 1] == UInt8(ascii: "%") { addLiteral(c); i += 2; continue }
                guard u[i + 1] == UInt8(ascii: "(") else {
                    throw LogFormatError("format '\(format)': '%' must start %(attribute)s or be doubled as %%")
                }
                guard let close = u[(i + 2)...].firstIndex(of: UInt8(ascii: ")")) else {
                    throw LogFormatError("format '\(format)': unclosed '%('")
                }
                let name = String(decoding: u[(i + 2)..<close], as: UTF8.self)
                var j = close + 1
                var left = false
                while j < u.count, "#0- +".utf8.contains(u[j]) { if u[j] == UInt8(ascii: "-") { left = true }; j += 1 }
                var width = 0
                while j < u.count, isDigit(u[j]) { width = min(1000, width * 10 + Int(u[j] - 0x30)); j += 1 }
                var precision = 0
                if j < u.count, u[j] == UInt8(ascii: ".") {
                    j += 1
                    while j < u.count, isDigit(u[j]) { precision = min(1000, precision * 10 + Int(u[j] - 0x30)); j += 1 }
                }
                guard j < u.count, "diouxXeEfFgGcrsa".utf8.contains(u[j]) else {
                    throw LogFormatError("format '\(format)': %(\(name)) needs a conversion such as 's' or 'd'")
                }
                // A precision on a number is its fraction's digits, not a cut (`%(msecs).03d`).
                let textual = !"diouxXeEfFgG".utf8.contains(u[j])
                try addField(name, width: width, leftAlign: left, conversion: u[j], precision: textual ? precision : 0)
                i = j + 1
            }
        }
        // The matcher recurses once per item: keep that depth small whatever the input.
        guard items.count <= Self.maxItems else {
            throw LogFormatError("format '\(format)' has more than \(Self.maxItems) parts")
        }
        guard items.contains(where: { $0.attribute != nil }) else {
            throw LogFormatError("format '\(format)' names no LogRecord attribute (such as %(message)s)")
        }
        // A datefmt without a day (`%H:%M:%S`) gives no timestamp: the time of day goes to `fields` as `asctime`.
        let dated = self.datefmt?.hasDate ?? true
        if !dated, let k = items.firstIndex(where: { $0.attribute == .asctime }) {
            items[k].nameIndex = names.count
            asctimeField = names.count
            names.append("asctime")
        }
        self.items = items
        self.pool = pool
        fieldNames = names
        hasTime = items.contains { ($0.attribute == .asctime && dated) || $0.attribute == .created }
    }

    public var attributeNames: [String] { fieldNames }
}

/// A `PythonFormat` applied to one file.
public final class PythonLineParser: LineParser {
    public let format: PythonFormat
    let reference: YearReference
    override public var fieldNames: [String] { format.fieldNames }
    private let datefmt: StrftimeFormat?
    /// `datefmt == nil`, kept as a plain flag for the per-line path.
    private let defaultTime: Bool
    private let items: UnsafeMutableBufferPointer<PyItem>
    private let pool: UnsafeMutableBufferPointer<UInt8>
    /// The common shape matched without the generic walk (see PythonSimpleShape), nil for other formats.
    let shape: PythonSimpleShape?

    public init(_ format: PythonFormat, reference: YearReference) {
        self.format = format
        self.reference = reference
        datefmt = format.datefmt
        defaultTime = format.datefmt == nil
        items = .allocate(capacity: max(1, format.items.count))
        _ = items.initialize(from: format.items)
        pool = .allocate(capacity: max(1, format.pool.count))
        _ = pool.initialize(from: format.pool)
        shape = PythonSimpleShape.of(items, pool: pool)
    }

    deinit {
        shape?.release()
        items.deallocate()
        pool.deallocate()
    }

    override public func parseHead(_ line: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        let fast: FastResult
        if let shape {
            let time = defaultTime ? defaultAsctime(line) : datefmt?.match(line, 0, reference)
            fast = shape.match(line, &head, time: time)
        } else {
            fast = fastMatch(line, &head)
        }
        switch fast {
        case .matched: return true
        case .failed: return false
        case .undecided:
            head.reset()
            var budget = 256
            return match(0, 0, line, &head, &budget)
        }
    }

    enum FastResult { case matched, failed, undecided }

    /// The date (`YYYY-MM-DD`, the first 10 bytes) of the last line whose default asctime was read, and its
    /// fields: a log's lines share their date for hours, so the next line of that day has only its time of day
    /// read and checked. Each reader has its own parser (`makeParser`), so this is never shared between threads.
    @exclusivity(unchecked) private var dayKey: (UInt64, UInt16) = (0, 0)
    @exclusivity(unchecked) private var dayFields: (year: Int, month: Int, day: Int)? = nil

    /// `parseDefaultAsctime(b, 0)`, the usual `YYYY-MM-DD HH:MM:SS,mmm` of a known date without reading the date
    /// again. Whatever this shortcut does not settle — another date, another shape, a word after the time that
    /// may be a zone — is read by `parseDefaultAsctime`, so the result is always the same.
    @inline(__always)
    private func defaultAsctime(_ b: Bytes) -> (LogTime, Int)? {
        if let f = dayFields, b.count >= 25, let p = b.baseAddress,
           UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) == dayKey.0,
           UnsafeRawPointer(p + 8).loadUnaligned(as: UInt16.self) == dayKey.1 {
            @inline(__always) func d(_ k: Int) -> UInt8 { p[k] &- 0x30 }
            let h0 = d(11), h1 = d(12), n0 = d(14), n1 = d(15), s0 = d(17), s1 = d(18), f0 = d(20), f1 = d(21), f2 = d(22)
            let sep = p[10], after = p[23]
            if sep == 0x20 || sep == 0x54, p[13] == 0x3A, p[16] == 0x3A, p[19] == 0x2C || p[19] == 0x2E,
               h0 < 10, h1 < 10, n0 < 10, n1 < 10, s0 < 10, s1 < 10, f0 < 10, f1 < 10, f2 < 10,
               !isDigit(after), after != 0x5A, after != 0x2B, after != 0x2D {
                let h = Int(h0) * 10 + Int(h1), mi = Int(n0) * 10 + Int(n1), sec = Int(s0) * 10 + Int(s1)
                let next = p[24]
                // A space then `+`, `-` or a capital may start a zone: left to the full reading.
                let zoneMayFollow = after == 0x20 && (next == 0x2B || next == 0x2D || (next >= 0x41 && next <= 0x5A))
                if h <= 23, mi <= 59, sec <= 60, !zoneMayFollow {
                    let ms = Int(f0) * 100 + Int(f1) * 10 + Int(f2)
                    return (LogTime(year: f.year, month: f.month, day: f.day, hour: h, minute: mi, second: sec,
                                    nanosecond: ms * 1_000_000), 23)
                }
            }
        }
        let r = parseDefaultAsctime(b, 0)
        if let (t, _) = r, b.count >= 10, let p = b.baseAddress {
            // The date was read from these 10 bytes and found valid.
            dayKey = (UnsafeRawPointer(p).loadUnaligned(as: UInt64.self), UnsafeRawPointer(p + 8).loadUnaligned(as: UInt16.self))
            dayFields = (Int(t.year), Int(t.month), Int(t.day))
        }
        return r
    }

    /// The common case without recursion: every text field ends at the first occurrence of the literal after
    /// it (the message, last, takes the rest). A line that fails before any such choice was made fails for
    /// good; one that fails after is handed to the backtracking `match`.
    @inline(__always)
    private func fastMatch(_ b: Bytes, _ head: inout RecordHead) -> FastResult {
        guard let lp = pool.baseAddress else { return .undecided }
        var pos = 0
        var chose = false
        var k = 0
        let n = items.count
        while k < n {
            let it = items[k]
            guard let attr = it.attribute else {
                let c = it.literalCount
                guard c <= b.count - pos else { return chose ? .undecided : .failed }
                var i = 0
                while i < c {
                    guard b[pos + i] == lp[it.literalStart + i] else { return chose ? .undecided : .failed }
                    i += 1
                }
                pos += c
                k += 1
                continue
            }
            switch attr {
            case .asctime where defaultTime:
                guard let (t, end) = parseDefaultAsctime(b, pos) else { return chose ? .undecided : .failed }
                head.time = t
                head.hasTime = true
                pos = end
            case .color:
                break
            case .levelname, .name, .message, .extraText:
                guard it.width == 0, it.precision == 0 else { return .undecided }
                var end = b.count
                if k + 1 < n {
                    let next = items[k + 1]
                    guard next.attribute == nil, attr != .message else { return .undecided }
                    let lit = Bytes(start: lp + next.literalStart, count: next.literalCount)
                    guard let at = findLiteral(b, lit, from: pos) else { return chose ? .undecided : .failed }
                    end = at
                    chose = true
                }
                switch attr {
                case .levelname:
                    var s = pos, e = end
                    while e > s, b[e - 1] == 0x20 { e -= 1 }
                    while s < e, b[s] == 0x20 { s += 1 }
                    guard e > s else { return .undecided }
                    let lv = LogLevel.recognise(sub(b, s, e))
                    guard LogLevel.isLevelLike(sub(b, s, e), lv) else { return .undecided }
                    head.level = lv
                    head.levelText = Span(s, e)
                case .name:
                    guard isLoggerName(b, pos, end) else { return .undecided }
                    head.logger = Span(pos, end)
                case .message:
                    head.message = Span(pos, end)
                default:
                    guard end > pos else { return .undecided }
                    head.extras.append(ExtraField(name: .fixed(it.nameIndex), value: Span(pos, end), kind: .text))
                }
                pos = end
            default:
                return .undecided
            }
            k += 1
        }
        return pos == b.count ? .matched : .undecided
    }

    @inline(__always)
    private func literal(_ it: PyItem) -> Bytes {
        Bytes(start: pool.baseAddress.map { $0 + it.literalStart }, count: it.literalCount)
    }

    private func match(_ k: Int, _ pos: Int, _ b: Bytes, _ head: inout RecordHead, _ budget: inout Int) -> Bool {
        guard k < items.count else { return pos == b.count }
        let it = items[k]
        guard let attr = it.attribute else {
            // Literal text: compared byte by byte (they are short).
            let n = it.literalCount
            guard pos >= 0, n <= b.count - pos, let lp = pool.baseAddress else { return false }
            var i = 0
            while i < n {
                guard b[pos + i] == lp[it.literalStart + i] else { return false }
                i += 1
            }
            return match(k + 1, pos + n, b, &head, &budget)
        }
        switch attr {
        case .color:
            return match(k + 1, pos, b, &head, &budget)
        case .levelprefix:
            // `LEVEL:` then spaces up to nine columns (uvicorn pads `levelname + ":"` with 8 - len spaces).
            guard pos < b.count, let colon = findByte(sub(b, 0, min(b.count, pos + 17)), 0x3A, from: pos), colon > pos
            else { return false }
            let name = sub(b, pos, colon)
            let lv = LogLevel.recognise(name)
            guard LogLevel.isLevelLike(name, lv) else { return false }
            var end = colon + 1
            for _ in 0..<max(0, 8 - (colon - pos)) {
                guard end < b.count, b[end] == 0x20 else { return false }
                end += 1
            }
            head.level = lv
            head.levelText = Span(pos, colon)
            return match(k + 1, end, b, &head, &budget)
        case .asctime:
            let r: (LogTime, Int)?
            if defaultTime { r = parseDefaultAsctime(b, pos) } else { r = datefmt?.match(b, pos, reference) }
            guard let (t, end) = r else { return false }
            guard it.nameIndex < 0 else {
                // A time of day without a date: kept in `fields`, not made up into a timestamp.
                head.extras.append(ExtraField(name: .fixed(it.nameIndex), value: Span(pos, end), kind: .text))
                if match(k + 1, end, b, &head, &budget) { return true }
                head.extras.removeLast()
                return false
            }
            head.time = t
            head.hasTime = true
            return match(k + 1, end, b, &head, &budget)
        case .created, .msecs, .relativeCreated, .levelno, .process, .extraInteger, .extraFloat:
            guard let (s, e, digitsEnd) = number(b, pos, it) else { return false }
            let saved = head.extras.count
            switch attr {
            case .created:
                guard let (t, end) = parseEpochNumber(b, s), end == digitsEnd else { return false }
                head.time = t
                head.hasTime = true
            case .msecs:
                guard let whole = someDigits(b, s, maxDigits: 4), whole.value < 1000 else { return false }
                var nanos = Int(whole.value) * 1_000_000
                if whole.end < digitsEnd, let f = fractionDigits(b, whole.end + 1) { nanos += f.nanos / 1000 }
                head.time.nanosecond = Int32(nanos)
                // A time of day kept in `fields` (`%(asctime)s.%(msecs)03d` with datefmt `%H:%M:%S`, Prefect's)
                // keeps its milliseconds: the field's text runs on over `.mmm`.
                if let last = head.extras.indices.last, case .fixed(let n) = head.extras[last].name,
                   n == format.asctimeField, Int(head.extras[last].value.end) + 1 == s, b[s - 1] == 0x2E {
                    let before = head.extras[last].value
                    head.extras[last].value = Span(Int(before.start), digitsEnd)
                    if match(k + 1, e, b, &head, &budget) { return true }
                    head.extras[last].value = before
                    return false
                }
            case .levelno:
                guard let v = someDigits(b, s, maxDigits: 9) else { return false }
                head.level = LogLevel.fromPythonNumber(v.value)
                head.levelText = Span(s, digitsEnd)
            case .process:
                guard let v = someDigits(b, s, maxDigits: 18), v.end == digitsEnd else { return false }
                head.pid = v.value
                head.hasPid = true
            default:
                head.extras.append(ExtraField(name: .fixed(it.nameIndex), value: Span(s, digitsEnd), kind: .number))
            }
            if match(k + 1, e, b, &head, &budget) { return true }
            if head.extras.count > saved { head.extras.removeSubrange(saved...) }
            return false
        case .levelname, .name, .message, .extraText:
            return text(k, it, attr, pos, b, &head, &budget)
        }
    }

    /// A number field at `pos` with its padding: (digits start, field end, digits end).
    private func number(_ b: Bytes, _ pos: Int, _ it: PyItem) -> (Int, Int, Int)? {
        var j = pos
        if !it.leftAlign { while j < b.count, b[j] == 0x20, j - pos < 20 { j += 1 } }
        let s = j
        if j < b.count, b[j] == 0x2D { j += 1 }
        let digits = j
        while j < b.count, isDigit(b[j]) { j += 1 }
        guard j > digits else { return nil }
        let float = it.attribute == .created || it.attribute == .relativeCreated || it.attribute == .extraFloat
            || (it.attribute == .msecs && it.conversion != UInt8(ascii: "d"))
        if float, j + 1 < b.count, b[j] == 0x2E, isDigit(b[j + 1]) {
            j += 1
            while j < b.count, isDigit(b[j]) { j += 1 }
        }
        let digitsEnd = j
        if it.leftAlign { while j < b.count, b[j] == 0x20, j - pos < it.width { j += 1 } }
        return (s, j, digitsEnd)
    }

    /// A text field: tries the places where it could end (before the next literal, at a space before another
    /// field, or at the end of the line), the message from the right and the others from the left.
    private func text(_ k: Int, _ it: PyItem, _ attr: PyAttribute, _ pos: Int, _ b: Bytes,
                      _ head: inout RecordHead, _ budget: inout Int) -> Bool {
        let nextIndex = k + 1
        let saved = head.extras.count
        func attempt(_ end: Int, _ head: inout RecordHead, _ budget: inout Int) -> Bool {
            budget -= 1
            guard budget > 0 else { return false }
            var s = pos, e = end
            if it.width > 0 || attr == .levelname {
                if it.leftAlign || attr == .levelname { while e > s, b[e - 1] == 0x20 { e -= 1 } }
                if !it.leftAlign || attr == .levelname { while s < e, b[s] == 0x20 { s += 1 } }
            }
            switch attr {
            case .levelname:
                guard e > s else { return false }
                let name = sub(b, s, e)
                var lv = LogLevel.recognise(name)
                // `%(levelname).1s` (tornado, Jupyter): `I`, `W`...; `.4s`: `WARN`, `DEBU`...
                if it.precision > 0, lv == .other || lv == .none, let cut = LogLevel.fromTruncated(name) { lv = cut }
                guard LogLevel.isLevelLike(name, lv) else { return false }
                head.level = lv
                head.levelText = Span(s, e)
            case .name:
                guard isLoggerName(b, s, e) else { return false }
                head.logger = Span(s, e)
            case .message:
                head.message = Span(s, e)
            default:
                if e == s { return false }
                head.extras.append(ExtraField(name: .fixed(it.nameIndex), value: Span(s, e), kind: .text))
            }
            if match(nextIndex, end, b, &head, &budget) { return true }
            if head.extras.count > saved { head.extras.removeSubrange(saved...) }
            return false
        }
        // A field with a precision (`%(levelname)1.1s`) is at most that long (padding included).
        let maxEnd = it.precision > 0 ? min(b.count, pos + max(it.width, it.precision)) : b.count
        guard nextIndex < items.count else { return maxEnd == b.count && attempt(b.count, &head, &budget) }
        // A padded field (`%(levelname)-8s`) fills at least its width.
        let minEnd = pos + it.width
        guard minEnd <= b.count else { return false }
        let next = items[nextIndex]
        if next.attribute == nil {
            let lit = literal(next)
            if attr == .message {
                var before = b.count
                while let at = findLastLiteral(b, lit, from: minEnd, before: before) {
                    if attempt(at, &head, &budget) { return true }
                    guard budget > 0 else { return false }
                    before = at + lit.count - 1
                }
            } else {
                var from = minEnd
                while let at = findLiteral(b, lit, from: from), at <= maxEnd {
                    if attempt(at, &head, &budget) { return true }
                    guard budget > 0 else { return false }
                    from = at + 1
                }
            }
            return false
        }
        // Another field follows directly: end at a space (or the end of the line).
        var from = max(pos + 1, minEnd)
        while let at = findByte(b, 0x20, from: from), at <= maxEnd {
            if attempt(at, &head, &budget) { return true }
            guard budget > 0 else { return false }
            from = at + 1
        }
        return maxEnd == b.count && attempt(b.count, &head, &budget)
    }
}

/// A logger name: one word (no space) holding at least one letter, digit or `_` (never `|`, `-` or `:` alone).
@inline(__always)
func isLoggerName(_ b: Bytes, _ s: Int, _ e: Int) -> Bool {
    guard e > s, s >= 0, e <= b.count, let base = b.baseAddress, !hasSpace(base, s, e) else { return false }
    for i in s..<e {
        let c = b[i]
        if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || isDigit(c) || c == 0x5F || c >= 0x80 { return true }
    }
    return false
}
