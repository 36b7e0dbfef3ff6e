// The morning question: for every crontab entry, each expected fire time in [start, end) and what ran — with a
// status that claims no more than the history shows.
//
// Matching: a run belongs to the entries whose command is the same text (blanks around it ignored) and
// whose user agrees (when both are known). The fire times of all entries with that command and user form
// one timeline; a run is assigned to the latest fire time at or before its start, if that fire time has
// no run yet. It is on time within `tolerance` seconds of the fire time and `late` after that; a second
// run for the same fire time, a run before any fire time, and a run of a command no entry has are
// `unscheduled`.
//
// What a run's outcome rests on (`outcome`, and `evidence` in words):
//   failed   an exit status other than 0 was logged (Debian -L 4), or a kernel line killed the job's process
//            (OOM killer, segfault), or — added by the binding from the job's own log — ERROR/CRITICAL records
//            or an uncaught traceback during the run
//   ok       exit status 0: the history logs failed exits (Debian -L 4) and none came for this run
//   ended    its end was logged (END, CMDEND, its PAM session closing) but no exit status: cronie, Debian below -L 4
//   running  no end logged, although this history logs ends
//   started  only its start is known (this history logs no ends, or its end cannot be told apart)
// A fire time with no run is `missed` when the history covers it (from its first line to its last, the fire time
// plus the tolerance inside), else `unknown`.
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
    /// `HOME` when the crontab sets it (the daemons start the job there), else nil.
    public var home: String?
    /// The clock its schedule runs on: the daemon's zone, or CRON_TZ's on cronie (naive: no zone).
    public var clock: ScheduleClock
    /// The crontab's CRON_TZ line in effect for the entry, if any.
    public var cronTZ: String? = nil
    /// The crontab's TZ line in effect for the entry, if any: the job's own zone (its `date` runs in it).
    public var jobTZ: String? = nil

    public init(schedule: CronSchedule, user: String?, rawCommand: String, command: String, logPath: String?,
                path: String, line: Int, home: String? = nil, clock: ScheduleClock = .naive) {
        self.schedule = schedule; self.user = user; self.rawCommand = rawCommand; self.command = command
        self.logPath = logPath; self.path = path; self.line = line; self.home = home; self.clock = clock
    }
}

public struct RunRow: Sendable, Equatable {
    // Times packed: a row per fire time and run of a week of a machine is tens of thousands of rows, and five
    // CivilDateTimes made each row's memory (fresh pages, copies, cache misses) most of its cost. Every time a row
    // gets (log stamps, fire times of years 0...9999) is in PackedTime's range; one outside it would read as nil.
    @usableFromInline var scheduled: PackedTime?, started: PackedTime?, ended: PackedTime?
    @usableFromInline var bound: PackedTime?, next: PackedTime?
    @inlinable public var scheduledAt: CivilDateTime? {
        get { scheduled?.civil }
        set { scheduled = newValue.flatMap(PackedTime.init) }
    }
    @inlinable public var startedAt: CivilDateTime? {
        get { started?.civil }
        set { started = newValue.flatMap(PackedTime.init) }
    }
    @inlinable public var endedAt: CivilDateTime? {
        get { ended?.civil }
        set { ended = newValue.flatMap(PackedTime.init) }
    }
    /// The times as packed, for comparisons in bulk.
    @inlinable public var startedPacked: PackedTime? { started }
    @inlinable public var endedPacked: PackedTime? { ended }
    @inlinable public var nextScheduledPacked: PackedTime? { next }
    public var status: String
    public var exitStatus: Int?
    public var user: String?
    public var command: String
    public var logPath: String?
    public var schedule: String?
    public var path: String?
    public var line: Int?
    /// ok, failed, ended, running or started for a row with a run; nil for missed and unknown fire times.
    public var outcome: String? = nil
    /// What the status rests on, in words.
    public var evidence: String? = nil
    /// The index of the entry (in the matcher's `jobs`), nil for a run of a command no entry has.
    public var job: Int? = nil
    /// The latest time the run can have ended when its end is not logged: its candidates' last end, else the
    /// entry's next fire time, else the end of the window. Bounds the search of the job's log.
    @inlinable public var endBound: CivilDateTime? {
        get { bound?.civil }
        set { bound = newValue.flatMap(PackedTime.init) }
    }
    /// The entry's next fire time after this row's (for overruns).
    @inlinable public var nextScheduledAt: CivilDateTime? {
        get { next?.civil }
        set { next = newValue.flatMap(PackedTime.init) }
    }
    /// Seconds from the fire time to the start, when the run started late.
    public var lateBy: Int64? = nil
    /// The scripts run-parts logged for this run (cronie's run-parts), nil when it logged none.
    public var parts: [String]? = nil

