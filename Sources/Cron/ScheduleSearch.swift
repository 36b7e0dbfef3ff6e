// Fire times of a schedule: the first one strictly after a time, the last one strictly before, and a cursor
// that walks them forward cheaply (525,600 per year for `* * * * *`). Times are naive wall-clock minutes
// (no zone; ZonedSchedule.swift puts them on a zone's clock). Searching walks days (skipping whole months
// that cannot match) and picks hours and minutes from the bit sets, so each step is a few bit operations.
import StrataCommon

/// A fire time as plain fields; converts to `CivilDateTime` and formats as ISO text without Foundation.
public struct FireTime: Equatable, Comparable, Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute
    }

    public var civil: CivilDateTime { CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute) }
    public var epochSeconds: Int64 { civil.epochSeconds }

    public static func < (a: FireTime, b: FireTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute) < (b.year, b.month, b.day, b.hour, b.minute)
    }

    /// `YYYY-MM-DD HH:MM:00`.
    public var iso: String { formatISO(year: year, month: month, day: day, hour: hour, minute: minute, second: 0) }
}

extension FireTime {
    /// The ISO text's 19 bytes in a stack buffer, for callers that copy them anyway (SQL results).
    public func withISOBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return try withUnsafeMutableBytes(of: &buf) { raw in
            let b = raw.bindMemory(to: UInt8.self)
            _ = writeISO(into: b, year: year, month: month, day: day, hour: hour, minute: minute, second: 0)
            return try body(UnsafeBufferPointer(rebasing: b[0..<19]))
        }
    }
}

/// A time's ISO text (`YYYY-MM-DD HH:MM:SS`, `.fff` added when it has a fraction) in a stack buffer.
public func withISOBytes<R>(_ t: CivilDateTime, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return try withUnsafeMutableBytes(of: &buf) { raw in
        let b = raw.bindMemory(to: UInt8.self)
        var n = writeISO(into: b, year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute,
                         second: t.second)
        if t.nanosecond != 0, n == 19, b.count >= 23 {
            let ms = max(0, min(999, t.nanosecond / 1_000_000))
            b[19] = 0x2E
            b[20] = UInt8(0x30 + ms / 100); b[21] = UInt8(0x30 + ms / 10 % 10); b[22] = UInt8(0x30 + ms % 10)
            n = 23
        }
        return try body(UnsafeBufferPointer(rebasing: b[0..<n]))
    }
}

