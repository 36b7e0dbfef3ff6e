// cron_runs(crontab, history, start, end [, tolerance_s]): every expected fire time of every
// crontab entry in [start, end) joined with the runs cron logged, plus runs no fire time explains.
// See Cron/RunMatcher.swift for the matching rules and statuses. Reads files: DIRECTONLY.
import Cron
import SQLiteKit
import StrataCommon

final class RunsTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "cron_runs", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [
            .required("crontab", "the crontab files: a path or glob"),
            .required("history", "cron's syslog lines: a path or glob"),
            .required("start", "start of the window (ISO text or Unix seconds)"),
            .required("end", "end of the window, excluded"),
            .optional("tolerance_s", "seconds a run may start after its fire time and still be on time (default 60)"),
        ],
        columns: [
            SQLColumn("scheduled_at", "TEXT", "the expected fire time (NULL for unscheduled runs)"),
            SQLColumn("started_at", "TEXT", "when the CMD line was logged"),
            SQLColumn("ended_at", "TEXT", "END/CMDEND/error line, or the PAM session closing"),
            SQLColumn("duration_s", "REAL", "ended_at - started_at in seconds"),
            SQLColumn("status", "TEXT", "ok, failed, missed, late, running or unscheduled"),
            SQLColumn("exit_status", "INTEGER", "from an error line; 0 when failures are logged and none was; else NULL"),
            SQLColumn("user", "TEXT", "the job's user"),
            SQLColumn("command", "TEXT", "the entry's command (without the % stdin part)"),
            SQLColumn("log_path", "TEXT", "the entry's stdout redirection target"),
            SQLColumn("schedule", "TEXT", "the entry's schedule"),
            SQLColumn("path", "TEXT", "the crontab file of the entry"),
            SQLColumn("line", "INTEGER", "the entry's line in that file"),
        ],
        returns: "expected vs actual runs")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { try TablePlan.fullScan(info, Self.sql, rows: 1000) }

    func openCursor() throws -> VirtualTableCursor { RunsCursor() }
}

final class RunsCursor: VirtualTableCursor {
    private var rows: [RunRow] = []
    private var i = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(RunsTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        rows = []
        i = 0
        let crontabPaths = try args.paths("crontab")
        let historyPaths = try args.paths("history")
        guard let s = args.value("start"), let e = args.value("end"),
              let start = try timeArgument(s, role: "start"), let end = try timeArgument(e, role: "end") else {
            throw SQLError("'start' and 'end' are required (usage: \(RunsTable.sql.signature))")
        }
        var tolerance: Int64 = 60
        if let t = args.value("tolerance_s") {
            guard t.type == .integer || t.type == .real, t.double >= 0, t.double <= 31_622_400 else {
                throw SQLError("tolerance_s must be a number of seconds from 0 to 31622400")
            }
            tolerance = Int64(t.double.rounded(.down))
        }
        guard start < end else { return }
        let entries = try readCrontabs(paths: crontabPaths, kind: nil)
        var jobs: [ScheduledJob] = []
        for row in entries {
            let e = row.entry
            guard let schedule = e.schedule, let raw = e.loggedCommand, let command = e.command else { continue }
            jobs.append(ScheduledJob(schedule: schedule, user: e.user, rawCommand: raw, command: command,
                                     logPath: e.logPath, path: row.path, line: e.line))
        }
        // Events from a day before the window: PAM sessions and runs that straddle `start`.
        let from = CivilDateTime(epochSeconds: start.epochSeconds - 86_400)
        var builder = RunBuilder()
        for event in try readHistory(paths: historyPaths, from: from) { builder.add(event) }
        rows = try RunMatcher(tolerance: tolerance).match(jobs: jobs, history: builder, start: start, end: end)
    }

    func next() throws { i += 1 }
    var isAtEnd: Bool { i >= rows.count }

    func column(_ c: Int32, context: SQLContext) throws {
        guard i < rows.count else { return context.resultNull() }
        let r = rows[i]
        func time(_ t: CivilDateTime?) { if let t { context.result(isoText(t)) } else { context.resultNull() } }
        func text(_ v: String?) { if let v { context.result(v) } else { context.resultNull() } }
        switch c {
        case 0: time(r.scheduledAt)
        case 1: time(r.startedAt)
        case 2: time(r.endedAt)
        case 3: if let d = r.duration { context.result(d) } else { context.resultNull() }
        case 4: context.result(r.status)
        case 5: if let x = r.exitStatus { context.result(x) } else { context.resultNull() }
        case 6: text(r.user)
        case 7: context.result(r.command)
        case 8: text(r.logPath)
        case 9: text(r.schedule)
        case 10: text(r.path)
        case 11: if let l = r.line { context.result(l) } else { context.resultNull() }
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { Int64(i) }
}