    public init(scheduledAt: CivilDateTime?, startedAt: CivilDateTime?, endedAt: CivilDateTime?, status: String,
                exitStatus: Int?, user: String?, command: String, logPath: String?, schedule: String?, path: String?,
                line: Int?) {
        self.status = status; self.exitStatus = exitStatus; self.user = user; self.command = command
        self.logPath = logPath; self.schedule = schedule; self.path = path; self.line = line
        self.scheduledAt = scheduledAt; self.startedAt = startedAt; self.endedAt = endedAt
    }

    /// Seconds from start to end, with fractions when the log has them.
    public var duration: Double? {
        guard let s = startedAt, let e = endedAt else { return nil }
        return seconds(from: s, to: e)
    }
}

/// The span of time a history covers: its first line to its last.
public struct HistorySpan: Sendable, Equatable {
    public var first: CivilDateTime
    public var last: CivilDateTime
    public init(first: CivilDateTime, last: CivilDateTime) { self.first = first; self.last = last }

    public func including(_ t: CivilDateTime) -> HistorySpan {
        HistorySpan(first: t < first ? t : first, last: last < t ? t : last)
    }
}

public struct RunMatcher {
    public var tolerance: Int64
    /// At most this many expected fire times in one match (24 bytes each): `* * * * *` for seven years.
    public static let maxSlots = 4_000_000

    public init(tolerance: Int64 = 60) { self.tolerance = tolerance }

