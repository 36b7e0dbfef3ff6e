// Proleptic-Gregorian calendar arithmetic on plain integers (no time zones, no Foundation): the civil
// date-times of log lines and cron schedules, and their ISO-8601 text `YYYY-MM-DD HH:MM:SS[.fff]`, which
// sorts as text and is understood by SQLite's date functions.

public struct CivilDateTime: Equatable, Comparable, Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int   // 1...12
    public var day: Int     // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var nanosecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second; self.nanosecond = nanosecond
    }

    /// Whether every field is in range (day within its month, seconds up to 60 for a leap second).
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= daysInMonth(year: year, month: month)
            && (0...23).contains(hour) && (0...59).contains(minute) && (0...60).contains(second)
            && (0..<1_000_000_000).contains(nanosecond) && (-9999...9999).contains(year)
    }

    /// Days since 1970-01-01.
    public var dayNumber: Int64 { daysFromCivil(year: year, month: month, day: day) }

    /// Seconds since 1970-01-01 00:00:00 of this wall-clock time read as UTC.
    public var epochSeconds: Int64 {
        dayNumber * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    public init(epochSeconds s: Int64, nanosecond: Int = 0) {
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let rem = Int(s - days * 86_400)
        let (y, m, d) = civilFromDays(days)
        self.init(year: y, month: m, day: d, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60,
                  nanosecond: nanosecond)
    }

    /// 0 = Sunday ... 6 = Saturday.
    public var weekday: Int { weekdayFromDays(dayNumber) }

    /// `YYYY-MM-DD HH:MM:SS`.
    public var iso: String { isoText(fractionDigits: 0) }
    /// `YYYY-MM-DD HH:MM:SS.fff`.
    public var isoMillis: String { isoText(fractionDigits: 3) }
    public var description: String { iso }

    public func isoText(fractionDigits: Int) -> String {
        var s = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " "
        s += pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if fractionDigits > 0 {
            var frac = nanosecond
            for _ in 0..<(9 - min(9, fractionDigits)) { frac /= 10 }
            s += "." + pad(frac, min(9, fractionDigits))
        }
        return s
    }

    public static func < (a: CivilDateTime, b: CivilDateTime) -> Bool {
        if (a.year, a.month, a.day) != (b.year, b.month, b.day) { return (a.year, a.month, a.day) < (b.year, b.month, b.day) }
        return (a.hour, a.minute, a.second, a.nanosecond) < (b.hour, b.minute, b.second, b.nanosecond)
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff...]]` or the same with `T`; a trailing `Z` or
    /// `±HH:MM` offset is accepted and ignored (wall-clock time as written). Nil when it is not such text.
    public static func parse(_ text: String) -> CivilDateTime? {
        var t = text
        return t.withUTF8 { parse(bytes: $0) }
    }

    public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> CivilDateTime? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect(0x2D), let mo = digits(2), expect(0x2D), let d = digits(2) else { return nil }
        var dt = CivilDateTime(year: y, month: mo, day: d)
        if i < b.count {
            guard b[i] == 0x20 || b[i] == 0x54 else { return nil }
            i += 1
            guard let h = digits(2), expect(0x3A), let mi = digits(2) else { return nil }
            dt.hour = h; dt.minute = mi
            if expect(0x3A) {
                guard let s = digits(2) else { return nil }
                dt.second = s
                if i < b.count, b[i] == 0x2E || b[i] == 0x2C {
                    i += 1
                    var frac = 0, n = 0
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                        if n < 9 { frac = frac * 10 + Int(b[i] - 0x30); n += 1 }
                        i += 1
                    }
                    guard n > 0 else { return nil }
                    for _ in n..<9 { frac *= 10 }
                    dt.nanosecond = frac
                }
            }
            // Zone designators are accepted and ignored.
            if i < b.count, b[i] == 0x5A { i += 1 }
            else if i < b.count, b[i] == 0x2B || b[i] == 0x2D {
                i += 1
                guard digits(2) != nil else { return nil }
                _ = expect(0x3A)
                guard digits(2) != nil else { return nil }
            }
        }
        guard i == b.count, dt.isValid else { return nil }
        return dt
    }
}

public func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

public func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 1, 3, 5, 7, 8, 10, 12: return 31
    case 4, 6, 9, 11: return 30
    case 2: return isLeapYear(year) ? 29 : 28
    default: return 0
    }
}

/// Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
public func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = Int64((month + 9) % 12)
    let doy = (153 * mp + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The inverse of `daysFromCivil`.
public func civilFromDays(_ z0: Int64) -> (year: Int, month: Int, day: Int) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
}

/// 0 = Sunday for a day number (1970-01-01 was a Thursday).
public func weekdayFromDays(_ z: Int64) -> Int {
    Int(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6)
}

@inline(__always)
func pad(_ v: Int, _ width: Int) -> String {
    let s = String(abs(v))
    let padded = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    return v < 0 ? "-" + padded : padded
}
