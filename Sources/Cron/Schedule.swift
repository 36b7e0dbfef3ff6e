// A parsed cron schedule as the Vixie/Debian and cronie daemons read it: five bit sets (minute, hour,
// day-of-month, month, day-of-week) plus the two "star" flags that decide how the day fields combine.
//
// The daemons set a day field's star flag from the field's *first character* (`*`), not from whether it
// covers every value. When either day field carries the flag, a day must match both fields (AND); when
// neither does, it matches if either does (OR). So `0 0 */2 * 1` fires on odd days that are Mondays, while
// `0 0 1-31/2 * 1` fires on odd days and on Mondays. croniter ORs both; we follow the daemons.
import StrataCommon

public struct CronSchedule: Equatable, Hashable, Sendable {
    /// Bit m for minute m (0...59).
    public var minutes: UInt64
    /// Bit h for hour h (0...23).
    public var hours: UInt64
    /// Bit d for day d (1...31).
    public var daysOfMonth: UInt64
    /// Bit m for month m (1...12).
    public var months: UInt64
    /// Bit w for weekday w (0 = Sunday ... 6 = Saturday); a 7 in the text sets bit 0.
    public var daysOfWeek: UInt64
    /// The day-of-month field starts with `*`.
    public var domStar: Bool
    /// The day-of-week field starts with `*`.
    public var dowStar: Bool
    /// `@reboot`: runs when the daemon starts, never at a clock time.
    public var isReboot: Bool
    /// The schedule as written (trimmed): five fields or an `@` shortcut.
    public var text: String
    /// The five fields (a shortcut's expansion); empty for `@reboot`.
    public var fields: [String]

    /// Whether any date and time ever matches (`* * 31 2 *` never does).
    public var canFire: Bool {
        if isReboot { return false }
        var anyDate = false
        for m in 1...12 where months & (1 << UInt64(m)) != 0 {
            // Feb 29 exists, and every (month, day) pair falls on every weekday over a 400-year cycle.
            let longest = m == 2 ? 29 : daysInMonthOf(m, leap: false)
            let mask: UInt64 = ((1 << UInt64(longest + 1)) - 1) & ~1
            if daysOfMonth & mask != 0 { anyDate = true; break }
        }
        // AND needs a real date; OR also fires on any matching weekday (every month has every weekday).
        return (domStar || dowStar) ? anyDate : true
    }

    /// Whether a date's day fields match, with the daemon's AND/OR rule.
    @inline(__always)
    public func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth & (1 << UInt64(day)) != 0
        let dow = daysOfWeek & (1 << UInt64(weekday)) != 0
        return (domStar || dowStar) ? (dom && dow) : (dom || dow)
    }

    /// Whether a wall-clock minute is a fire time (seconds are ignored).
    public func matches(_ t: CivilDateTime) -> Bool {
        guard !isReboot, t.isValid else { return false }
        return minutes & (1 << UInt64(t.minute)) != 0 && hours & (1 << UInt64(t.hour)) != 0
            && months & (1 << UInt64(t.month)) != 0 && dayMatches(day: t.day, weekday: t.weekday)
    }
}

/// The shortcuts the daemons know (case-sensitive, as `strcmp` compares them) and their five fields.
public let cronShortcuts: [String: String] = [
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
]

func daysInMonthOf(_ m: Int, leap: Bool) -> Int {
    switch m {
    case 2: return leap ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}
