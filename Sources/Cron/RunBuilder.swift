// Turns cron's log events into runs: one run per CMD line, closed by the lines that describe its end.
//
// Which process logs what (Debian cron's do_command.c, cronie's do_command.c):
//   - the job's shell J logs `CMD (command)` (Debian at the default level, cronie);
//   - with Debian's -L 8 the middle process P logs `CMD ([J] command)` instead;
//   - P logs `END` (Debian -L 2) or `CMDEND` (cronie), `error (grandchild #J failed with exit status N)`
//     (Debian -L 4), and opens/closes the PAM session around the job.
// So a run is found again by J (the CMD pid, or the `[J]` / `#J` in the text), by P once P is known
// (from `[J]`, or from the PAM session P opened just before a CMD of the same user), and as a last resort
// by the oldest open run of the same host, user and command (cronie's CMDEND comes from P, which the CMD
// line never names).
import StrataCommon

public struct CronRun: Sendable, Equatable {
    public var host: String?
    public var user: String?
    public var command: String
    public var startedAt: CivilDateTime
    public var endedAt: CivilDateTime?
    public var exitStatus: Int?
    public var jobPid: Int?
    public var cronPid: Int?
    /// An `error` line reported a non-zero exit or a signal.
    public var failed: Bool
}

struct PidKey: Hashable {
    var host: String?
    var pid: Int
}

struct CommandKey: Hashable {
    var host: String?
    var user: String?
    var command: String
}

public struct RunBuilder {
    public private(set) var runs: [CronRun] = []
    /// Some line recorded the end of a job (END, CMDEND or a closed cron PAM session).
    public private(set) var endsLogged = false
    /// Some line recorded a job's failure (Debian -L 4): jobs that ended without one exited 0.
    public private(set) var failuresLogged = false

    private var byJobPid: [PidKey: Int] = [:]
    private var byCronPid: [PidKey: Int] = [:]
    private var openByCommand: [CommandKey: [Int]] = [:]
    private struct Session { var user: String?; var openedAt: Int64; var pid: Int; var run: Int? }
    private var sessions: [PidKey: Session] = [:]

    /// Seconds between a PAM session opening and the CMD line of the job it belongs to.
    static let sessionWindow: Int64 = 60
    /// A pid whose run ended longer ago than this has been reused by another process.
    static let staleAfter: Int64 = 3600

    public init() {}

    /// Feeds events in time order.
    public mutating func add(_ e: CronLogEvent) {
        switch e.event {
        case "CMD": start(e)
        case "END", "CMDEND": end(e)
        case "ERROR": error(e)
        case "SESSION_OPEN":
            guard let pid = e.pid else { return }
            sessions[PidKey(host: e.host, pid: pid)] = Session(user: e.user, openedAt: e.ts.epochSeconds, pid: pid, run: nil)
        case "SESSION_CLOSE":
            guard let pid = e.pid else { return }
            endsLogged = true
            let key = PidKey(host: e.host, pid: pid)
            if let s = sessions[key], let r = s.run { close(r, at: e.ts) }
            sessions[key] = nil
        default: break
        }
    }

    private mutating func start(_ e: CronLogEvent) {
        guard let command = e.command.map(trimmedCommand) else { return }
        var run = CronRun(host: e.host, user: e.user, command: command, startedAt: e.ts, endedAt: nil, exitStatus: nil,
                          jobPid: nil, cronPid: nil, failed: false)
        let index = runs.count
        if let j = e.jobPid {
            run.jobPid = j
            run.cronPid = e.pid
            if let p = e.pid, sessions[PidKey(host: e.host, pid: p)] != nil {
                sessions[PidKey(host: e.host, pid: p)]?.run = index
            }
        } else {
            run.jobPid = e.pid
            // The PAM session opened by this job's parent: same host and user, unclaimed, opened shortly
            // before; the parent's pid is the nearest below the job's (forked just before it).
            let t = e.ts.epochSeconds
            var best: (key: PidKey, pid: Int, openedAt: Int64)?
            for (key, s) in sessions where s.run == nil && key.host == e.host && s.user == e.user
                && s.openedAt <= t && t - s.openedAt <= Self.sessionWindow {
                let below = e.pid.map { s.pid < $0 } ?? true
                if let b = best {
                    let bBelow = e.pid.map { b.pid < $0 } ?? true
                    if (below && !bBelow) || (below == bBelow && (s.pid > b.pid)) { best = (key, s.pid, s.openedAt) }
                } else {
                    best = (key, s.pid, s.openedAt)
                }
            }
            if let b = best {
                sessions[b.key]?.run = index
                run.cronPid = b.pid
            }
        }
        runs.append(run)
        if let j = run.jobPid { byJobPid[PidKey(host: e.host, pid: j)] = index }
        if let p = run.cronPid { byCronPid[PidKey(host: e.host, pid: p)] = index }
        openByCommand[CommandKey(host: e.host, user: e.user, command: command), default: []].append(index)
    }

    private mutating func end(_ e: CronLogEvent) {
        endsLogged = true
        let command = e.command.map(trimmedCommand)
        var index: Int?
        if let j = e.jobPid { index = byJobPid[PidKey(host: e.host, pid: j)] }
        if index == nil, let p = e.pid { index = byCronPid[PidKey(host: e.host, pid: p)] }
        // A run found by pid is this job's when the command agrees (a reused pid of another job does not).
        if let i = index, command == nil || runs[i].command == command {
            guard let ended = runs[i].endedAt else {
                if runs[i].cronPid == nil, let p = e.pid { runs[i].cronPid = p }
                close(i, at: e.ts)
                return
            }
            // Already closed by its error line moments ago; a run closed long ago means a reused pid.
            if e.ts.epochSeconds - ended.epochSeconds <= Self.staleAfter { return }
        }
        index = nil
        if let c = command {
            let key = CommandKey(host: e.host, user: e.user, command: c)
            index = openByCommand[key]?.first { runs[$0].endedAt == nil && runs[$0].startedAt <= e.ts }
        }
        guard let i = index else { return }
        if runs[i].cronPid == nil, let p = e.pid { runs[i].cronPid = p }
        close(i, at: e.ts)
    }

    private mutating func error(_ e: CronLogEvent) {
        guard let j = e.jobPid else { return }
        failuresLogged = true
        var index = byJobPid[PidKey(host: e.host, pid: j)]
        if index == nil, let p = e.pid { index = byCronPid[PidKey(host: e.host, pid: p)] }
        guard let i = index else { return }
        if let ended = runs[i].endedAt, e.ts.epochSeconds - ended.epochSeconds > Self.staleAfter { return }
        runs[i].exitStatus = e.exitStatus
        runs[i].failed = (e.exitStatus ?? 1) != 0
        // The middle process logs this after the job exited.
        close(i, at: e.ts)
    }

    private mutating func close(_ i: Int, at t: CivilDateTime) {
        guard i >= 0, i < runs.count else { return }
        if runs[i].endedAt == nil { runs[i].endedAt = t }
        let r = runs[i]
        let key = CommandKey(host: r.host, user: r.user, command: r.command)
        if var open = openByCommand[key], let k = open.firstIndex(of: i) {
            open.remove(at: k)
            openByCommand[key] = open.isEmpty ? nil : open
        }
    }
}

/// A command compared without surrounding blanks (logs and crontabs differ in trailing spaces).
public func trimmedCommand(_ s: String) -> String { s.trimmingBlanks() }
