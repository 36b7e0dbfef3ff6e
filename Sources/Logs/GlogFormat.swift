// glog's line prefix, as absl-py (TensorFlow, JAX) and C++ glog write it:
//   `I1120 02:00:01.123456 12345 trainer.py:42] message`      (absl-py, glog before 0.7)
//   `I20261120 02:00:01.123456 12345 trainer.py:42] message`  (glog 0.7+, with the year)
//   `[rank0]:W1120 02:00:01.123000 140347 torch/distributed/run.py:792] message` (PyTorch)
//   `I0000 00:00:1712267574.801377  681831 pjrt_api.cc:100] message`  (absl before InitializeLog: Unix time, UTC)
// The letter is the level (I, W, E, F; D and V for debug; C, PyTorch's CRITICAL), the number the thread id (padded
// with spaces to five columns; PyTorch writes the process id there), then `file:line]`. Without a year, it is the
// file's (see YearReference). PyTorch's TorchLogsFormatter (torch/_logging/_internal.py: TORCH_LOGS, torchrun)
// puts `[rankN]:` first once torch.distributed is initialized (the rank goes to `fields`), and writes every line
// of a multi-line message, its traceback too, behind the same prefix: such lines continue the record
// (`continuesRepeatedPrefix`).

public final class GlogLineParser: LineParser {
    let reference: YearReference
    static let names = ["thread", "filename", "lineno", "rank"]
    override public var fieldNames: [String] { Self.names }
    override public var continuesRepeatedPrefix: Bool { true }

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        guard b.count > 24 else { return false }
        // PyTorch's `[rankN]:`.
        var o = 0
        var rank = Span.absent
        if b[0] == 0x5B {
            guard b.count > 32, b[1] == 0x72, b[2] == 0x61, b[3] == 0x6E, b[4] == 0x6B,
                  let n = someDigits(b, 5, maxDigits: 9), n.end + 2 < b.count, b[n.end] == 0x5D, b[n.end + 1] == 0x3A
            else { return false }
            rank = Span(5, n.end)
            o = n.end + 2
        }
        let letter = b[o]
        let level: LogLevel
        switch letter {
        case UInt8(ascii: "V"): level = .debug
        default:
            guard let l = LogLevel.fromLetter(letter), letter != UInt8(ascii: "T") else { return false }
            level = l
        }
        // mmdd or yyyymmdd, then a space.
        var i = o + 1
        while i < b.count, isDigit(b[i]), i < o + 10 { i += 1 }
        let digits = i - o - 1
        guard digits == 4 || digits == 8, i < b.count, b[i] == 0x20 else { return false }
        var year: Int? = nil
        var j = o + 1
        if digits == 8 { year = fixedDigits(b, j, 4); j += 4 }
        guard let mo = fixedDigits(b, j, 2), let d = fixedDigits(b, j + 2, 2) else { return false }
        i += 1
        // `I0000 00:00:1712267574.801377`: absl's line before absl::InitializeLog() (TensorFlow 2.17+, JAX, XLA)
        // holds the Unix time in the seconds field: read as that instant, in UTC (its offset known).
        var unixSeconds: Int64? = nil
        var clock = (h: 0, mi: 0, s: 0)
        if digits == 4, mo == 0, d == 0, i + 16 <= b.count, b[i] == 0x30, b[i + 1] == 0x30, b[i + 2] == 0x3A,
           b[i + 3] == 0x30, b[i + 4] == 0x30, b[i + 5] == 0x3A {
            guard let secs = someDigits(b, i + 6, maxDigits: 12), secs.end - (i + 6) >= 9 else { return false }
            unixSeconds = secs.value
            i = secs.end
        } else {
            guard let h = fixedDigits(b, i, 2), i + 8 <= b.count, b[i + 2] == 0x3A, let mi = fixedDigits(b, i + 3, 2),
                  b[i + 5] == 0x3A, let s = fixedDigits(b, i + 6, 2) else { return false }
            clock = (h, mi, s)
            i += 8
        }
        var nanos = 0
        if i + 1 < b.count, b[i] == 0x2E, let f = fractionDigits(b, i + 1) { nanos = f.nanos; i = f.end }
        var t: LogTime
        if let unixSeconds {
            guard let u = LogTime(epochSeconds: unixSeconds, nanosecond: Int64(nanos)) else { return false }
            t = u
            t.utcOffsetMinutes = 0
        } else {
            let y = year ?? reference.year(forMonth: mo, day: d)
            t = LogTime(year: y, month: mo, day: d, hour: clock.h, minute: clock.mi, second: clock.s, nanosecond: nanos)
        }
        guard t.isValid, i < b.count, b[i] == 0x20 else { return false }
        // Thread id, padded on the left.
        while i < b.count, b[i] == 0x20 { i += 1 }
        guard let thread = someDigits(b, i, maxDigits: 20), thread.end < b.count, b[thread.end] == 0x20 else { return false }
        let threadSpan = Span(i, thread.end)
        i = thread.end + 1
        // file:line]
        guard let (colon, close) = fileAndLine(b, from: i) else { return false }
        head.time = t
        head.hasTime = true
        head.level = level
        head.levelText = Span(o, o + 1)
        head.extras.append(ExtraField(name: .fixed(0), value: threadSpan, kind: .number))
        head.extras.append(ExtraField(name: .fixed(1), value: Span(i, colon), kind: .text))
        head.extras.append(ExtraField(name: .fixed(2), value: Span(colon + 1, close), kind: .number))
        if rank.isPresent { head.extras.append(ExtraField(name: .fixed(3), value: rank, kind: .number)) }
        var m = close + 1
        if m < b.count, b[m] == 0x20 { m += 1 }
        head.message = Span(m, b.count)
        return true
    }
}

