// The morning question: for every crontab entry, each expected fire time in [start, end) and what ran.
//
// Matching: a run belongs to the entries whose command is the same text (blanks around it ignored) and
// whose user agrees (when both are known). The fire times of all entries with that command and user form
// one timeline; a run is assigned to the latest fire time at or before its start, if that fire time has
// no run yet. It is on time within `tolerance` seconds of the fire time and `late` after that; a second
// run for the same fire time, a run before any fire time, and a run of a command no entry has are
// `unscheduled`.
//
// Status of an expected fire time: `missed` (no run), `failed` (an error line reported a non-zero exit or
// a signal), `running` (no end recorded although the log records ends), `late`, else `ok`. With no end
// lines at all (Debian's default log level without PAM), a run that started is `ok` and its end is NULL.
import StrataCommon

/// A crontab entry as the matcher needs it.
public struct ScheduledJob: Sendable {
    public var schedule: CronSchedule
    public var user: String?
    /// The command as the daemon logs it (`CrontabEntry.loggedCommand`); runs are matched on it.
    public var rawCommand: String
    public var command: String
    public var logPath: String?
    public var path: String
    public var line: Int

    public init(schedule: CronSchedule, user: String?, rawCommand: String, command: String, logPath: String?,
                path: String, line: Int) {
        self.schedule = schedule; self.user = user; self.rawCommand = rawCommand; self.command = command
        self.logPath = logPath; self.path = path; self.line = line
    }
}

public struct RunRow: Sendable, Equatable {
    public var scheduledAt: CivilDateTime?
    public var startedAt: CivilDateTime?
    public var endedAt: CivilDateTime?
    public var status: String
    public var exitStatus: Int?
    public var user: String?
    public var command: String
    public var logPath: String?
    public var schedule: String?
    public var path: String?
    public var line: Int?

    /// Seconds from start to end, with fractions when the log has them.
    public var duration: Double? {
        guard let s = startedAt, let e = endedAt else { return nil }
        let whole = Double(e.epochSeconds - s.epochSeconds)
        return whole + Double(e.nanosecond - s.nanosecond) / 1e9
    }
}

public struct RunMatcher {
    public var tolerance: Int64
    /// At most this many expected fire times in one match (24 bytes each): `* * * * *` for seven years.
    public static let maxSlots = 4_000_000

    public init(tolerance: Int64 = 60) { self.tolerance = tolerance }

