// The SQL surface of the Cron domain, registered in one place with its flags.
//   cron_next, cron_prev, cron_describe      scalar, pure (DETERMINISTIC | INNOCUOUS)
//   cron_schedule(schedule, start [, end])    table-valued, pure (innocuous)
//   crontab(path [, kind])                     table-valued, reads files (DIRECTONLY)
//   cron_history(path)                         table-valued, reads files (DIRECTONLY)
//   cron_runs(crontab, history, start, end [, tolerance_s])  table-valued, reads files (DIRECTONLY)
import SQLiteKit

public enum CronTables {
    public static func register(on db: Connection) throws {
        try db.createFunction("cron_next", argumentCount: 2, flags: .pure, ScheduleFunctions.next)
        try db.createFunction("cron_prev", argumentCount: 2, flags: .pure, ScheduleFunctions.previous)
        try db.createFunction("cron_describe", argumentCount: 1, flags: .pure, ScheduleFunctions.describe)
        try db.createModule(VirtualTableModule(name: "cron_schedule", kind: .eponymousOnly, directOnly: false,
                                               innocuous: true) { _, _ in ScheduleTable() })
        try db.createModule(VirtualTableModule(name: "crontab", kind: .eponymousOnly, directOnly: true, readsFiles: true) { _, _ in
            CrontabTable()
        })
        try db.createModule(VirtualTableModule(name: "cron_history", kind: .eponymousOnly, directOnly: true, readsFiles: true) { _, _ in
            HistoryTable()
        })
        try db.createModule(VirtualTableModule(name: "cron_runs", kind: .eponymousOnly, directOnly: true, readsFiles: true) { _, _ in
            RunsTable()
        })
    }
}
