// cron_runs([crontab [, history [, start [, end [, tolerance_s [, kind]]]]]]): every expected fire time of every
// crontab entry in [start, end) joined with the runs cron logged, plus runs no fire time explains, each with a
// status the history backs (see Cron/RunMatcher.swift) and what backs it (`evidence`). Crontabs and histories are
// paths, globs or {a,b} lists (default: the machine's standard places); the window defaults to the span the
// history covers. The jobs' own logs (their `>>` targets, date substitutions expanded, relative paths under the
// user's home) are read for ERROR/CRITICAL records and uncaught tracebacks (JobLogs.swift). Reads files:
// DIRECTONLY.
import Cron
import Glibc
import SQLiteKit
import StrataCommon

final class RunsTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "cron_runs", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [
            .optional("crontab", "the crontab files: a path, glob or {a,b} list; default \(CronDefaults.crontabs)"),
            .optional("history", "cron's syslog lines: a path, glob or {a,b} list; default \(CronDefaults.history)"),
            .optional("start", "start of the window (ISO text or Unix seconds); default the history's first line"),
            .optional("end", "end of the window, excluded; default just after the history's last line"),
            .optional("tolerance_s", "seconds a run may start after its fire time and still be on time (default 60)"),
            .optional("kind", "'user' or 'system' for every crontab file (default: by path, as crontab())"),
            .optional("tz", "the daemon's time zone, whose wall clock its logs and schedules use: an IANA name or POSIX TZ rule (default: this machine's, from TZ or /etc/localtime)"),
        ],
        columns: [
            SQLColumn("scheduled_at", "TEXT", "the expected fire time (NULL for unscheduled runs)"),
            SQLColumn("started_at", "TEXT", "when the CMD line was logged"),
            SQLColumn("ended_at", "TEXT", "END/CMDEND/error line, or the PAM session closing (NULL when not known)"),
            SQLColumn("duration_s", "REAL", "ended_at - started_at in seconds"),
            SQLColumn("status", "TEXT", "ok, failed, ended, started, running, late, missed, unknown or unscheduled"),
            SQLColumn("exit_status", "INTEGER", "from an error line; 0 when failures are logged and none was; else NULL"),
            SQLColumn("user", "TEXT", "the job's user"),
            SQLColumn("command", "TEXT", "the entry's command (without the % stdin part)"),
            SQLColumn("log_path", "TEXT", "the file the run's stdout went to: date substitutions expanded, relative paths under the user's home"),
            SQLColumn("schedule", "TEXT", "the entry's schedule"),
            SQLColumn("path", "TEXT", "the crontab file of the entry"),
            SQLColumn("line", "INTEGER", "the entry's line in that file"),
            SQLColumn("outcome", "TEXT", "how the run ended, whether scheduled or not: ok, failed, ended, running or started (NULL without a run)"),
            SQLColumn("evidence", "TEXT", "what the status rests on: an exit status, a kernel line, the job's log, or what is missing"),
            SQLColumn("history_from", "TEXT", "the first time the history covers"),
            SQLColumn("history_to", "TEXT", "the last time the history covers"),
            SQLColumn("overran", "INTEGER", "1 when the run was still going at the entry's next fire time, 0 when it had ended, NULL when not known"),
            SQLColumn("overlapping", "INTEGER", "other runs of the same entry still going when this one started"),
            SQLColumn("median_s", "REAL", "the median duration of the entry's runs in the history read"),
            SQLColumn("vs_median", "REAL", "duration_s / median_s"),
            SQLColumn("parts", "TEXT", "for a run of run-parts FOLDER: JSON array of the scripts run-parts logged starting (cronie's), else of those the folder holds now"),
        ],
        returns: "expected vs actual runs, with the evidence for each status")

    func bestIndex(_ info: IndexInfo) throws -> PlanOutcome { try TablePlan.fullScan(info, Self.sql, rows: 1000) }

    func openCursor() throws -> VirtualTableCursor { RunsCursor() }
}

