// The shape most Python logging formats have — `%(asctime)s` (default or a dated `datefmt`), a separator, then
// levelname/name fields each closed by a literal, and the message last (`'%(asctime)s [%(levelname)s] %(name)s: %(message)s'`, the
// cookbook's `'%(asctime)s - %(name)s - %(levelname)s - %(message)s'`) — matched in one straight loop. It gives
// exactly what the generic matchers give for such a format (same outcome, same head): its one path is the first
// one `fastMatch` and the backtracking `match` try (each field ends at the first occurrence of its literal), and
// when that path fails after a field's end was chosen it says `undecided`, leaving the line to backtracking.
// Walking the generic item list per line was the largest single cost of reading a 500 MB log; with a `datefmt`
// every line went to the backtracking matcher.

struct PythonSimpleShape {
    /// A levelname or name field and the literal that closes it (bytes in `pool`).
    struct Field {
        var isLevel: Bool
        var literalStart: Int
        var literalCount: Int
    }

    /// The literal right after the time.
    let leadStart: Int
    let leadCount: Int
    let fields: UnsafeMutableBufferPointer<Field>
    let pool: UnsafePointer<UInt8>

    /// The shape of `items` (over `pool`, which must outlive it), or nil when the format is not of this shape.
    /// Free with `release()`.
    static func of(_ items: UnsafeMutableBufferPointer<PyItem>, pool: UnsafeMutableBufferPointer<UInt8>) -> PythonSimpleShape? {
        // (A time of day without a date, nameIndex >= 0, goes to `fields` instead: not this shape.)
        guard items.count >= 3, let base = pool.baseAddress,
              items[0].attribute == .asctime, items[0].nameIndex < 0, items[0].width == 0,
              items[1].attribute == nil, items[1].literalCount > 0,
              items[items.count - 1].attribute == .message, items.count % 2 == 1 else { return nil }
        var fields: [Field] = []
        var k = 2
        while k < items.count - 1 {
            let f = items[k], lit = items[k + 1]
            guard f.attribute == .levelname || f.attribute == .name, f.width == 0, f.precision == 0,
                  lit.attribute == nil, lit.literalCount > 0 else { return nil }
            fields.append(Field(isLevel: f.attribute == .levelname, literalStart: lit.literalStart, literalCount: lit.literalCount))
            k += 2
        }
        let message = items[items.count - 1]
        guard message.width == 0, message.precision == 0 else { return nil }
        let buffer = UnsafeMutableBufferPointer<Field>.allocate(capacity: max(1, fields.count))
        _ = buffer.initialize(from: fields)
        return PythonSimpleShape(leadStart: items[1].literalStart, leadCount: items[1].literalCount,
                                 fields: UnsafeMutableBufferPointer(rebasing: buffer[0..<fields.count]),
                                 pool: UnsafePointer(base))
    }

    func release() {
        fields.deallocate()
    }

    /// The line read with this shape, `time` being the format's time read at the line's start: failed before
    /// the first field's end was chosen, undecided after (the backtracking matcher then decides), matched when
    /// every part fits.
    @inline(__always)
    func match(_ b: Bytes, _ head: inout RecordHead, time: (LogTime, Int)?) -> PythonLineParser.FastResult {
        guard let (t, timeEnd) = time else { return .failed }
        head.time = t
        head.hasTime = true
        guard let base = b.baseAddress, leadCount <= b.count - timeEnd else { return .failed }
        if leadCount == 1 {
            guard base[timeEnd] == pool[leadStart] else { return .failed }
        } else {
            var i = 0
            while i < leadCount {
                guard base[timeEnd + i] == pool[leadStart + i] else { return .failed }
                i += 1
            }
        }
        var pos = timeEnd + leadCount
        var chose = false
        for f in fields {
            // The usual line in one pass: a level among Python's five names, or a plain logger name, right before
            // the literal. Anything else takes the general path below, which decides it as before.
            if f.isLevel {
                if let (lv, n) = pythonLevel(base, b.count, pos, pool + f.literalStart, f.literalCount) {
                    chose = true
                    head.level = lv
                    head.levelText = Span(pos, pos + n)
                    pos += n + f.literalCount
                    continue
                }
            } else if let end = plainNameEnd(base, b.count, pos, pool + f.literalStart, f.literalCount) {
                chose = true
                head.logger = Span(pos, end)
                pos = end + f.literalCount
                continue
            }
            guard let end = firstOccurrence(base, b.count, pool + f.literalStart, f.literalCount, from: pos) else {
                return chose ? .undecided : .failed
            }
            chose = true
            if f.isLevel {
                var s = pos, e = end
                while e > s, base[e - 1] == 0x20 { e -= 1 }
                while s < e, base[s] == 0x20 { s += 1 }
                guard e > s else { return .undecided }
                let name = sub(b, s, e)
                let lv = LogLevel.recognise(name)
                guard LogLevel.isLevelLike(name, lv) else { return .undecided }
                head.level = lv
                head.levelText = Span(s, e)
            } else {
                guard isLoggerName(b, pos, end) else { return .undecided }
                head.logger = Span(pos, end)
            }
            // The literal was found at `end`: no need to compare it again.
            pos = end + f.literalCount
        }
        head.message = Span(pos, b.count)
        return .matched
    }
}

