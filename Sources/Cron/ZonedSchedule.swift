// Fire times in a real time zone, as the daemons meet its clock changes (read in Debian's cron 3.0pl1 cron.c
// and cronie 1.7's cron.c). Both daemons count wall-clock minutes of their own zone and, when a minute comes
// that is not the one after the last, sort the jump by its size (timeDiff, in minutes, counting the new minute):
//
//   forward 2...5    every job due in the skipped minutes runs at once ("woke up late")
//   forward 6...180  (a DST start) wildcard jobs run for the new minute only; fixed-time jobs run once for every
//                    skipped minute they match, all at the first minute after the jump
//   back 0...179     (a DST end) until the clock is back where it was, only wildcard jobs run: the repeated wall
//                    times run wildcard jobs twice and fixed-time jobs once (in the first pass)
//   larger           the virtual clock is reset: skipped times are lost, repeated ones run again
//
// A job is a wildcard job when its minute or hour field starts with `*` (`*/15 * * * *`, `0 * * * *`), as the
// daemons set MIN_STAR/HR_STAR from the first character; anything else (`30 2 * * *`, `0 1-3 * * *`) is fixed.
//
// cronie's CRON_TZ is another model: every real minute, an entry with CRON_TZ is matched against that minute's
// time in its zone, so a wall time its zone skips never fires and one its zone repeats fires twice; and during
// a repeated hour of the daemon's own zone, fixed-time CRON_TZ entries do not fire at all (the daemon runs only
// wildcard jobs then).
//
// A fire time is an instant (UTC seconds) and the wall-clock time of the daemon's zone it runs at: for a skipped
// time, the first minute after the jump.
import StrataCommon

/// How an entry's schedule is put on the clock.
public enum ScheduleClock: Sendable, Equatable {
    /// Wall-clock minutes with no zone (no clock changes): the time as written.
    case naive
    /// The daemon's zone (Debian's cron; cronie without CRON_TZ).
    case local(TimeZoneInfo)
    /// cronie's CRON_TZ: the entry's zone, on a daemon in `machine`.
    case cronTZ(zone: TimeZoneInfo, machine: TimeZoneInfo)

    /// The zone the wall-clock times are in (nil for naive times).
    public var wallZone: TimeZoneInfo? {
        switch self {
        case .naive: return nil
        case .local(let z): return z
        case .cronTZ(_, let m): return m
        }
    }

    /// The instant of a wall-clock time of `wallZone` (naive: the time read as UTC). A time shown twice is its
    /// first instant; a skipped one is the instant of the jump less a second, so what runs at the jump is after it.
    public func instant(ofWall t: CivilDateTime) -> Int64 {
        guard let z = wallZone else { return t.epochSeconds }
        let r = z.instant(ofWall: t.epochSeconds)
        return r.skipped ? r.instant - 1 : r.instant
    }
}

public struct ZonedFire: Equatable, Sendable {
    /// When it runs (UTC seconds; for naive times, the wall time read as UTC).
    public var instant: Int64
    /// The wall-clock minute it runs at, in the daemon's zone.
    public var wall: FireTime
}

extension CronSchedule {
    /// A wildcard job to the daemons: its minute or hour field starts with `*`.
    public var isWildcard: Bool {
        guard fields.count >= 2 else { return false }
        return fields[0].hasPrefix("*") || fields[1].hasPrefix("*")
    }
}

/// The jump's size as the daemons count it: minutes from the last minute before it to the first after it.
func jumpMinutes(_ tr: TimeZoneInfo.Transition) -> Int64 {
    func minuteOf(_ s: Int64) -> Int64 { s >= 0 ? s / 60 : (s - 59) / 60 }
    return minuteOf(tr.at + Int64(tr.after)) - (minuteOf(tr.at + Int64(tr.before)) - 1)
}

/// Walks fire times forward in time order from an instant.
public struct ZonedFireCursor {
    public let schedule: CronSchedule
    public let clock: ScheduleClock
    let wildcard: Bool
    /// The next fire time is at or after this instant.
    var pos: Int64
    var pending: [ZonedFire] = []
    var pendingNext = 0
    var done: Bool

    public init(schedule: CronSchedule, clock: ScheduleClock, from instant: Int64) {
        self.schedule = schedule; self.clock = clock
        wildcard = schedule.isWildcard
        pos = instant
        done = !schedule.canFire
    }

    public mutating func advance() -> ZonedFire? {
        if pendingNext < pending.count {
            pendingNext += 1
            return pending[pendingNext - 1]
        }
        guard !done else { return nil }
        pending.removeAll(keepingCapacity: true); pendingNext = 0
        let f: ZonedFire?
        switch clock {
        case .naive: f = nextNaive()
        case .local(let z): f = nextLocal(z)
        case .cronTZ(let z, let m): f = nextCronTZ(z, machine: m)
        }
        if f == nil { done = true }
        return f
    }

