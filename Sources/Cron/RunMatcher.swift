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
    /// At most this many expected fire times per entry (a guard against `* * * * *` over centuries).
    public static let maxSlotsPerJob = 10_000_000

    public init(tolerance: Int64 = 60) { self.tolerance = tolerance }

    public func match(jobs: [ScheduledJob], history: RunBuilder, start: CivilDateTime, end: CivilDateTime) throws -> [RunRow] {
        let runs = history.runs
        var rows: [RunRow] = []
        // Timelines: fire times of every job with the same (user, command), plus each job's previous fire
        // time before `start`, which takes a late run of a slot just before the window (reported only then).
        struct Slot { var time: CivilDateTime; var job: Int; var emitted: Bool; var run: Int? }
        struct TimelineKey: Hashable { var user: String?; var command: String }
        var timelines: [TimelineKey: [Slot]] = [:]
        for (k, job) in jobs.enumerated() where job.schedule.canFire {
            let key = TimelineKey(user: job.user, command: trimmedCommand(job.rawCommand))
            var slots: [Slot] = []
            if let p = job.schedule.previous(before: start) { slots.append(Slot(time: p.civil, job: k, emitted: false)) }
            var c = FireCursor(schedule: job.schedule, atOrAfter: start)
            while let f = c.advance() {
                let t = f.civil
                guard t < end else { break }
                guard slots.count < Self.maxSlotsPerJob else {
                    throw CronError("'\(job.schedule.text)' fires more than \(Self.maxSlotsPerJob) times in the range")
                }
                slots.append(Slot(time: t, job: k, emitted: true))
            }
            timelines[key, default: []].append(contentsOf: slots)
        }
        for key in Array(timelines.keys) { timelines[key]?.sort { $0.time < $1.time } }

        // Runs that start in the window, in time order, assigned to slots.
        let windowRuns = runs.indices.filter { start <= runs[$0].startedAt && runs[$0].startedAt < end }
            .sorted { runs[$0].startedAt < runs[$1].startedAt }
        for r in windowRuns {
            let run = runs[r]
            // Candidate timelines: same command; the user must agree when both sides know it.
            var assigned = false
            var matchedJob: (TimelineKey, Int)?
            for key in timelines.keys where key.command == run.command
                && (key.user == nil || run.user == nil || key.user == run.user) {
                guard let slots = timelines[key] else { continue }
                // The latest slot at or before the run's start.
                var lo = 0, hi = slots.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if slots[mid].time <= run.startedAt { lo = mid + 1 } else { hi = mid }
                }
                if lo > 0 {
                    matchedJob = (key, slots[lo - 1].job)
                    if slots[lo - 1].run == nil {
                        timelines[key]?[lo - 1].run = r
                        assigned = true
                        break
                    }
                } else if matchedJob == nil, let first = slots.first {
                    matchedJob = (key, first.job)
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
            for slot in slots where slot.emitted || slot.run != nil {
                let job = jobs[slot.job]
                var row = RunRow(scheduledAt: slot.time, startedAt: nil, endedAt: nil, status: "missed", exitStatus: nil,
                                 user: job.user, command: job.command, logPath: job.logPath,
                                 schedule: job.schedule.text, path: job.path, line: job.line)
                if let r = slot.run {
                    let run = runs[r]
                    row.startedAt = run.startedAt
                    row.endedAt = run.endedAt
                    row.exitStatus = exitStatus(run, history)
                    row.user = run.user ?? job.user
                    let late = run.startedAt.epochSeconds - slot.time.epochSeconds > tolerance
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