    /// `span` is what the history covers (nil: nothing, so no fire time can be called missed). With zoned clocks,
    /// `instants` are the window as instants and `coverage` the span as instants (a wall-clock window or span is
    /// ambiguous across a fall-back); `start` and `end` then bound the runs' wall-clock starts.
    public func match(jobs: [ScheduledJob], history: CronHistory, span: HistorySpan?, start: CivilDateTime,
                      end: CivilDateTime, instants: (from: Int64, to: Int64)? = nil,
                      coverage: (first: Int64, last: Int64)? = nil) throws -> [RunRow] {
        let runs = history.runs
        guard runs.count < Int(Int32.max), jobs.count < Int(Int32.max) else { throw CronError("too many runs") }
        var rows: [RunRow] = []
        // Timelines: fire times of every job with the same (user, command), plus each job's previous fire
        // time before `start`, which takes a late run of a slot just before the window (reported only then).
        struct Slot { var time: Int64; var job: Int32; var run: Int32; var emitted: Bool; var instant: Int64 = 0 }
        struct TimelineKey: Hashable { var user: String?; var command: String }
        // Timelines numbered in the order of their first entry; per run only its command is hashed.
        var timelineOf: [TimelineKey: Int] = [:]
        var timelines: [[Slot]] = []
        var timelineUser: [String?] = []
        var firstJob: [Int] = []  // names the entry of a run even when it has no fire times (@reboot)
        var nextFire: [Int: Int64] = [:]         // each job's first fire time at or after `end`
        var total = 0
        for (k, job) in jobs.enumerated() {
            let key = TimelineKey(user: job.user, command: trimmedCommand(job.rawCommand))
            let line: Int
            if let known = timelineOf[key] {
                line = known
            } else {
                line = timelines.count
                timelineOf[key] = line
                timelines.append([])
                timelineUser.append(job.user)
                firstJob.append(k)
            }
            var slots: [Slot] = []
            func add(_ wall: Int64, instant: Int64) throws {
                total += 1
                if total & 4095 == 0, Interruption.isRequested() { throw CronError(Interruption.message) }
                guard total <= Self.maxSlots else {
                    throw CronError("the crontab's entries fire more than \(Self.maxSlots) times between start and end; "
                                    + "ask for a shorter range")
                }
                slots.append(Slot(time: wall, job: Int32(truncatingIfNeeded: k), run: -1, emitted: true, instant: instant))
            }
            if case .naive = job.clock {
                if let p = job.schedule.previous(before: start) {
                    slots.append(Slot(time: p.epochSeconds, job: Int32(truncatingIfNeeded: k), run: -1, emitted: false))
                }
                var c = FireCursor(schedule: job.schedule, atOrAfter: start)
                while let f = c.advance() {
                    let t = f.civil
                    guard t < end else {
                        nextFire[k] = f.epochSeconds
                        break
                    }
                    try add(t.epochSeconds, instant: t.epochSeconds)
                }
            } else {
                // In a zone: the fire times between the instants of start and end (a wall time shown twice is its
                // first pass), each at the wall-clock time it runs; the clocks may repeat a wall time.
                let from = instants?.from ?? job.clock.instant(ofWall: start)
                let to = instants?.to ?? job.clock.instant(ofWall: end)
                if let p = job.schedule.previous(beforeInstant: from, clock: job.clock) {
                    slots.append(Slot(time: p.wall.epochSeconds, job: Int32(truncatingIfNeeded: k), run: -1,
                                      emitted: false, instant: p.instant))
                }
                var c = ZonedFireCursor(schedule: job.schedule, clock: job.clock, from: from)
                while let f = c.advance() {
                    guard f.instant < to else {
                        nextFire[k] = f.wall.epochSeconds
                        break
                    }
                    try add(f.wall.epochSeconds, instant: f.instant)
                }
            }
            timelines[line].append(contentsOf: slots)
        }
        for t in timelines.indices { timelines[t].sort { ($0.time, $0.instant) < ($1.time, $1.instant) } }
        var linesByCommand: [String: [Int]] = [:]
        for (key, t) in timelineOf.sorted(by: { $0.value < $1.value }) { linesByCommand[key.command, default: []].append(t) }

        // Runs that start in the window, in time order, assigned to slots.
        // (Fields read through a buffer pointer: a subscript of the array would copy each whole run.)
        let windowRuns: [Int] = runs.withUnsafeBufferPointer { rb in
            let inWindow = rb.indices.filter { start <= rb[$0].startedAt && rb[$0].startedAt < end }
            var inOrder = true
            for (a, b) in zip(inWindow, inWindow.dropFirst()) where rb[b].startedAt < rb[a].startedAt {
                inOrder = false
                break
            }
            return inOrder ? inWindow : inWindow.sorted { rb[$0].startedAt < rb[$1].startedAt }
        }
        try runs.withUnsafeBufferPointer { rb in
            for (i, r) in windowRuns.enumerated() {
                if i & 4095 == 4095, Interruption.isRequested() { throw CronError(Interruption.message) }
                // Candidate timelines: same command; the user must agree when both sides know it.
                var assigned = false
                var matchedJob: Int?
                let started = rb[r].startedAt.epochSeconds
                for line in linesByCommand[rb[r].command] ?? [] {
                    if let u = timelineUser[line], let ru = rb[r].user, u != ru { continue }
                    // In place: a copy of the timeline held while assigning would make the array copy itself.
                    let outcome = timelines[line].withUnsafeMutableBufferPointer { slots -> (job: Int?, assigned: Bool) in
                        // The latest slot at or before the run's start.
                        var lo = 0, hi = slots.count
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            if slots[mid].time <= started { lo = mid + 1 } else { hi = mid }
                        }
                        guard lo > 0 else { return (nil, false) }
                        // A wall time the clocks showed twice has a slot per pass: the first one free, in time
                        // order, of those within the history (the run is in it).
                        var first = lo - 1
                        while first > 0, slots[first - 1].time == slots[first].time { first -= 1 }
                        var at = lo - 1
                        if first < lo - 1 {
                            let free = (first..<lo).filter { slots[$0].run < 0 }
                            at = free.first { k in
                                coverage.map { $0.first - tolerance <= slots[k].instant && slots[k].instant <= $0.last }
                                    ?? true
                            } ?? free.first ?? lo - 1
                        }
                        guard slots[at].run < 0 else { return (Int(slots[at].job), false) }
                        slots[at].run = Int32(truncatingIfNeeded: r)
                        return (Int(slots[at].job), true)
                    }
                    if let j = outcome.job {
                        matchedJob = j
                        if outcome.assigned {
                            assigned = true
                            break
                        }
                    } else if matchedJob == nil {
                        matchedJob = firstJob[line]
                    }
                }
                if !assigned {
                    let k = matchedJob
                    let job = k.map { jobs[$0] }
                    var row = RunRow(scheduledAt: nil, startedAt: rb[r].startedAt, endedAt: rb[r].endedAt, status: "unscheduled",
                                     exitStatus: exitStatus(rb[r], history), user: rb[r].user ?? job?.user,
                                     command: job?.command ?? rb[r].command, logPath: job?.logPath,
                                     schedule: job?.schedule.text, path: job?.path, line: job?.line)
                    row.job = k
                    judge(&row, rb[r], history, late: nil)
                    row.endBound = rb[r].endedAt ?? rb[r].endBound ?? end
                    rows.append(consume row)
                }
            }
        }

