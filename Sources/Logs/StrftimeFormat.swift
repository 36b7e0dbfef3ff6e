// A `time.strftime` date format (Python's `datefmt`) compiled into a byte matcher: the inverse of strftime for
// the directives logs use. A format without a year takes it from the file (see `YearReference`).

import StrataCommon

public struct LogFormatError: MessageError, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public struct StrftimeFormat: Sendable {
    enum Item: Equatable, Sendable {
        case literal(UInt8)
        case directive(UInt8)
    }

    let items: [Item]
    public let source: String
    /// Whether the format names the year (`%Y`, `%y`, `%s`, `%F`, `%D`).
    public let hasYear: Bool
    /// Whether it names the day (`%d`, `%e`, `%j`, `%s`, `%F`, `%D`, `%x`): a time of day alone (`%H:%M:%S`,
    /// rich's `[%X]`) is no timestamp, and is not read as one.
    public let hasDate: Bool

    public static let supported = "YymdeHIMSpbhBaAjfzZTFDRsXx%"

    public init(_ format: String) throws(LogFormatError) {
        source = format
        var out: [Item] = []
        let u = Array(format.utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x25 {  // %
                guard i + 1 < u.count else { throw LogFormatError("datefmt '\(format)' ends with a lone '%'") }
                var d = u[i + 1]
                if d == 0x2D, i + 2 < u.count { d = u[i + 2]; i += 1 }  // %-d (glibc no-padding flag)
                switch d {
                case UInt8(ascii: "T"):
                    out += [.directive(UInt8(ascii: "H")), .literal(0x3A), .directive(UInt8(ascii: "M")), .literal(0x3A),
                            .directive(UInt8(ascii: "S"))]
                case UInt8(ascii: "F"):
                    out += [.directive(UInt8(ascii: "Y")), .literal(0x2D), .directive(UInt8(ascii: "m")), .literal(0x2D),
                            .directive(UInt8(ascii: "d"))]
                case UInt8(ascii: "D"):
                    out += [.directive(UInt8(ascii: "m")), .literal(0x2F), .directive(UInt8(ascii: "d")), .literal(0x2F),
                            .directive(UInt8(ascii: "y"))]
                case UInt8(ascii: "X"):  // the C locale's %X and %x (rich's default `[%x %X]`)
                    out += [.directive(UInt8(ascii: "H")), .literal(0x3A), .directive(UInt8(ascii: "M")), .literal(0x3A),
                            .directive(UInt8(ascii: "S"))]
                case UInt8(ascii: "x"):
                    out += [.directive(UInt8(ascii: "m")), .literal(0x2F), .directive(UInt8(ascii: "d")), .literal(0x2F),
                            .directive(UInt8(ascii: "y"))]
                case UInt8(ascii: "R"):
                    out += [.directive(UInt8(ascii: "H")), .literal(0x3A), .directive(UInt8(ascii: "M"))]
                case UInt8(ascii: "%"):
                    out.append(.literal(0x25))
                default:
                    guard Self.supported.utf8.contains(d) else {
                        throw LogFormatError("datefmt '\(format)': unsupported directive '%\(Character(Unicode.Scalar(d)))' (supported: %Y %y %m %d %e %H %I %M %S %f %p %b %B %a %A %j %z %Z %T %F %D %R %X %x %s %%)")
                    }
                    out.append(.directive(d))
                }
                i += 2
            } else {
                out.append(.literal(u[i]))
                i += 1
            }
        }
        items = out
        hasYear = out.contains { item in
            if case .directive(let d) = item { return d == UInt8(ascii: "Y") || d == UInt8(ascii: "y") || d == UInt8(ascii: "s") }
            return false
        }
        hasDate = out.contains { item in
            if case .directive(let d) = item { return "dejs".utf8.contains(d) }
            return false
        }
    }