/// `YYYY-MM-DD HH:MM:SS` built in one small buffer (years 0...9999).
public func formatISO(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> String {
    String(unsafeUninitializedCapacity: 19) { b in
        writeISO(into: b, year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}

/// Writes the 19 bytes of `YYYY-MM-DD HH:MM:SS` into `b` (which holds at least 19) and returns 19.
@inline(__always)
func writeISO(into b: UnsafeMutableBufferPointer<UInt8>, year: Int, month: Int, day: Int, hour: Int, minute: Int,
              second: Int) -> Int {
    guard b.count >= 19 else { return 0 }
    let y = max(0, min(9999, year))
    @inline(__always) func d2(_ v: Int, _ at: Int) {
        let x = max(0, min(99, v))
        b[at] = UInt8(0x30 + x / 10); b[at + 1] = UInt8(0x30 + x % 10)
    }
    b[0] = UInt8(0x30 + y / 1000); b[1] = UInt8(0x30 + y / 100 % 10)
    b[2] = UInt8(0x30 + y / 10 % 10); b[3] = UInt8(0x30 + y % 10)
    b[4] = 0x2D; d2(month, 5); b[7] = 0x2D; d2(day, 8)
    b[10] = 0x20; d2(hour, 11); b[13] = 0x3A; d2(minute, 14); b[16] = 0x3A; d2(second, 17)
    return 19
}

/// The latest year a search goes to (ISO text has four year digits).
let lastSearchYear = 9999
/// The earliest year of a fire time: year 0 (1 BC) is no year to most readers of the text (Python's
/// `datetime` starts at year 1), so fire times are in 0001-01-01 00:00 ... 9999-12-31 23:59.
let firstSearchYear = 1
/// A bound on days visited by one search: more than the 400-year Gregorian cycle, after which a schedule
/// that `canFire` must have matched.
let searchDayLimit = 200_000

extension CronSchedule {
    /// The first fire time strictly after `t` (and not before year 1), or nil when there is none before year
    /// 10000.
    public func next(after t: CivilDateTime) -> FireTime? {
        guard canFire, t.isValid else { return nil }
        var c = FireCursor(schedule: self, year: t.year, month: t.month, day: t.day,
                           minuteOfDay: t.hour * 60 + t.minute + 1)
        return c.advance()
    }

    /// The first fire time at or after `t` (a time with seconds rounds up to the next minute).
    public func first(atOrAfter t: CivilDateTime) -> FireTime? {
        guard canFire, t.isValid else { return nil }
        let exact = t.second == 0 && t.nanosecond == 0
        var c = FireCursor(schedule: self, year: t.year, month: t.month, day: t.day,
                           minuteOfDay: t.hour * 60 + t.minute + (exact ? 0 : 1))
        return c.advance()
    }

    /// The last fire time strictly before `t`, or nil when there is none from year 1 on.
    public func previous(before t: CivilDateTime) -> FireTime? {
        guard canFire, t.isValid else { return nil }
        let exact = t.second == 0 && t.nanosecond == 0
        var y = t.year, m = t.month, d = t.day
        var mod = t.hour * 60 + t.minute - (exact ? 1 : 0)
        if mod < 0 {
            mod = 1439
            d -= 1
            if d < 1 {
                m -= 1
                if m < 1 { m = 12; y -= 1 }
                d = daysInMonth(year: y, month: m)
            }
        }
        var visited = 0
        while y >= firstSearchYear, visited < searchDayLimit {
            visited += 1
            if months & (1 << UInt64(m)) == 0 {
                // Jump to the last day of the previous month.
                m -= 1
                if m < 1 { m = 12; y -= 1 }
                d = daysInMonth(year: y, month: m)
                mod = 1439
                continue
            }
            let wd = weekdayFromDays(daysFromCivil(year: y, month: m, day: d))
            if dayMatches(day: d, weekday: wd), let (h, mi) = lastTime(atOrBefore: mod) {
                return FireTime(year: y, month: m, day: d, hour: h, minute: mi)
            }
            mod = 1439
            d -= 1
            if d < 1 {
                m -= 1
                if m < 1 { m = 12; y -= 1 }
                d = daysInMonth(year: y, month: m)
            }
        }
        return nil
    }

    /// The first (hour, minute) at or after minute-of-day `mod` on a matching day.
    @inline(__always)
    func firstTime(atOrAfter mod: Int) -> (Int, Int)? {
        guard mod < 1440 else { return nil }
        let h0 = mod / 60, m0 = mod % 60
        if hours & (1 << UInt64(h0)) != 0 {
            let later = minutes & ~((1 << UInt64(m0)) &- 1)
            if later != 0 { return (h0, later.trailingZeroBitCount) }
        }
        let laterHours = hours & ~((2 << UInt64(h0)) &- 1)
        guard laterHours != 0 else { return nil }
        return (laterHours.trailingZeroBitCount, minutes.trailingZeroBitCount)
    }

    /// The last (hour, minute) at or before minute-of-day `mod`.
    @inline(__always)
    func lastTime(atOrBefore mod: Int) -> (Int, Int)? {
        guard mod >= 0 else { return nil }
        let h0 = mod / 60, m0 = mod % 60
        if hours & (1 << UInt64(h0)) != 0 {
            let earlier = minutes & ((2 << UInt64(m0)) &- 1)
            if earlier != 0 { return (h0, 63 - earlier.leadingZeroBitCount) }
        }
        let earlierHours = hours & ((1 << UInt64(h0)) &- 1)
        guard earlierHours != 0 else { return nil }
        return (63 - earlierHours.leadingZeroBitCount, 63 - minutes.leadingZeroBitCount)
    }
}

/// Walks fire times forward from a starting minute. `advance()` returns the first fire time at or after
/// the current position and moves the position one minute past it.
public struct FireCursor {
    public let schedule: CronSchedule
    var year: Int, month: Int, day: Int
    var minuteOfDay: Int
    var weekday: Int
    var done = false

    /// A start before year 1 starts at 0001-01-01 00:00 (the first minute a fire time may have).
    public init(schedule: CronSchedule, year: Int, month: Int, day: Int, minuteOfDay: Int) {
        self.schedule = schedule
        if year < firstSearchYear {
            self.year = firstSearchYear; self.month = 1; self.day = 1
            self.minuteOfDay = 0
        } else {
            self.year = year; self.month = month; self.day = day
            self.minuteOfDay = minuteOfDay
        }
        weekday = weekdayFromDays(daysFromCivil(year: self.year, month: self.month, day: self.day))
        done = !schedule.canFire
    }

    /// Starts at the first minute at or after `t`.
    public init(schedule: CronSchedule, atOrAfter t: CivilDateTime) {
        let exact = t.second == 0 && t.nanosecond == 0
        self.init(schedule: schedule, year: t.year, month: t.month, day: t.day,
                  minuteOfDay: t.hour * 60 + t.minute + (exact ? 0 : 1))
    }

    private mutating func nextDay() {
        minuteOfDay = 0
        weekday = weekday == 6 ? 0 : weekday + 1
        day += 1
        if day > daysInMonth(year: year, month: month) {
            day = 1
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
    }

    public mutating func advance() -> FireTime? {
        guard !done else { return nil }
        let s = schedule
        var visited = 0
        while year <= lastSearchYear, visited < searchDayLimit {
            visited += 1
            if s.months & (1 << UInt64(month)) == 0 {
                // Skip to the first day of the next month.
                let remaining = daysInMonth(year: year, month: month) - day
                weekday = (weekday + remaining + 1) % 7
                day = 1
                minuteOfDay = 0
                month += 1
                if month > 12 { month = 1; year += 1 }
                continue
            }
            if s.dayMatches(day: day, weekday: weekday), let (h, m) = s.firstTime(atOrAfter: minuteOfDay) {
                let fire = FireTime(year: year, month: month, day: day, hour: h, minute: m)
                minuteOfDay = h * 60 + m + 1
                if minuteOfDay >= 1440 { nextDay() }
                return fire
            }
            nextDay()
        }
        done = true
        return nil
    }
}