        let window = span.map { "the history covers \(isoText($0.first)) to \(isoText($0.last))" }
            ?? "the history has no lines"
        let missedText = "no CMD line for it; \(window)", unknownText = "outside the history: \(window)"
        // Whether the history covers a fire time: in instants for zoned entries (across a fall-back the wall
        // clock goes back), else in wall-clock time.
        func covered(_ wall: Int64, _ instant: Int64, naive: Bool, scheduled: CivilDateTime) -> Bool {
            if !naive, let coverage { return coverage.first <= instant && instant + tolerance <= coverage.last }
            guard let span else { return false }
            return span.first <= scheduled && CivilDateTime(epochSeconds: wall + tolerance) <= span.last
        }
        // Rows come out sorted by time, then entry (path, line; rows without one first), then command. The order is
        // found on small keys first and each fire time's row made in its place: rows are large, and sorting made
        // rows and then copying them into order was a tenth of cron_runs' time.
        let byEntry = jobs.indices.sorted { (jobs[$0].path, jobs[$0].line) < (jobs[$1].path, jobs[$1].line) }
        var rank = [Int](repeating: 0, count: jobs.count)
        for (n, k) in byEntry.enumerated() { rank[k] = n }
        // Each row's source: an unscheduled row (index into `rows`), or a slot (timeline, index), in the order rows
        // were made before (unscheduled first, then timeline by timeline), so equal keys keep that order.
        struct Source { var time: Int64; var rank: Int; var line: Int32; var slot: Int32 }  // line -1: rows[slot]
        var sources: [Source] = []
        sources.reserveCapacity(rows.count + total + jobs.count)
        for (u, r) in rows.enumerated() {
            let t = r.scheduledAt ?? r.startedAt
            sources.append(Source(time: (t?.epochSeconds ?? 0) &* 1_000_000_000 &+ Int64(t?.nanosecond ?? 0),
                                  rank: r.job.map { rank[$0] } ?? -1, line: -1, slot: Int32(truncatingIfNeeded: u)))
        }
        for (t, slots) in timelines.enumerated() {
            for (s, slot) in slots.enumerated() where slot.emitted || slot.run >= 0 {
                sources.append(Source(time: slot.time &* 1_000_000_000, rank: rank[Int(slot.job)],
                                      line: Int32(truncatingIfNeeded: t), slot: Int32(truncatingIfNeeded: s)))
            }
        }
        let order: [Int] = rows.withUnsafeBufferPointer { ub in jobs.withUnsafeBufferPointer { jb in
            sources.withUnsafeBufferPointer { sb in
                func command(_ x: Source) -> String {
                    x.line < 0 ? ub[Int(x.slot)].command : jb[Int(timelines[Int(x.line)][Int(x.slot)].job)].command
                }
                return sb.indices.sorted { a, b in
                    if sb[a].time != sb[b].time { return sb[a].time < sb[b].time }
                    if sb[a].rank != sb[b].rank { return sb[a].rank < sb[b].rank }
                    return command(sb[a]) < command(sb[b])
                }
            }
        } }
        var out: [RunRow] = []
        out.reserveCapacity(sources.count)
        runs.withUnsafeBufferPointer { rb in jobs.withUnsafeBufferPointer { jb in rows.withUnsafeBufferPointer { ub in
            for o in order {
                let source = sources[o]
                guard source.line >= 0 else {
                    out.append(ub[Int(source.slot)])
                    continue
                }
                timelines[Int(source.line)].withUnsafeBufferPointer { slots in
                    let s = Int(source.slot)
                    let slot = slots[s]
                    let k = Int(slot.job)
                    let scheduled = CivilDateTime(epochSeconds: slot.time)
                    // Made in its place in `out`, then finished there (made first and appended, each row was copied
                    // and destroyed: its strings retained and released).
                    out.append(RunRow(scheduledAt: scheduled, startedAt: nil, endedAt: nil, status: "missed", exitStatus: nil,
                                      user: jb[k].user, command: jb[k].command, logPath: jb[k].logPath,
                                      schedule: jb[k].schedule.text, path: jb[k].path, line: jb[k].line))
                    func finish(_ row: inout RunRow) {
                        row.job = k
                        // The entry's next fire time: the next slot of this job on the timeline, else the first
                        // after `end`.
                        var next: Int64? = nil
                        for later in slots[(s + 1)...] where later.job == slot.job { next = later.time; break }
                        if next == nil { next = nextFire[k] }
                        row.nextScheduledAt = next.map { CivilDateTime(epochSeconds: $0) }
                        if slot.run >= 0 {
                            let x = Int(slot.run)
                            row.startedAt = rb[x].startedAt
                            row.endedAt = rb[x].endedAt
                            row.exitStatus = exitStatus(rb[x], history)
                            row.user = rb[x].user ?? jb[k].user
                            let delay = rb[x].startedAt.epochSeconds - slot.time
                            judge(&row, rb[x], history, late: delay > tolerance ? delay : nil)
                            row.endBound = rb[x].endedAt ?? rb[x].endBound ?? row.nextScheduledAt.map { min($0, end) } ?? end
                        } else if covered(slot.time, slot.instant, naive: isNaive(jb[k]), scheduled: scheduled) {
                            row.evidence = missedText
                        } else {
                            row.status = "unknown"
                            row.evidence = unknownText
                        }
                    }
                    finish(&out[out.count - 1])
                }
            }
        } } }
        return out
    }

    /// Outcome, status and evidence of a row with a run. `late` is the delay when the run started late.
    func judge(_ row: inout RunRow, _ run: borrowing CronRun, _ history: CronHistory, late: Int64?) {
        let outcome: String
        var evidence: String
        let exit = exitStatus(run, history)
        if run.failed {
            outcome = "failed"
            let status = run.exitStatus.map { "exit status \($0)" }
            evidence = [status, run.evidence].compactMap { $0 }.joined(separator: "; ")
        } else if exit == 0 {
            outcome = "ok"
            evidence = "exit status 0 (the history logs failed exits; none for this run)"
        } else if run.endedAt != nil {
            outcome = "ended"
            evidence = "its end was logged without an exit status"
        } else if let why = run.endUnknown {
            outcome = run.endBound != nil ? "ended" : "started"
            evidence = "its end is unknown: " + why
        } else if history.endsLogged {
            outcome = "running"
            evidence = "no end logged, although the history logs ends"
        } else {
            outcome = "started"
            evidence = "only its start is logged: the history logs no ends"
        }
        if let note = run.killNote { evidence += "; " + note }
        if let late { evidence = "started \(late) s after its fire time; " + evidence }
        row.lateBy = late
        row.parts = run.parts
        row.outcome = outcome
        row.evidence = evidence
        if row.scheduledAt == nil { return }  // unscheduled
        if outcome == "failed" || outcome == "running" {
            row.status = outcome
        } else if late != nil {
            row.status = "late"
        } else {
            row.status = outcome
        }
    }

    /// What the job's own log showed (from the binding): a failure turns an outcome that rests on no exit
    /// status (ended, started, running) into `failed`; beside a logged exit status it is added to the evidence.
    public static func apply(logFinding: String, to row: inout RunRow) {
        guard let outcome = row.outcome else { return }
        switch outcome {
        case "ended", "started", "running":
            row.outcome = "failed"
            if row.scheduledAt != nil { row.status = "failed" }
            row.evidence = (row.lateBy.map { "started \($0) s after its fire time; " } ?? "") + logFinding
        default:
            row.evidence = (row.evidence.map { $0 + "; " } ?? "") + logFinding
        }
    }

    /// The error line's status; 0 for a run that ended when failures are logged at all; else unknown.
    func exitStatus(_ run: borrowing CronRun, _ history: CronHistory) -> Int? {
        if let s = run.exitStatus { return s }
        if history.failuresLogged, run.endedAt != nil, !run.failed { return 0 }
        return nil
    }
}

/// Whether an entry's fire times are naive wall-clock times (no zone).
@inline(__always) func isNaive(_ job: ScheduledJob) -> Bool {
    if case .naive = job.clock { return true }
    return false
}

/// `YYYY-MM-DD HH:MM:SS`, with milliseconds when the time has a fraction.
public func isoText(_ t: CivilDateTime) -> String {
    if t.nanosecond == 0 {
        return formatISO(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second)
    }
    return t.isoMillis
}