/// What the binding adds to the matcher's rows (kept beside them: a row is large, and is not copied again).
struct RunsComparisons {
    var overran: [Int?]
    var overlapping: [Int?]
    var median: [Double?]
    var parts: [String?]
    init(count: Int) {
        parts = Array(repeating: nil, count: count)
        overran = Array(repeating: nil, count: count)
        overlapping = Array(repeating: nil, count: count)
        median = Array(repeating: nil, count: count)
    }
}

final class RunsCursor: VirtualTableCursor {
    private var rows: [RunRow] = []
    private var extra = RunsComparisons(count: 0)
    private var span: HistorySpan?
    private var i = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(RunsTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        rows = []
        span = nil
        extra = RunsComparisons(count: 0)
        i = 0
        let crontabPaths = try pathsArgument(args, "crontab", default: CronDefaults.crontabs)
        let historyPaths = try pathsArgument(args, "history", default: CronDefaults.history)
        func time(_ name: String) throws -> CivilDateTime? {
            guard args.isGiven(name) else { return nil }
            guard let v = args.value(name), let t = try timeArgument(v, role: name) else {
                throw SQLError("'\(name)' is NULL (usage: \(RunsTable.sql.signature))")
            }
            return t
        }
        let startArg = try time("start"), endArg = try time("end")
        var tolerance: Int64 = 60
        if args.isGiven("tolerance_s") {
            guard let t = args.value("tolerance_s"), t.type == .integer || t.type == .real, t.double >= 0,
                  t.double <= 31_622_400 else {
                throw SQLError("tolerance_s must be a number of seconds from 0 to 31622400")
            }
            tolerance = Int64(t.double.rounded(.down))
        }
        var kind: CrontabKind? = nil
        if args.isGiven("kind") {
            guard let v = args.value("kind") else { throw SQLError("'kind' is NULL (usage: \(RunsTable.sql.signature))") }
            kind = try crontabKind(v)
        }
        let machine: TimeZoneInfo
        do {
            if args.isGiven("tz") {
                guard let v = args.value("tz") else { throw SQLError("'tz' is NULL (usage: \(RunsTable.sql.signature))") }
                guard v.type == .text else { throw SQLError("tz must be text such as 'Europe/London'") }
                machine = try TimeZoneInfo.named(v.text)
            } else {
                machine = try TimeZoneInfo.local()
            }
        } catch let e as TimeZoneError { throw SQLError(e.message) }
        let entries = try readCrontabs(paths: crontabPaths, kind: kind)
        var jobs: [ScheduledJob] = []
        for row in entries {
            let e = row.entry
            guard let schedule = e.schedule, let raw = e.loggedCommand, let command = e.command else { continue }
            let home = e.env.last { $0.name == "HOME" }?.value
            var job = ScheduledJob(schedule: schedule, user: e.user, rawCommand: raw, command: command,
                                   logPath: e.logPath, path: row.path, line: e.line,
                                   home: home.flatMap { $0.hasPrefix("/") ? $0 : nil })
            job.cronTZ = e.env.last { $0.name == "CRON_TZ" }?.value
            job.jobTZ = e.env.last { $0.name == "TZ" }?.value
            jobs.append(job)
        }
        // Events from a day before the window: PAM sessions and runs that straddle `start`.
        let from = startArg.map { CivilDateTime(epochSeconds: $0.epochSeconds - 86_400) }
        // A zone with clock changes: the span and window in instants too (wall-clock ones are ambiguous across a
        // fall-back), the span shown as the wall-clock times of its ends.
        let zone: TimeZoneInfo? = machine.changesOffset ? machine : nil
        let (history, wallSpan, instantSpan) = try buildHistory(paths: historyPaths, from: from, zone: zone)
        var historySpan = wallSpan
        var window: (from: Int64, to: Int64)? = nil
        var start: CivilDateTime, end: CivilDateTime
        if let zone {
            func wall(_ t: Int64) -> CivilDateTime { CivilDateTime(epochSeconds: t + Int64(zone.offset(at: t))) }
            if let s = instantSpan { historySpan = HistorySpan(first: wall(s.first), last: wall(s.last)) }
            let clock = ScheduleClock.local(zone)
            // Default: from the minute of the history's first line to just after its last.
            let firstMinute = instantSpan.map { $0.first - mod60($0.first + Int64(zone.offset(at: $0.first))) }
            guard let from = startArg.map({ clock.instant(ofWall: $0) }) ?? firstMinute,
                  let to = endArg.map({ clock.instant(ofWall: $0) }) ?? instantSpan.map({ $0.last + 1 }) else {
                throw SQLError("the history has no lines to take a window from: give 'start' and 'end'")
            }
            guard from < to else { return }
            window = (from, to)
            // Runs are found by their wall-clock starts: every wall-clock time the window shows.
            (start, end) = wallRange(zone, from: from, to: to)
        } else {
            guard let s = startArg ?? historySpan.map({ minuteFloor($0.first) }),
                  let e = endArg ?? historySpan.map({ CivilDateTime(epochSeconds: $0.last.epochSeconds + 1) }) else {
                throw SQLError("the history has no lines to take a window from: give 'start' and 'end'")
            }
            (start, end) = (s, e)
            guard start < end else { return }
        }
        span = historySpan
        try setClocks(&jobs, machine: machine, cronTZApplies: history.cronieLogged || history.runs.isEmpty)
        var result = try RunMatcher(tolerance: tolerance).match(jobs: jobs, history: history, span: historySpan,
                                                                start: start, end: end, instants: window,
                                                                coverage: instantSpan)
        // Each entry's runs in start order, for both (the job logs change no start).
        let byEntry = result.withUnsafeBufferPointer { rowsByEntry($0) }
        resolveLogs(&result, jobs: jobs, zone: machine, byEntry: byEntry)
        extra = comparisons(result, byEntry: byEntry)
        addParts(&result, jobs: jobs)
        addAnacron(&result, jobs: jobs, anacron: history.anacronRuns)
        rows = result
    }

