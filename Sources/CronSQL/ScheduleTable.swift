// cron_schedule(schedule, start [, end [, tz]]): one row per fire time in [start, end), generated lazily in order
// (an omitted or NULL end runs until LIMIT stops it, or year 9999). Pure, so innocuous. With a `tz`, the rows
// are the times the daemon runs the job in that zone, in the order it runs them: a wall time the clocks skip
// runs at the first minute after the jump (fixed-time schedules), one they repeat may come twice (wildcard
// schedules), as Debian's cron does (Cron/ZonedSchedule.swift); start and end are instants of that zone.
import Cron
import SQLiteKit
import StrataCommon

final class ScheduleTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "cron_schedule", kind: .tableFunction, safety: .pure,
        parameters: [
            .required("schedule", "five cron fields or an @shortcut"),
            .required("start", "first instant considered (ISO text or Unix seconds)"),
            .optional("end", "stop before this instant (default: until LIMIT, or year 9999)"),
            .optional("tz", "a time zone (IANA name or POSIX TZ rule): its wall clock, with Debian cron's DST rules (default: naive wall clock)"),
        ],
        columns: [SQLColumn("fire_time", "TEXT", "a fire time, YYYY-MM-DD HH:MM:SS (wall clock, of tz when given)")],
        returns: "fire times in [start, end), in order")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        guard let binding = try Self.sql.tableSignature.bindParameters(info) else { return .unusable }
        info.indexNumber = binding.mask
        // Rows come out in time order — as text only without a zone (with one, a repeated hour goes back), so an
        // ORDER BY fire_time is SQLite's to do then.
        let zoned = binding.mask & (1 << 3) != 0
        if !zoned, info.orderBy.count == 1, info.orderBy[0].column == 0, !info.orderBy[0].descending {
            info.orderByConsumed = true
        }
        info.estimatedCost = 1000
        info.estimatedRows = 1000
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { ScheduleCursor() }
}

final class ScheduleCursor: VirtualTableCursor {
    private var cursor: FireCursor?
    private var zoned: ZonedFireCursor?
    private var endInstant: Int64?
    private var current: FireTime?
    private var end: CivilDateTime?
    private var index: Int64 = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(ScheduleTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        current = nil
        cursor = nil
        zoned = nil
        endInstant = nil
        index = 0
        // Pure and NULL-propagating like cron_next: a NULL schedule or start is no fire time.
        guard let sArg = args.value("schedule"), let startArg = args.value("start") else { return }
        guard sArg.type == .text else { throw SQLError("the schedule must be text such as '0 2 * * *'") }
        let schedule = try parseSchedule(sArg.text)
        guard let start = try timeArgument(startArg, role: "start") else { return }
        end = try args.value("end").flatMap { try timeArgument($0, role: "end") }
        var clock = ScheduleClock.naive
        if let tz = args.value("tz") {
            guard tz.type == .text else { throw SQLError("tz must be text such as 'Europe/London'") }
            clock = try zoneClock(tz.text, cacheIn: nil, argument: 3)
        }
        if case .naive = clock {
            cursor = FireCursor(schedule: schedule, atOrAfter: start)
        } else {
            // From the first instant at or after start (a time with seconds starts at its next minute).
            let exact = start.second == 0 && start.nanosecond == 0
            zoned = ZonedFireCursor(schedule: schedule, clock: clock, from: clock.instant(ofWall: start) + (exact ? 0 : 1))
            endInstant = end.map { clock.instant(ofWall: $0) }
        }
        try next()
    }

    func next() throws {
        index += 1
        if zoned != nil {
            guard let f = zoned?.advance() else { current = nil; return }
            current = f.wall
            if let endInstant, f.instant >= endInstant { current = nil }
            return
        }
        current = cursor?.advance()
        if let c = current, let end, !(c.civil < end) { current = nil }
    }

    var isAtEnd: Bool { current == nil }

    func column(_ i: Int32, context: SQLContext) throws {
        guard i == 0, let c = current else { return context.resultNull() }
        c.withISOBytes { context.result(utf8: $0) }
    }

    func rowid() throws -> Int64 { index }
}
