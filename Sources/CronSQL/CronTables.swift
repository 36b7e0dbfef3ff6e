// The SQL surface of the Cron domain, registered in one place with its flags.
//   cron_next, cron_prev, cron_describe      scalar, pure (DETERMINISTIC | INNOCUOUS)
//   cron_schedule(schedule, start [, end [, tz]])  table-valued, pure (innocuous)
//   crontab(path [, kind])                     table-valued, reads files (DIRECTONLY)
//   cron_history(path)                         table-valued, reads files (DIRECTONLY)
//   cron_runs([crontab [, history [, start [, end [, tolerance_s [, kind [, tz]]]]]]])  table-valued, reads files (DIRECTONLY)
import SQLiteKit

public enum CronTables {
    public static func register(on db: Connection) throws {
        try db.register(nextDeclaration, ScheduleFunctions.next)
        try db.register(previousDeclaration, ScheduleFunctions.previous)
        try db.register(describeDeclaration, ScheduleFunctions.describe)
        try db.register(ScheduleTable.sql) { _, _ in ScheduleTable() }
        try db.register(CrontabTable.sql) { _, _ in CrontabTable() }
        try db.register(HistoryTable.sql) { _, _ in HistoryTable() }
        try db.register(RunsTable.sql) { _, _ in RunsTable() }
    }

    static let nextDeclaration = SQLDeclaration(
        "cron_next", kind: .scalar, safety: .pure,
        parameters: [.required("schedule", "five cron fields or an @shortcut"),
                     .required("after", "an instant (ISO text or Unix seconds)"),
                     .optional("tz", "evaluate in this time zone (IANA name or POSIX TZ rule) with Debian cron's DST rules; times are its wall clock")],
        returns: "the first fire time after it (ISO text); NULL for a schedule that never fires")
    static let previousDeclaration = SQLDeclaration(
        "cron_prev", kind: .scalar, safety: .pure,
        parameters: [.required("schedule", "five cron fields or an @shortcut"),
                     .required("before", "an instant (ISO text or Unix seconds)"),
                     .optional("tz", "evaluate in this time zone (IANA name or POSIX TZ rule) with Debian cron's DST rules; times are its wall clock")],
        returns: "the last fire time before it (ISO text); NULL when there is none")
    static let describeDeclaration = SQLDeclaration(
        "cron_describe", kind: .scalar, safety: .pure,
        parameters: [.required("schedule", "five cron fields or an @shortcut")],
        returns: "the schedule in plain English")
}