    /// Each entry's clock: the daemon's zone, or its CRON_TZ when the daemon is cronie (Debian's cron ignores
    /// CRON_TZ; the history tells them apart by cronie's CMDEND lines). A zone without clock changes is naive time.
    private func setClocks(_ jobs: inout [ScheduledJob], machine: TimeZoneInfo, cronTZApplies: Bool) throws {
        var zones: [String: TimeZoneInfo] = [:]
        for k in jobs.indices {
            var zone: TimeZoneInfo? = nil
            if cronTZApplies, let name = jobs[k].cronTZ, !name.isEmpty {
                if let z = zones[name] { zone = z } else {
                    do { zone = try TimeZoneInfo.named(name) } catch {
                        throw SQLError("CRON_TZ=\(name) in \(jobs[k].path) (line \(jobs[k].line)): \(error.message)")
                    }
                    zones[name] = zone
                }
            }
            if let zone {
                jobs[k].clock = .cronTZ(zone: zone, machine: machine)
            } else {
                jobs[k].clock = machine.changesOffset ? .local(machine) : .naive
            }
        }
    }

    /// Log paths for each row (date substitutions for its time, relative paths under its user's home), then the
    /// evidence in each log, read once for all the runs that wrote to it.
    private func resolveLogs(_ rows: inout [RunRow], jobs: [ScheduledJob], zone: TimeZoneInfo, byEntry: [[Int]]) {
        var homes: [String: String?] = [:]
        func home(_ user: String?) -> String? {
            guard let user else { return nil }
            if let h = homes[user] { return h }
            let h = homeDirectory(of: user)
            homes[user] = h
            return h
        }
        var notes: [Int: String] = [:]
        var zones: [String: TimeZoneInfo?] = [:]
        func jobZone(_ name: String) -> TimeZoneInfo? {
            if let z = zones[name] { return z }
            let z = try? TimeZoneInfo.named(name)
            zones[name] = .some(z)
            return z
        }
        // A run whose end is not logged went at most until its entry's next run started (taken as not overlapping
        // itself) or the latest its end can be.
        var nextRun = [Int32](repeating: -1, count: rows.count)  // the row of the entry's next run
        rows.withUnsafeBufferPointer { rb in
            for ordered in byEntry {
                for (a, b) in zip(ordered, ordered.dropFirst()) { nextRun[a] = Int32(truncatingIfNeeded: b) }
            }
        }
        // A path without a substitution resolves the same for every run of an entry and user (with its place in
        // `logRuns`: hashing the path of every row to find its runs' list was a few percent of cron_runs).
        struct PlainKey: Hashable { var job: Int; var user: String? }
        var plain: [PlainKey: (resolved: ResolvedLogPath, list: Int)] = [:]
        var latestPlain = [(user: String?, resolved: ResolvedLogPath, list: Int)?](repeating: nil, count: jobs.count)
        var listOf: [String: Int] = [:]   // each log path's place in `logRuns`
        var logRuns: [[JobLogRun]] = []
        func list(_ path: String) -> Int {
            if let known = listOf[path] { return known }
            listOf[path] = logRuns.count
            logRuns.append([])
            return logRuns.count - 1
        }
        var plainByJob = [Int8](repeating: -1, count: jobs.count)  // -1 not known yet, 1 no $ or `, 0 has one
        // Rows are reached through a buffer pointer: a subscript of the array would copy each whole row.
        rows.withUnsafeMutableBufferPointer { rb in
            for k in rb.indices {
                guard let raw = rb[k].logPath, let at = rb[k].startedAt ?? rb[k].scheduledAt else { continue }
                let cacheable: Bool
                if let j = rb[k].job, j >= 0, j < plainByJob.count {
                    // An entry's rows share its log path: whether it has a substitution is found once.
                    if plainByJob[j] < 0 { plainByJob[j] = !raw.utf8.contains(0x24) && !raw.utf8.contains(0x60) ? 1 : 0 }
                    cacheable = plainByJob[j] == 1
                } else {
                    cacheable = rb[k].job != nil && !raw.utf8.contains(0x24) && !raw.utf8.contains(0x60)  // $ `
                }
                let resolved: ResolvedLogPath
                var place: Int? = nil
                // The entry's latest resolution first (same user: no hashing of the key), else the map.
                var known: (resolved: ResolvedLogPath, list: Int)? = nil
                let j = rb[k].job ?? -1
                if cacheable {
                    if j >= 0, j < latestPlain.count, let c = latestPlain[j], c.user == rb[k].user {
                        known = (c.resolved, c.list)
                    } else if let found = plain[PlainKey(job: j, user: rb[k].user)] {
                        known = found
                        if j >= 0, j < latestPlain.count { latestPlain[j] = (rb[k].user, found.resolved, found.list) }
                    }
                }
                if let known {
                    resolved = known.resolved
                    place = known.list
                } else {
                    // `$(date ...)` runs in the job's zone: its crontab's TZ line, else the daemon's.
                    var when = at
                    if let j = rb[k].job, let name = jobs[j].jobTZ, let z = jobZone(name) {
                        let instant = ScheduleClock.local(zone).instant(ofWall: at)
                        when = CivilDateTime(epochSeconds: instant + Int64(z.offset(at: instant)), nanosecond: at.nanosecond)
                    }
                    resolved = resolveLogPath(raw, at: when, home: rb[k].job.flatMap { jobs[$0].home } ?? home(rb[k].user))
                    if cacheable {
                        place = resolved.path.map(list)
                        plain[PlainKey(job: j, user: rb[k].user)] = (resolved, place ?? -1)
                        if j >= 0, j < latestPlain.count { latestPlain[j] = (rb[k].user, resolved, place ?? -1) }
                    }
                }
                rb[k].logPath = resolved.path
                if let note = resolved.note, rb[k].startedAt != nil { notes[k] = note }
                guard let path = resolved.path, let s = rb[k].startedAt else { continue }
                let l = place.flatMap { $0 >= 0 ? $0 : nil } ?? list(path)
                if let e = rb[k].endedAt {
                    logRuns[l].append(JobLogRun(id: k, start: s, end: e))
                } else {
                    let bound = JobLogRun(id: k, start: s, end: rb[k].endBound ?? s).until
                    let next = nextRun[k] >= 0 ? rb[Int(nextRun[k])].startedAt : nil
                    let until = next.map { $0 < bound ? $0 : bound } ?? bound
                    logRuns[l].append(JobLogRun(id: k, start: s, until: until))
                }
            }
        }
        for path in listOf.keys.sorted() {
            if Interruption.isRequested() { return }
            let runs = listOf[path].map { logRuns[$0] } ?? []
            guard !runs.isEmpty else { continue }  // an entry's path known from a row without a run
            let (found, problem) = JobLogs.evidence(path: path, runs: runs, zone: zone)
            rows.withUnsafeMutableBufferPointer { rb in
                // Runs of one log mostly had the same evidence before: their new text is made once and shared.
                var lastBefore: String?? = .none, lastAfter = ""
                for run in runs {
                    let k = run.id
                    if let finding = found[k] {
                        RunMatcher.apply(logFinding: finding, to: &rb[k])
                    } else if let o = rb[k].outcome, o == "ended" || o == "started" || o == "running" {
                        let before = rb[k].evidence
                        if let b = lastBefore, b == before {
                            rb[k].evidence = lastAfter
                            continue
                        }
                        let text = problem ?? "no ERROR or traceback in its log during the run"
                        let after = (before.map { $0 + "; " } ?? "") + text
                        rb[k].evidence = after
                        lastBefore = .some(before)
                        lastAfter = after
                    }
                }
            }
        }
        rows.withUnsafeMutableBufferPointer { rb in
            for (k, note) in notes { rb[k].evidence = (rb[k].evidence.map { $0 + "; " } ?? "") + note }
        }
    }