    public func match(jobs: [ScheduledJob], history: RunBuilder, start: CivilDateTime, end: CivilDateTime) throws -> [RunRow] {
        let runs = history.runs
        guard runs.count < Int(Int32.max), jobs.count < Int(Int32.max) else { throw CronError("too many runs") }
        var rows: [RunRow] = []
        // Timelines: fire times of every job with the same (user, command), plus each job's previous fire
        // time before `start`, which takes a late run of a slot just before the window (reported only then).
        struct Slot { var time: Int64; var job: Int32; var run: Int32; var emitted: Bool }
        struct TimelineKey: Hashable { var user: String?; var command: String }
        var timelines: [TimelineKey: [Slot]] = [:]
        var firstJob: [TimelineKey: Int] = [:]  // names the entry of a run even when it has no fire times (@reboot)
        var total = 0
        for (k, job) in jobs.enumerated() {
            let key = TimelineKey(user: job.user, command: trimmedCommand(job.rawCommand))
            if firstJob[key] == nil { firstJob[key] = k }
            var slots: [Slot] = []
            if let p = job.schedule.previous(before: start) {
                slots.append(Slot(time: p.epochSeconds, job: Int32(truncatingIfNeeded: k), run: -1, emitted: false))
            }
            var c = FireCursor(schedule: job.schedule, atOrAfter: start)
            while let f = c.advance() {
                let t = f.civil
                guard t < end else { break }
                total += 1
                if total & 4095 == 0, Interruption.isRequested() { throw CronError(Interruption.message) }
                guard total <= Self.maxSlots else {
                    throw CronError("the crontab's entries fire more than \(Self.maxSlots) times between start and end; "
                                    + "ask for a shorter range")
                }
                slots.append(Slot(time: t.epochSeconds, job: Int32(truncatingIfNeeded: k), run: -1, emitted: true))
            }
            timelines[key, default: []].append(contentsOf: slots)
        }
        for key in Array(timelines.keys) { timelines[key]?.sort { $0.time < $1.time } }
        var keysByCommand: [String: [TimelineKey]] = [:]
        for key in timelines.keys { keysByCommand[key.command, default: []].append(key) }

        // Runs that start in the window, in time order, assigned to slots.
        let windowRuns = runs.indices.filter { start <= runs[$0].startedAt && runs[$0].startedAt < end }
            .sorted { runs[$0].startedAt < runs[$1].startedAt }
        for (i, r) in windowRuns.enumerated() {
            if i & 4095 == 4095, Interruption.isRequested() { throw CronError(Interruption.message) }
            let run = runs[r]
            // Candidate timelines: same command; the user must agree when both sides know it.
            var assigned = false
            var matchedJob: (TimelineKey, Int)?
            let started = run.startedAt.epochSeconds
            for key in keysByCommand[run.command] ?? [] where key.user == nil || run.user == nil || key.user == run.user {
                guard let slots = timelines[key] else { continue }
                // The latest slot at or before the run's start.
                var lo = 0, hi = slots.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if slots[mid].time <= started { lo = mid + 1 } else { hi = mid }
                }
                if lo > 0 {
                    matchedJob = (key, Int(slots[lo - 1].job))
                    if slots[lo - 1].run < 0 {
                        timelines[key]?[lo - 1].run = Int32(truncatingIfNeeded: r)
                        assigned = true
                        break
                    }
                } else if matchedJob == nil, let first = firstJob[key] {
                    matchedJob = (key, first)
                }
            }
            if !assigned {
                let job = matchedJob.map { jobs[$0.1] }
                rows.append(RunRow(scheduledAt: nil, startedAt: run.startedAt, endedAt: run.endedAt, status: "unscheduled",
                                   exitStatus: exitStatus(run, history), user: run.user ?? job?.user,
                                   command: job?.command ?? run.command, logPath: job?.logPath,
                                   schedule: job?.schedule.text, path: job?.path, line: job?.line))
            }
        }

        for slots in timelines.values {
            for slot in slots where slot.emitted || slot.run >= 0 {
                let job = jobs[Int(slot.job)]
                let scheduled = CivilDateTime(epochSeconds: slot.time)
                var row = RunRow(scheduledAt: scheduled, startedAt: nil, endedAt: nil, status: "missed", exitStatus: nil,
                                 user: job.user, command: job.command, logPath: job.logPath,
                                 schedule: job.schedule.text, path: job.path, line: job.line)
                if slot.run >= 0 {
                    let run = runs[Int(slot.run)]
                    row.startedAt = run.startedAt
                    row.endedAt = run.endedAt
                    row.exitStatus = exitStatus(run, history)
                    row.user = run.user ?? job.user
                    let late = run.startedAt.epochSeconds - slot.time > tolerance
                    if run.failed {
                        row.status = "failed"
                    } else if run.endedAt == nil && history.endsLogged {
                        row.status = "running"
                    } else if late {
                        row.status = "late"
                    } else {
                        row.status = "ok"
                    }
                }
                rows.append(row)
            }
        }
        rows.sort { a, b in
            let ta = a.scheduledAt ?? a.startedAt, tb = b.scheduledAt ?? b.startedAt
            if ta != tb, let x = ta, let y = tb { return x < y }
            if (a.path ?? "", a.line ?? 0) != (b.path ?? "", b.line ?? 0) {
                return (a.path ?? "", a.line ?? 0) < (b.path ?? "", b.line ?? 0)
            }
            return a.command < b.command
        }
        return rows
    }

    /// The error line's status; 0 for a run that ended when failures are logged at all; else unknown.
    func exitStatus(_ run: CronRun, _ history: RunBuilder) -> Int? {
        if let s = run.exitStatus { return s }
        if history.failuresLogged, run.endedAt != nil { return 0 }
        return nil
    }
}