// TensorFlow's and XLA's own C++ logging to stderr (tsl/platform/default/logging.cc, TFDefaultLogSink::Send;
// xla/tsl keeps the same file): glog's severity letter and `file:line]`, after a dated local time:
//   `2026-11-20 02:00:01.123456: I tensorflow/core/platform/cpu_feature_guard.cc:182] msg`
//   `2026-11-20 02:00:01.123456: W   12345 external/local_xla/xla/service/service.cc:168] msg` (TF_CPP_LOG_THREAD_ID=1)
// printed as `"%s.%06d: %c%s %s:%d] %s\n"` with `%Y-%m-%d %H:%M:%S`; the thread id, when asked for, is
// ` %7u`. A multi-line message is printed as is: its later lines carry no prefix.

public final class TSLLineParser: LineParser {
    let reference: YearReference
    override public var fieldNames: [String] { GlogLineParser.names }

    public init(reference: YearReference) { self.reference = reference }

    override public func parseHead(_ b: UnsafeBufferPointer<UInt8>, into head: inout RecordHead) -> Bool {
        head.reset()
        // `YYYY-MM-DD HH:MM:SS` first: most lines of other formats fail on the first bytes.
        guard b.count > 30, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A,
              let y = fixedDigits(b, 0, 4), let mo = fixedDigits(b, 5, 2), let d = fixedDigits(b, 8, 2),
              let h = fixedDigits(b, 11, 2), let mi = fixedDigits(b, 14, 2), let s = fixedDigits(b, 17, 2),
              b[19] == 0x2E, let f = fractionDigits(b, 20) else { return false }
        var i = f.end
        // `: L ` — the letter is one of glog's four.
        guard i + 3 < b.count, b[i] == 0x3A, b[i + 1] == 0x20 else { return false }
        let letter = b[i + 2]
        let level: LogLevel
        switch letter {
        case UInt8(ascii: "I"): level = .info
        case UInt8(ascii: "W"): level = .warning
        case UInt8(ascii: "E"): level = .error
        case UInt8(ascii: "F"): level = .critical
        default: return false
        }
        guard b[i + 3] == 0x20 else { return false }
        let t = LogTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s, nanosecond: f.nanos)
        guard t.isValid else { return false }
        let levelAt = i + 2
        i += 4
        // The thread id, right-aligned in seven columns, when TF_CPP_LOG_THREAD_ID is set.
        var thread = Span.absent
        var j = i
        while j < b.count, b[j] == 0x20 { j += 1 }
        if let n = someDigits(b, j, maxDigits: 20), n.end < b.count, b[n.end] == 0x20 {
            thread = Span(j, n.end)
            i = n.end + 1
        } else {
            guard j == i else { return false }
        }
        // file:line]
        guard let (colon, close) = fileAndLine(b, from: i) else { return false }
        head.time = t
        head.hasTime = true
        head.level = level
        head.levelText = Span(levelAt, levelAt + 1)
        if thread.isPresent { head.extras.append(ExtraField(name: .fixed(0), value: thread, kind: .number)) }
        head.extras.append(ExtraField(name: .fixed(1), value: Span(i, colon), kind: .text))
        head.extras.append(ExtraField(name: .fixed(2), value: Span(colon + 1, close), kind: .number))
        var m = close + 1
        if m < b.count, b[m] == 0x20 { m += 1 }
        head.message = Span(m, b.count)
        return true
    }
}

/// `file:line]` from `i`: the colon before the line number and the closing bracket; nil unless the file part is
/// non-empty without spaces and the line is digits.
private func fileAndLine(_ b: Bytes, from i: Int) -> (colon: Int, close: Int)? {
    guard let close = findByte(b, 0x5D, from: i), close > i else { return nil }
    var colon = close - 1
    while colon > i, isDigit(b[colon]) { colon -= 1 }
    guard colon > i, colon < close - 1, b[colon] == 0x3A, findByte(sub(b, i, colon), 0x20, from: 0) == nil else { return nil }
    return (colon, close)
}
