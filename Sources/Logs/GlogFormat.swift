// glog's line prefix, as absl-py (TensorFlow, JAX) and C++ glog write it:
//   `I1120 02:00:01.123456 12345 trainer.py:42] message`      (absl-py, glog before 0.7)
//   `I20261120 02:00:01.123456 12345 trainer.py:42] message`  (glog 0.7+, with the year)
// The letter is the level (I, W, E, F; D and V for debug), the number the thread id (padded with spaces to five
// columns), then `file:line]`. Without a year, it is the file's (see YearReference).

public final class GlogLineParser: LineParser {
    let reference: YearReference
    static let names = ["thread", "filename", "lineno"]
    override public var fieldNames: [String] { Self.names }

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        guard b.count > 24 else { return false }
        let letter = b[0]
        let level: LogLevel
        switch letter {
        case UInt8(ascii: "V"): level = .debug
        default:
            guard let l = LogLevel.fromLetter(letter), letter != UInt8(ascii: "C"), letter != UInt8(ascii: "T") else { return false }
            level = l
        }
        // mmdd or yyyymmdd, then a space.
        var i = 1
        while i < b.count, isDigit(b[i]), i < 10 { i += 1 }
        let digits = i - 1
        guard digits == 4 || digits == 8, i < b.count, b[i] == 0x20 else { return false }
        var year: Int? = nil
        var j = 1
        if digits == 8 { year = fixedDigits(b, 1, 4); j = 5 }
        guard let mo = fixedDigits(b, j, 2), let d = fixedDigits(b, j + 2, 2) else { return false }
        i += 1
        guard let h = fixedDigits(b, i, 2), i + 8 <= b.count, b[i + 2] == 0x3A, let mi = fixedDigits(b, i + 3, 2),
              b[i + 5] == 0x3A, let s = fixedDigits(b, i + 6, 2) else { return false }
        i += 8
        var nanos = 0
        if i + 1 < b.count, b[i] == 0x2E, let f = fractionDigits(b, i + 1) { nanos = f.nanos; i = f.end }
        let y = year ?? reference.year(forMonth: mo, day: d)
        let t = LogTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, nanosecond: nanos)
        guard t.isValid, i < b.count, b[i] == 0x20 else { return false }
        // Thread id, padded on the left.
        while i < b.count, b[i] == 0x20 { i += 1 }
        guard let thread = someDigits(b, i, maxDigits: 20), thread.end < b.count, b[thread.end] == 0x20 else { return false }
        let threadSpan = Span(i, thread.end)
        i = thread.end + 1
        // file:line]
        guard let close = findByte(b, 0x5D, from: i), close > i else { return false }
        var colon = close - 1
        while colon > i, isDigit(b[colon]) { colon -= 1 }
        guard colon > i, colon < close - 1, b[colon] == 0x3A, findByte(sub(b, i, colon), 0x20, from: 0) == nil else { return false }
        head.time = t
        head.hasTime = true
        head.level = level
        head.levelText = Span(0, 1)
        head.extras.append(ExtraField(name: .fixed(0), value: threadSpan, kind: .number))
        head.extras.append(ExtraField(name: .fixed(1), value: Span(i, colon), kind: .text))
        head.extras.append(ExtraField(name: .fixed(2), value: Span(colon + 1, close), kind: .number))
        var m = close + 1
        if m < b.count, b[m] == 0x20 { m += 1 }
        head.message = Span(m, b.count)
        return true
    }
}