/// First index at or after `from` where the `n` bytes at `lit` (n >= 1) occur within `count` bytes — what
/// `findLiteral` answers, inlined for the short separators of this shape.
@inline(__always)
private func firstOccurrence(_ base: UnsafePointer<UInt8>, _ count: Int, _ lit: UnsafePointer<UInt8>, _ n: Int,
                             from: Int) -> Int? {
    let last = count - n
    var i = from
    let c0 = lit[0]
    while i <= last {
        guard let at = firstByte(c0, base, i, last + 1) else { return nil }
        var k = 1
        while k < n, base[at + k] == lit[k] { k += 1 }
        if k == n { return at }
        i = at + 1
    }
    return nil
}

/// One of logging's five level names in upper case at `i`, directly followed by the field's literal: (level,
/// length of the name). The name's bytes are capital letters, so when the literal does not start with one it
/// cannot occur earlier: the general path would end the field at the same place and read the same level.
@inline(__always)
private func pythonLevel(_ base: UnsafePointer<UInt8>, _ count: Int, _ i: Int, _ lit: UnsafePointer<UInt8>,
                         _ n: Int) -> (LogLevel, Int)? {
    guard i >= 0, i + 8 <= count, lit[0] &- 0x41 >= 26 else { return nil }
    let key = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
    let level: LogLevel, length: Int
    if key & 0xFFFF_FFFF == 0x4F46_4E49 { level = .info; length = 4 }                          // INFO
    else if key & 0xFF_FFFF_FFFF == 0x47_5542_4544 { level = .debug; length = 5 }            // DEBUG
    else if key & 0xFF_FFFF_FFFF == 0x52_4F52_5245 { level = .error; length = 5 }            // ERROR
    else if key & 0xFF_FFFF_FFFF_FFFF == 0x47_4E49_4E52_4157 { level = .warning; length = 7 } // WARNING
    else if key == 0x4C41_4349_5449_5243 { level = .critical; length = 8 }                     // CRITICAL
    else { return nil }
    guard n <= count - i - length else { return nil }
    for k in 0..<n where base[i + length + k] != lit[k] { return nil }
    return (level, length)
}

/// Where a logger name starting at `i` ends, when the field's literal follows the first occurrence of its first
/// byte and the name before it is one `isLoggerName` accepts without question (no space, starting with a letter
/// or digit): then that occurrence is the literal's first, as the general path finds it. Nil leaves the field to
/// that path.
@inline(__always)
private func plainNameEnd(_ base: UnsafePointer<UInt8>, _ count: Int, _ i: Int, _ lit: UnsafePointer<UInt8>,
                          _ n: Int) -> Int? {
    guard i >= 0, i < count else { return nil }
    let first = base[i]
    let c0 = lit[0]
    guard (first | 0x20) &- 0x61 < 26 || first &- 0x30 < 10, first != c0 else { return nil }
    // The first byte that is the literal's first or a space.
    guard let at = firstOfTwoBytes(c0, 0x20, base, i + 1, count), base[at] == c0, n <= count - at else { return nil }
    for k in 1..<max(1, n) where base[at + k] != lit[k] { return nil }
    return at
}