    mutating func nextNaive() -> ZonedFire? {
        var c = FireCursor(schedule: schedule, atOrAfter: CivilDateTime(epochSeconds: pos))
        guard let f = c.advance() else { return nil }
        pos = f.epochSeconds + 60
        return ZonedFire(instant: f.epochSeconds, wall: f)
    }

    /// Where a fixed-time job may fire again after the daemon's zone turned back at or before `pos`: the instant
    /// its clock shows the time it showed before the turn (nil when `pos` is not in a second pass).
    func secondPassEnd(_ z: TimeZoneInfo) -> Int64? {
        guard !wildcard, let prev = z.lastTransition(atOrBefore: pos), prev.after < prev.before else { return nil }
        guard jumpMinutes(prev) > -180 else { return nil }  // a large jump resets the clock: everything runs again
        let end = prev.at + Int64(prev.before - prev.after)
        return pos < end ? end : nil
    }

    mutating func nextLocal(_ z: TimeZoneInfo) -> ZonedFire? {
        for _ in 0..<100_000 {
            if let end = secondPassEnd(z) { pos = end; continue }
            let off = Int64(z.offset(at: pos))
            let tr = z.nextTransition(after: pos)
            var c = FireCursor(schedule: schedule, atOrAfter: CivilDateTime(epochSeconds: pos + off))
            guard let f = c.advance() else { return nil }
            let instant = f.epochSeconds - off
            guard let tr, instant >= tr.at else {
                pos = instant + 1
                return ZonedFire(instant: instant, wall: f)
            }
            if tr.after > tr.before {
                // Forward: the skipped wall minutes' jobs, run at the first minute after the jump.
                let jump = jumpMinutes(tr)
                if jump <= 5 || (jump <= 180 && !wildcard) {
                    let from = tr.at + Int64(tr.before), to = tr.at + Int64(tr.after)
                    let w = CivilDateTime(epochSeconds: to)
                    let at = FireTime(year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute)
                    var g = FireCursor(schedule: schedule, atOrAfter: CivilDateTime(epochSeconds: from))
                    while let s = g.advance(), s.epochSeconds < to {
                        pending.append(ZonedFire(instant: tr.at, wall: at))
                    }
                }
            }
            pos = tr.at
            if !pending.isEmpty {
                pendingNext = 1
                return pending[0]
            }
        }
        return nil
    }

    mutating func nextCronTZ(_ z: TimeZoneInfo, machine m: TimeZoneInfo) -> ZonedFire? {
        for _ in 0..<100_000 {
            if let end = secondPassEnd(m) { pos = end; continue }
            let off = Int64(z.offset(at: pos))
            var segEnd = z.nextTransition(after: pos)?.at
            if !wildcard, let mt = m.nextTransition(after: pos), segEnd.map({ mt.at < $0 }) ?? true { segEnd = mt.at }
            var c = FireCursor(schedule: schedule, atOrAfter: CivilDateTime(epochSeconds: pos + off))
            guard let f = c.advance() else { return nil }
            let instant = f.epochSeconds - off
            guard let segEnd, instant >= segEnd else {
                pos = instant + 1
                let w = CivilDateTime(epochSeconds: instant + Int64(m.offset(at: instant)))
                return ZonedFire(instant: instant,
                                 wall: FireTime(year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute))
            }
            pos = segEnd
        }
        return nil
    }
}

extension CronSchedule {
    /// The first fire time on `clock` strictly after the wall-clock time `t`.
    public func next(after t: CivilDateTime, clock: ScheduleClock) -> ZonedFire? {
        guard case .naive = clock else {
            var c = ZonedFireCursor(schedule: self, clock: clock, from: clock.instant(ofWall: t) + 1)
            return c.advance()
        }
        return next(after: t).map { ZonedFire(instant: $0.epochSeconds, wall: $0) }
    }

    /// The last fire time on `clock` strictly before the wall-clock time `t`.
    public func previous(before t: CivilDateTime, clock: ScheduleClock) -> ZonedFire? {
        guard case .naive = clock else { return previous(beforeInstant: clock.instant(ofWall: t), clock: clock) }
        return previous(before: t).map { ZonedFire(instant: $0.epochSeconds, wall: $0) }
    }

    /// The last fire time on a zoned `clock` strictly before an instant.
    public func previous(beforeInstant limit: Int64, clock: ScheduleClock) -> ZonedFire? {
        let offset = Int64(clock.wallZone?.offset(at: limit) ?? 0)
        // Wall-clock candidates backwards; the zone moves a fire time by hours at most, so the last fire before
        // `limit` is among those from a candidate a day earlier on.
        var probe = CivilDateTime(epochSeconds: limit + offset + 86_400)
        for _ in 0..<10_000 {
            guard let p = previous(before: probe) else { return nil }
            var c = ZonedFireCursor(schedule: self, clock: clock, from: p.epochSeconds - 2 * 86_400)
            var last: ZonedFire? = nil
            var n = 0
            while let f = c.advance(), f.instant < limit, n < 1_000_000 { last = f; n += 1 }
            if let last { return last }
            probe = CivilDateTime(epochSeconds: p.epochSeconds - 2 * 86_400)
        }
        return nil
    }
}