    /// Matches at `i`; returns the time and the end index.
    func match(_ b: Bytes, _ i: Int, _ ref: YearReference) -> (LogTime, Int)? {
        var j = i
        var year: Int? = nil, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0
        var hour12: Int? = nil, pm: Bool? = nil, dayOfYear: Int? = nil
        var epoch: LogTime? = nil
        var offset = LogTime.noOffset  // %z, for ts_utc
        for item in items {
            switch item {
            case .literal(let c):
                guard j < b.count, b[j] == c else { return nil }
                j += 1
            case .directive(let d):
                switch d {
                case UInt8(ascii: "Y"):
                    guard let v = fixedDigits(b, j, 4) else { return nil }
                    year = v; j += 4
                case UInt8(ascii: "y"):
                    guard let v = fixedDigits(b, j, 2) else { return nil }
                    year = v < 69 ? 2000 + v : 1900 + v; j += 2
                case UInt8(ascii: "m"), UInt8(ascii: "d"), UInt8(ascii: "e"), UInt8(ascii: "H"), UInt8(ascii: "I"),
                     UInt8(ascii: "M"), UInt8(ascii: "S"):
                    // Two digits; a leading space (or a single digit, for %-d) is accepted.
                    var v: Int
                    if let two = fixedDigits(b, j, 2) { v = two; j += 2 }
                    else if j + 1 < b.count, b[j] == 0x20, isDigit(b[j + 1]) { v = Int(b[j + 1] &- 0x30); j += 2 }
                    else if j < b.count, isDigit(b[j]) { v = Int(b[j] &- 0x30); j += 1 }
                    else { return nil }
                    switch d {
                    case UInt8(ascii: "m"): month = v
                    case UInt8(ascii: "d"), UInt8(ascii: "e"): day = v
                    case UInt8(ascii: "H"): hour = v
                    case UInt8(ascii: "I"): hour12 = v
                    case UInt8(ascii: "M"): minute = v
                    default: second = v
                    }
                case UInt8(ascii: "f"):
                    guard let f = fractionDigits(b, j) else { return nil }
                    nanos = f.nanos; j = f.end
                case UInt8(ascii: "p"):
                    guard j + 2 <= b.count, lower(b[j + 1]) == UInt8(ascii: "m") else { return nil }
                    let c = lower(b[j])
                    guard c == UInt8(ascii: "a") || c == UInt8(ascii: "p") else { return nil }
                    pm = c == UInt8(ascii: "p"); j += 2
                case UInt8(ascii: "b"), UInt8(ascii: "h"), UInt8(ascii: "B"):
                    let full = d == UInt8(ascii: "B")
                    guard let (m, end) = nameAt(b, j, monthNames, allowFull: full, allowShort: !full) else { return nil }
                    month = m + 1; j = end
                case UInt8(ascii: "a"), UInt8(ascii: "A"):
                    let full = d == UInt8(ascii: "A")
                    guard let (_, end) = nameAt(b, j, weekdayNames, allowFull: full, allowShort: !full) else { return nil }
                    j = end
                case UInt8(ascii: "j"):
                    guard let v = fixedDigits(b, j, 3) else { return nil }
                    dayOfYear = v; j += 3
                case UInt8(ascii: "z"):
                    guard j < b.count else { return nil }
                    if b[j] == 0x5A { j += 1; offset = 0; break }
                    guard b[j] == 0x2B || b[j] == 0x2D, let oh = fixedDigits(b, j + 1, 2) else { return nil }
                    let sign = b[j] == 0x2D ? -1 : 1
                    j += 3
                    if j < b.count, b[j] == 0x3A { j += 1 }
                    guard let om = fixedDigits(b, j, 2) else { return nil }
                    j += 2
                    if oh <= 23, om <= 59 { offset = Int16(sign * (oh * 60 + om)) }
                case UInt8(ascii: "Z"):
                    // A zone name: UTC/GMT give offset 0, tzdata's numeric names (`+03`) theirs, others none.
                    guard let z = parseZone(b, j, anyLetters: true) else { return nil }
                    if z.offset != LogTime.noOffset { offset = z.offset }
                    j = z.end
                case UInt8(ascii: "s"):
                    guard let v = someDigits(b, j, maxDigits: 12), var t = LogTime(epochSeconds: v.value) else { return nil }
                    t.utcOffsetMinutes = 0
                    epoch = t; j = v.end
                default:
                    return nil
                }
            }
        }
        if var t = epoch {
            if nanos != 0 { t.nanosecond = Int32(nanos) }
            return (t, j)
        }
        if let h12 = hour12 {
            guard h12 >= 1, h12 <= 12 else { return nil }
            hour = h12 % 12 + ((pm ?? false) ? 12 : 0)
        }
        let y = year ?? (dayOfYear == nil ? ref.year(forMonth: month, day: day) : ref.year(forMonth: month))
        if let doy = dayOfYear {
            var left = doy
            month = 1
            while month <= 12, left > daysInMonthOf(y, month) { left -= daysInMonthOf(y, month); month += 1 }
            guard month <= 12, left >= 1 else { return nil }
            day = left
        }
        var t = LogTime(year: y, month: month, day: day, hour: hour, minute: minute, second: second, nanosecond: nanos)
        guard t.isValid else { return nil }
        t.utcOffsetMinutes = offset
        return (t, j)
    }
}

@inline(__always) private func daysInMonthOf(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 1, 3, 5, 7, 8, 10, 12: return 31
    case 4, 6, 9, 11: return 30
    default: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    }
}