    /// The scripts of each run of `run-parts FOLDER`: as logged, else the folder's runnable scripts now (Debian's
    /// run-parts logs none), said so in `evidence`.
    private func addParts(_ rows: inout [RunRow], jobs: [ScheduledJob]) {
        var listed: [String: [String]?] = [:]
        let folders = jobs.map { runPartsFolder($0.command) }
        guard folders.contains(where: { $0 != nil }) else { return }
        rows.withUnsafeMutableBufferPointer { rb in  // no copy of each row, as a subscript of the array makes
            for k in rb.indices where rb[k].startedAt != nil {
                guard let j = rb[k].job, let folder = folders[j] else { continue }
                if let logged = rb[k].parts {
                    extra.parts[k] = jsonArray(logged)
                    continue
                }
                if listed[folder] == nil { listed[folder] = .some(runnableScripts(folder)) }
                guard let names = listed[folder] ?? nil else { continue }
                extra.parts[k] = jsonArray(names)
                rb[k].evidence = (rb[k].evidence.map { $0 + "; " } ?? "")
                    + "its scripts are those \(folder) holds now (run-parts logged none)"
            }
        }
    }

    /// Runs of Debian's `test -x /usr/sbin/anacron || run-parts ... /etc/cron.daily` lines: anacron's run of that
    /// folder's job started in the day after (the line itself ran nothing when anacron is installed), its end and
    /// exit status in `evidence`; a non-zero status makes a run without one `failed`.
    private func addAnacron(_ rows: inout [RunRow], jobs: [ScheduledJob], anacron: [AnacronRun]) {
        guard !anacron.isEmpty else { return }
        let folders = jobs.map { defersToAnacron($0.command) ? runPartsFolder($0.command) : nil }
        for k in rows.indices {
            guard let start = rows[k].startedAt, let j = rows[k].job, let folder = folders[j] else { continue }
            let name = folder.split(separator: "/").last.map(String.init) ?? folder
            let limit = start.epochSeconds + 86_400
            guard let a = anacron.first(where: { $0.job == name && start <= $0.startedAt
                                                   && $0.startedAt.epochSeconds < limit }) else { continue }
            var text = "anacron ran \(name) at \(isoText(a.startedAt))"
            if let e = a.endedAt { text += " to \(isoText(e))" }
            text += a.exitStatus.map { ", exit status \($0)" } ?? (a.endedAt == nil ? ", no end logged" : "")
            text += " (this line defers to anacron, which is installed)"
            if let x = a.exitStatus, x != 0 {
                RunMatcher.apply(logFinding: text, to: &rows[k])
            } else {
                rows[k].evidence = (rows[k].evidence.map { $0 + "; " } ?? "") + text
            }
        }
    }

