// Reading cron arguments from SQL values: schedules (parsed once per statement when constant, through
// SQLite's auxdata cache) and times (ISO-8601 text as written, or Unix seconds read as UTC).
import Cron
import SQLiteKit
import StrataCommon

/// A parsed schedule kept in SQLite's per-statement auxdata.
final class ScheduleBox {
    let text: String
    let schedule: CronSchedule
    init(text: String, schedule: CronSchedule) { self.text = text; self.schedule = schedule }
}

/// The schedule in argument `index`, or nil for NULL. Throws the parser's message.
func scheduleArgument(_ args: SQLArguments, _ index: Int, _ ctx: SQLContext?) throws -> CronSchedule? {
    let a = args[index]
    guard a.type != .null else { return nil }
    guard a.type == .text else { throw SQLError("the schedule must be text such as '0 2 * * *'") }
    let text = a.text
    if let ctx, let box = ctx.auxiliaryObject(forArgument: Int32(index)) as? ScheduleBox, box.text == text {
        return box.schedule
    }
    let schedule = try parseSchedule(text)
    ctx?.setAuxiliaryObject(ScheduleBox(text: text, schedule: schedule), forArgument: Int32(index))
    return schedule
}

/// A zone kept in SQLite's per-statement auxdata (its file is read once per statement).
final class ZoneBox {
    let text: String
    let zone: TimeZoneInfo
    init(text: String, zone: TimeZoneInfo) { self.text = text; self.zone = zone }
}

/// The clock of an optional `tz` argument at `index`: naive when absent or NULL, else the zone as the daemon's.
func clockArgument(_ args: SQLArguments, _ index: Int, _ ctx: SQLContext?) throws -> ScheduleClock {
    guard index < args.count else { return .naive }
    let a = args[index]
    guard a.type != .null else { return .naive }
    guard a.type == .text else { throw SQLError("tz must be text such as 'Europe/London'") }
    return try zoneClock(a.text, cacheIn: ctx, argument: index)
}

func zoneClock(_ text: String, cacheIn ctx: SQLContext?, argument: Int) throws -> ScheduleClock {
    if let ctx, let box = ctx.auxiliaryObject(forArgument: Int32(argument)) as? ZoneBox, box.text == text {
        return box.zone.changesOffset ? .local(box.zone) : .naive
    }
    let zone: TimeZoneInfo
    do { zone = try TimeZoneInfo.named(text) } catch { throw SQLError(error.message) }
    ctx?.setAuxiliaryObject(ZoneBox(text: text, zone: zone), forArgument: Int32(argument))
    return zone.changesOffset ? .local(zone) : .naive
}

func parseSchedule(_ text: String) throws -> CronSchedule {
    do { return try CronSchedule(parsing: text) } catch let e as CronError { throw SQLError(e.message) }
}

/// A time: ISO text (`YYYY-MM-DD[ HH:MM[:SS[.fff]]]`, `T` allowed, zone suffix ignored) or Unix seconds
/// (integer or real, read as UTC). Nil for NULL.
func timeArgument(_ a: SQLArgument, role: String) throws -> CivilDateTime? {
    switch a.type {
    case .null:
        return nil
    case .integer:
        return try epochTime(a.int64, role: role)
    case .real:
        let d = a.double
        guard d.isFinite, let s = Int64(exactly: d.rounded(.down)) else {
            throw SQLError("\(role) \(d) is not a time")
        }
        return try epochTime(s, role: role)
    case .text, .blob:
        let t: CivilDateTime? = a.withTextBytes { CivilDateTime.parse(bytes: $0) }
        guard let t else {
            throw SQLError("\(role) '\(a.text)' is not a time (expected YYYY-MM-DD HH:MM:SS or Unix seconds)")
        }
        guard t.year >= 0 else { throw SQLError("\(role) '\(a.text)' is before year 0") }
        return t
    }
}

/// Unix seconds within years 0...9999.
private func epochTime(_ s: Int64, role: String) throws -> CivilDateTime {
    // 0000-01-01 and 9999-12-31 23:59:59 as Unix seconds.
    guard s >= -62_167_219_200, s <= 253_402_300_799 else { throw SQLError("\(role) \(s) is out of range") }
    return CivilDateTime(epochSeconds: s)
}

/// The machine's standard places, for the forms without files.
enum CronDefaults {
    /// System crontabs and both daemons' user spools (Debian: crontabs/NAME; cronie: NAME).
    static let crontabs = "{/etc/crontab,/etc/cron.d/*,/var/spool/cron/crontabs/*,/var/spool/cron/*}"
    /// Debian's syslog, auth.log (PAM sessions), cron.log and kern.log; cronie's cron and secure; with rotations.
    static let history = "{/var/log/syslog*,/var/log/auth.log*,/var/log/cron*,/var/log/kern.log*,/var/log/secure*,/var/log/messages*}"
}

/// The files a path/glob argument names; when the argument is not given at all, the files of `default`. NULL is
/// an error naming the parameter.
func pathsArgument(_ args: TableArguments, _ name: String, default pattern: String) throws -> [String] {
    if args.isGiven(name) { return try args.paths(name) }
    do { return try Glob.expand(pattern) } catch { throw SQLError(error.message) }
}
