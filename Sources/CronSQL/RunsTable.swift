// cron_runs(crontab_path, history_path, start, end [, tolerance_s]): every expected fire time of every
// crontab entry in [start, end) joined with the runs cron logged, plus runs no fire time explains.
// See Cron/RunMatcher.swift for the matching rules and statuses. Reads files: DIRECTONLY.
import Cron
import SQLiteKit
import StrataCommon

final class RunsTable: VirtualTable {
    static let signature = TableFunctionSignature(
        name: "cron_runs",
        columns: [
            "scheduled_at TEXT -- the expected fire time (NULL for unscheduled runs)",
            "started_at TEXT -- when the CMD line was logged",
            "ended_at TEXT -- END/CMDEND/error line, or the PAM session closing",
            "duration_s REAL -- ended_at - started_at in seconds",
            "status TEXT -- ok, failed, missed, late, running or unscheduled",
            "exit_status INTEGER -- from an error line; 0 when failures are logged and none was; else NULL",
            "user TEXT -- the job's user",
            "command TEXT -- the entry's command (without the % stdin part)",
            "log_path TEXT -- the entry's stdout redirection target",
            "schedule TEXT -- the entry's schedule",
            "path TEXT -- the crontab file of the entry",
            "line INTEGER -- the entry's line in that file",
        ],
        parameters: [.init("crontab_path"), .init("history_path"), .init("start"), .init("end"),
                     .init("tolerance_s", required: false)])

    var declaration: String { Self.signature.declaration }

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome {
        guard let binding = try Self.signature.bindParameters(info) else { return .unusable }
        info.indexNumber = binding.mask
        info.estimatedCost = 1_000_000
        info.estimatedRows = 1000
        return .ok
    }

    func openCursor() throws -> VirtualTableCursor { RunsCursor() }
}

final class RunsCursor: VirtualTableCursor {
    private var rows: [RunRow] = []
    private var i = 0
    static let name = "cron_runs"

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let values = RunsTable.signature.parameterValues(mask: indexNumber & 0xFF, arguments: arguments)
        rows = []
        i = 0
        guard let c = values[0], let h = values[1], let s = values[2], let e = values[3],
              c.type != .null, h.type != .null else { return }
        guard let start = try timeArgument(s, role: "start"), let end = try timeArgument(e, role: "end") else { return }
        var tolerance: Int64 = 60
        if let t = values[4], t.type != .null {
            guard t.type == .integer || t.type == .real, t.double >= 0, t.double <= 31_622_400 else {
                throw SQLError("\(Self.name): tolerance_s must be a number of seconds from 0 to 31622400")
            }
            tolerance = Int64(t.double.rounded(.down))
        }
        guard start < end else { return }
        let entries = try readCrontabs(pattern: c.text, kind: nil, name: Self.name)
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
        for event in try readHistory(pattern: h.text, name: Self.name, from: from) { builder.add(event) }
        do {
            rows = try RunMatcher(tolerance: tolerance).match(jobs: jobs, history: builder, start: start, end: end)
        } catch let e as CronError {
            throw SQLError("\(Self.name): \(e.message)")
        }
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
