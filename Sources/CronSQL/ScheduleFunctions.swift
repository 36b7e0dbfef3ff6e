// cron_next, cron_prev and cron_describe: pure functions of their arguments (DETERMINISTIC | INNOCUOUS),
// so they work in views, generated columns and indexes. A never-firing schedule (`* * 31 2 *`) and
// `@reboot` give NULL; a malformed one is an error naming the schedule. With a `tz`, times are that zone's wall
// clock and its clock changes are met as Debian's cron meets them (Cron/ZonedSchedule.swift).
import Cron
import SQLiteKit

enum ScheduleFunctions {
    static func next(_ ctx: SQLContext, _ args: SQLArguments) throws {
        guard let s = try scheduleArgument(args, 0, ctx),
              let t = try timeArgument(args[1], role: "time") else { return ctx.resultNull() }
        let clock = try clockArgument(args, 2, ctx)
        guard let f = s.next(after: t, clock: clock) else { return ctx.resultNull() }
        ctx.result(f.wall.iso)
    }

    static func previous(_ ctx: SQLContext, _ args: SQLArguments) throws {
        guard let s = try scheduleArgument(args, 0, ctx),
              let t = try timeArgument(args[1], role: "time") else { return ctx.resultNull() }
        let clock = try clockArgument(args, 2, ctx)
        guard let f = s.previous(before: t, clock: clock) else { return ctx.resultNull() }
        ctx.result(f.wall.iso)
    }

    static func describe(_ ctx: SQLContext, _ args: SQLArguments) throws {
        guard let s = try scheduleArgument(args, 0, ctx) else { return ctx.resultNull() }
        ctx.result(s.englishDescription)
    }
}