    /// Overruns, overlaps and the entry's median duration. The times they need are gathered first in one pass in
    /// row order: an entry's rows are spread over all the rows, and reaching each large row in entry order was a
    /// cache miss per field.
    private func comparisons(_ rows: [RunRow], byEntry: [[Int]]) -> RunsComparisons {
        var out = RunsComparisons(count: rows.count)
        let lastLine = span.flatMap { PackedTime($0.last) }
        struct Times { var started: PackedTime?; var ended: PackedTime?; var next: PackedTime?; var running: Bool }
        var times: [Times] = []
        times.reserveCapacity(rows.count)
        rows.withUnsafeBufferPointer { rows in
            for r in rows {
                times.append(Times(started: r.startedPacked, ended: r.endedPacked, next: r.nextScheduledPacked,
                                   running: r.outcome == "running"))
            }
        }
        times.withUnsafeBufferPointer { rb in
            for ordered in byEntry {
                let durations = ordered.compactMap { k -> Double? in
                    guard let s = rb[k].started, let e = rb[k].ended else { return nil }
                    return seconds(from: s.civil, to: e.civil)
                }.sorted()
                let median: Double? = durations.isEmpty ? nil : durations.count % 2 == 1 ? durations[durations.count / 2]
                    : (durations[durations.count / 2 - 1] + durations[durations.count / 2]) / 2
                // Earlier runs that may still be going: those with an end, until it passes, and running ones.
                var active: [Int] = []
                for k in ordered {
                    out.median[k] = median
                    let ended = rb[k].ended
                    let running = rb[k].running
                    if let next = rb[k].next {
                        if let e = ended {
                            out.overran[k] = next < e ? 1 : 0
                        } else if running, let last = lastLine, next < last {
                            out.overran[k] = 1
                        }
                    }
                    guard let start = rb[k].started else { continue }
                    active.removeAll { e in rb[e].ended.map { !(start < $0) } ?? false }
                    out.overlapping[k] = active.count
                    if ended != nil || running { active.append(k) }
                }
            }
        }
        return out
    }

