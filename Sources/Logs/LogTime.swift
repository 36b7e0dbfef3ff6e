// A record's wall-clock time as the log wrote it, and its SQL text `YYYY-MM-DD HH:MM:SS.fff`. The text sorts
// like the time, so `ts` constraints, the binary search and SQLite's own comparisons all agree byte for byte.
// An offset written with the time (`+01:00`, `Z`, `%z`; epoch numbers are UTC) is kept beside it for `ts_utc`,
// but takes no part in comparisons: `ts` is the wall clock.
import StrataCommon

public struct LogTime: Equatable, Comparable, Sendable {
    public var year: Int32
    public var month: UInt8
    public var day: UInt8
    public var hour: UInt8
    public var minute: UInt8
    public var second: UInt8
    /// Minutes east of UTC as the line wrote them, `LogTime.noOffset` when it wrote none (fits the padding:
    /// the struct stays 16 bytes).
    public var utcOffsetMinutes: Int16 = LogTime.noOffset
    public var nanosecond: Int32

    public static let noOffset = Int16.min
    @inline(__always) public var hasOffset: Bool { utcOffsetMinutes != LogTime.noOffset }

    /// The wall-clock fields read as UTC: seconds since 1970.
    public var wallEpochSeconds: Int64 {
        daysFromCivil(year: Int(year), month: Int(month), day: Int(day)) * 86_400
            + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    /// The UTC time of this wall-clock time at `offsetSeconds` east of UTC (nil outside years 0...9999).
    public func utc(offsetSeconds: Int64) -> LogTime? {
        guard var t = LogTime(epochSeconds: wallEpochSeconds - offsetSeconds, nanosecond: Int64(nanosecond)) else { return nil }
        t.utcOffsetMinutes = 0
        return t
    }

    /// Wall-clock equality (the offset is not compared, as in `<`).
    public static func == (a: LogTime, b: LogTime) -> Bool {
        a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour && a.minute == b.minute
            && a.second == b.second && a.nanosecond == b.nanosecond
    }

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = Int32(truncatingIfNeeded: year)
        self.month = UInt8(truncatingIfNeeded: month)
        self.day = UInt8(truncatingIfNeeded: day)
        self.hour = UInt8(truncatingIfNeeded: hour)
        self.minute = UInt8(truncatingIfNeeded: minute)
        self.second = UInt8(truncatingIfNeeded: second)
        self.nanosecond = Int32(truncatingIfNeeded: nanosecond)
    }

    public static let zero = LogTime(year: 0, month: 1, day: 1)

    /// Every field in range, and a year that prints in four digits.
    public var isValid: Bool {
        year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1
            && Int(day) <= daysIn(Int(year), Int(month))
            && hour <= 23 && minute <= 59 && second <= 60 && nanosecond >= 0 && nanosecond < 1_000_000_000
    }

    /// Wall-clock time of `epochNanoseconds` since 1970 in UTC. Nil outside years 0...9999.
    public init?(epochSeconds s: Int64, nanosecond: Int64 = 0) {
        guard s > -62_167_219_200, s < 253_402_300_800, nanosecond >= 0, nanosecond < 1_000_000_000 else { return nil }
        let c = CivilDateTime(epochSeconds: s, nanosecond: Int(nanosecond))
        self.init(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second,
                  nanosecond: c.nanosecond)
    }

    public static func < (a: LogTime, b: LogTime) -> Bool {
        if a.year != b.year { return a.year < b.year }
        if a.month != b.month { return a.month < b.month }
        if a.day != b.day { return a.day < b.day }
        if a.hour != b.hour { return a.hour < b.hour }
        if a.minute != b.minute { return a.minute < b.minute }
        if a.second != b.second { return a.second < b.second }
        return a.nanosecond < b.nanosecond
    }

    /// Length of `text`: `YYYY-MM-DD HH:MM:SS.fff`.
    public static let textLength = 23

    /// Writes the 23 bytes of the SQL text (milliseconds, truncated) at `p`.
    @inline(__always)
    public func write(to p: UnsafeMutablePointer<UInt8>) {
        @inline(__always) func two(_ v: UInt8, _ at: Int) {
            p[at] = 0x30 &+ v / 10 % 10
            p[at + 1] = 0x30 &+ v % 10
        }
        let y = Int(max(0, min(9999, year)))
        p[0] = UInt8(0x30 + y / 1000); p[1] = UInt8(0x30 + y / 100 % 10)
        p[2] = UInt8(0x30 + y / 10 % 10); p[3] = UInt8(0x30 + y % 10)
        p[4] = 0x2D; two(month, 5); p[7] = 0x2D; two(day, 8)
        p[10] = 0x20; two(hour, 11); p[13] = 0x3A; two(minute, 14); p[16] = 0x3A; two(second, 17)
        let ms = Int(max(0, min(999_999_999, nanosecond))) / 1_000_000
        p[19] = 0x2E; p[20] = UInt8(0x30 + ms / 100); p[21] = UInt8(0x30 + ms / 10 % 10); p[22] = UInt8(0x30 + ms % 10)
    }

    public var text: String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: LogTime.textLength) { buf in
            guard let p = buf.baseAddress else { return "" }
            write(to: p)
            return String(decoding: UnsafeBufferPointer(start: p, count: LogTime.textLength), as: UTF8.self)
        }
    }
}

/// What a file tells about years its records leave out (RFC 3164, `datefmt` without `%Y`): the year and month of
/// its last modification, in local time. A record dated in a later month than that belongs to the year before
/// (a file spanning New Year), and a Feb 29 to the latest leap year not after that: the latest year, up to the
/// file's, in which the date exists (as cron_history places them).
public struct YearReference: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public init(year: Int, month: Int) { self.year = year; self.month = month }

    public func year(forMonth m: Int) -> Int { m > month ? year - 1 : year }

    /// The year of day `d` of month `m`: as `year(forMonth:)`, and Feb 29 moved back to a leap year.
    public func year(forMonth m: Int, day d: Int) -> Int {
        var y = year(forMonth: m)
        guard m == 2, d == 29 else { return y }
        var tries = 0
        while daysIn(y, 2) < 29, tries < 8 { y -= 1; tries += 1 }
        return y
    }
}

/// What a zone makes of a wall-clock time (its fields read as UTC seconds): one instant, two (the repeated hour
/// after a fall-back), or none (the hour a spring-forward skips).
public enum ZoneInstants: Equatable, Sendable {
    case one(Int64)
    case two(Int64, Int64)
    /// Skipped: read with the offset in effect before the change, as Python's `fold=0` does (02:30 becomes 03:30
    /// daylight time).
    case skipped(Int64)
}

extension TimeZoneInfo {
    public func instants(ofWall wall: Int64) -> ZoneInstants {
        let found = occurrences(ofWall: wall)
        if found.count == 1 { return .one(found[0]) }
        if found.count >= 2 { return .two(found[0], found[found.count - 1]) }
        let jump = instant(ofWall: wall).instant
        return .skipped(wall - Int64(offset(at: jump - 1)))
    }
}