    func next() throws { i += 1 }
    var isAtEnd: Bool { i >= rows.count }

    func column(_ c: Int32, context: SQLContext) throws {
        guard i < rows.count else { return context.resultNull() }
        func time(_ t: CivilDateTime?) { if let t { context.result(isoText(t)) } else { context.resultNull() } }
        func text(_ v: String?) { if let v { context.result(v) } else { context.resultNull() } }
        func int(_ v: Int?) { if let v { context.result(v) } else { context.resultNull() } }
        func real(_ v: Double?) { if let v { context.result(v) } else { context.resultNull() } }
        // One field of the row, read through a buffer pointer (a subscript of the array would copy the whole row).
        rows.withUnsafeBufferPointer { rb in
            switch c {
            case 0: time(rb[i].scheduledAt)
            case 1: time(rb[i].startedAt)
            case 2: time(rb[i].endedAt)
            case 3: real(rb[i].startedAt.flatMap { s in rb[i].endedAt.map { seconds(from: s, to: $0) } })
            case 4: context.result(rb[i].status)
            case 5: int(rb[i].exitStatus)
            case 6: text(rb[i].user)
            case 7: context.result(rb[i].command)
            case 8: text(rb[i].logPath)
            case 9: text(rb[i].schedule)
            case 10: text(rb[i].path)
            case 11: int(rb[i].line)
            case 12: text(rb[i].outcome)
            case 13: text(rb[i].evidence)
            case 14: time(span?.first)
            case 15: time(span?.last)
            case 16: int(extra.overran[i])
            case 17: int(extra.overlapping[i])
            case 18: real(extra.median[i])
            case 19:
                if let s = rb[i].startedAt, let e = rb[i].endedAt, let m = extra.median[i], m > 0 {
                    context.result(seconds(from: s, to: e) / m)
                } else {
                    context.resultNull()
                }
            case 20: text(extra.parts[i])
            default: context.resultNull()
            }
        }
    }

    func rowid() throws -> Int64 { Int64(i) }
}

/// Each entry's rows with a run, in start order (a stable sort; rows come in time order, so usually none).
/// Arrays by entry number, not a dictionary: a week of a machine has tens of thousands of rows.
func rowsByEntry(_ rb: UnsafeBufferPointer<RunRow>) -> [[Int]] {
    var count = 0
    for k in rb.indices { if let j = rb[k].job, j >= count { count = j + 1 } }
    var lists = [[Int]](repeating: [], count: count)
    for k in rb.indices where rb[k].startedPacked != nil { if let j = rb[k].job, j >= 0 { lists[j].append(k) } }
    for j in lists.indices {
        var inOrder = true
        for (a, b) in zip(lists[j], lists[j].dropFirst()) {
            if let sa = rb[a].startedPacked, let sb = rb[b].startedPacked, sb < sa { inOrder = false; break }
        }
        if !inOrder {
            lists[j].sort { a, b in
                guard let sa = rb[a].startedPacked, let sb = rb[b].startedPacked else { return false }
                return sa < sb
            }
        }
    }
    return lists.filter { !$0.isEmpty }
}

/// Seconds past the minute (of a wall-clock time in seconds).
func mod60(_ t: Int64) -> Int64 { ((t % 60) + 60) % 60 }

/// The wall-clock times a zone shows between two instants: from the lowest to just past the highest (across a
/// fall-back the clock goes back, so the ends are not enough).
func wallRange(_ zone: TimeZoneInfo, from: Int64, to: Int64) -> (CivilDateTime, CivilDateTime) {
    var low = from + Int64(zone.offset(at: from)), high = to + Int64(zone.offset(at: to))
    var t = from
    while let tr = zone.nextTransition(after: t), tr.at < to {
        low = min(low, tr.at + Int64(tr.after))
        high = max(high, tr.at + Int64(tr.before))
        t = tr.at
    }
    return (CivilDateTime(epochSeconds: low), CivilDateTime(epochSeconds: high))
}

/// The minute a time is in (a window from a history's first line starts at that minute's fire times).
func minuteFloor(_ t: CivilDateTime) -> CivilDateTime {
    CivilDateTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute)
}

func jsonArray(_ items: [String]) -> String { "[" + items.map(jsonStringLiteral).joined(separator: ",") + "]" }

/// The files of a folder Debian's run-parts would run, in its order (names of letters, digits, `_` and `-`;
/// executable); nil when the folder cannot be read here.
func runnableScripts(_ folder: String) -> [String]? {
    guard FileAccess.isAllowed(path: folder), let dir = opendir(folder) else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = DirectoryEntry.name(entry)
        guard runPartsRunsName(name) else { continue }
        let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, access(path, X_OK) == 0 { names.append(name) }
    }
    return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}
