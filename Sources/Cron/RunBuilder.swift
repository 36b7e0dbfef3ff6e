// Turns cron's log events into runs: one run per CMD line, tied to the lines that tell how it ended, by the pid
// relations the daemons really log (checked against Debian's cron 3.0pl1 at -L 1 and -L 15 and cronie 1.7.2,
// Tests/fixtures/cron/<daemon>/):
//
//   - the job's shell J logs `CMD (command)` (Debian at its default level, cronie);
//   - with Debian's -L 8 cron's process P for the job logs `CMD ([J] command)` instead: P and J both known;
//   - P opens and closes the PAM session around the job, and logs `END` (Debian -L 2, with `[J]` at -L 8),
//     `CMDEND` (cronie) and `error (grandchild #J failed with exit status N)` (Debian -L 4).
//
// The daemons fork every job's P first and each P forks its J later, so in a burst (several jobs of one user in
// the same second) J's pids come in another order than their P's: "the session opened just before, pid nearest
// below" pairs them wrongly. Nothing in a CMD line names P, so a run is tied to a P only when the lines allow one
// answer: P < J (J is P's child), P's session was open when the CMD was logged, P's END/CMDEND (when logged) names
// the same command, and no other run needs that P. Those constraints are propagated (a run with one candidate
// claims it, which may leave another with one); what stays ambiguous gets no P — unless all its candidates ended
// within one second, so its end is known to that second whichever it was. Such a run's end is unknown, not
// guessed (`endUnknown` says why); Debian's -L 8 logs the pids that settle it.
import StrataCommon

public struct CronRun: Sendable, Equatable {
    // A run per CMD line of the history is kept, copied and grown in arrays: the struct is kept small (integers
    // with a sentinel for "none" rather than optionals, the rarely set notes in one shared box) — at 216 bytes,
    // growing the array (fresh pages, copies) was a tenth of cron_runs' time.
    public var host: String?
    public var user: String?
    public var command: String
    // Times packed (growing the array of CivilDateTimes was a tenth of cron_runs' time). A time outside
    // PackedTime's range (none a reader makes) would read back as nil.
    @usableFromInline var started: PackedTime
    @usableFromInline var ended: PackedTime?
    @usableFromInline var bound: PackedTime?
    @inlinable public var startedAt: CivilDateTime {
        get { started.civil }
        set { if let t = PackedTime(newValue) { started = t } }
    }
    @inlinable public var endedAt: CivilDateTime? {
        get { ended?.civil }
        set { ended = newValue.flatMap(PackedTime.init) }
    }
    /// The start and end as packed, for comparisons in bulk.
    @inlinable public var startedPacked: PackedTime { started }
    @inlinable public var endedPacked: PackedTime? { ended }
    private static let none = Int.min
    private var exit = CronRun.none, job = CronRun.none, cron = CronRun.none
    public var exitStatus: Int? {
        get { exit == Self.none ? nil : exit }
        set { exit = newValue ?? Self.none }
    }
    public var jobPid: Int? {
        get { job == Self.none ? nil : job }
        set { job = newValue ?? Self.none }
    }
    public var cronPid: Int? {
        get { cron == Self.none ? nil : cron }
        set { cron = newValue ?? Self.none }
    }
    /// `host` numbered by the builder.
    private var host32: Int32 = 0
    var hostID: Int {
        get { Int(host32) }
        set { host32 = Int32(truncatingIfNeeded: newValue) }
    }
    /// An `error` line reported a non-zero exit or a signal, or a kernel line killed the job's process.
    public var failed: Bool
    private var notes: RunNotes?
    /// What showed the failure when no exit status did (a kernel line: the OOM killer, a segfault).
    public var evidence: String? {
        get { notes?.value.evidence }
        set { editNotes { $0.evidence = newValue } }
    }
    /// Why the end of a run that did end is not known (its PAM session cannot be told from others).
    public var endUnknown: String? {
        get { notes?.value.endUnknown }
        set { editNotes { $0.endUnknown = newValue } }
    }
    /// The latest time this run can have ended when its end is unknown (the last of its candidate sessions).
    @inlinable public var endBound: CivilDateTime? {
        get { bound?.civil }
        set { bound = newValue.flatMap(PackedTime.init) }
    }
    /// A kernel line killed a process while this run and others were going, and nothing tells whose it was.
    public var killNote: String? {
        get { notes?.value.killNote }
        set { editNotes { $0.killNote = newValue } }
    }
    /// For a run of `run-parts FOLDER`: the scripts run-parts logged starting during the run (cronie's), in order.
    public var parts: [String]? {
        get { notes?.value.parts }
        set { editNotes { $0.parts = newValue } }
    }

    /// Changes the notes, copying the box when another run shares it (runs are values).
    private mutating func editNotes(_ change: (inout RunNotes.Value) -> Void) {
        var v = notes?.value ?? RunNotes.Value()
        change(&v)
        notes = v.isEmpty ? nil : RunNotes(v)
    }

    /// `startedAt` must be in PackedTime's range (RunBuilder takes no event outside it).
    init(host: String?, hostID: Int, user: String?, command: String, startedAt: PackedTime, jobPid: Int?, cronPid: Int?) {
        self.host = host; self.user = user; self.command = command; started = startedAt
        failed = false
        self.hostID = hostID; self.jobPid = jobPid; self.cronPid = cronPid
    }
}

/// A run's rarely set texts, boxed (immutable: a change makes a new box).
final class RunNotes: Sendable, Equatable {
    struct Value: Equatable {
        var evidence: String?, endUnknown: String?, killNote: String?, parts: [String]?
        var isEmpty: Bool { evidence == nil && endUnknown == nil && killNote == nil && parts == nil }
    }
    let value: Value
    init(_ value: Value) { self.value = value }
    static func == (a: RunNotes, b: RunNotes) -> Bool { a === b || a.value == b.value }
}

/// One run of an anacron job (Debian's arrangement: anacron, not the crontab line, runs cron.daily/weekly/monthly).
public struct AnacronRun: Sendable, Equatable {
    public var job: String
    public var host: String?
    public var startedAt: CivilDateTime
    public var endedAt: CivilDateTime? = nil
    public var exitStatus: Int? = nil
}

/// A pid on a host (hosts numbered by RunBuilder: hashing two integers, not a host name, per lookup).
struct PidKey: Hashable {
    var host: Int
    var pid: Int
}

struct CommandKey: Hashable {
    var host: String?
    var user: String?
    var command: String
}

/// A map from pid keys to indices: open addressing on one multiplicative hash of the two integers, because
/// Dictionary's seeded SipHash per lookup was a twentieth of cron_runs' time (a week of a machine: ~120,000
/// inserts, lookups and removals). Removal leaves a tombstone; the table doubles at half full.
struct PidMap {
    private var keys: [Int64] = []     // host << 32 | pid; empty = -1, tombstone = -2
    private var values: [Int] = []
    private var used = 0               // live entries and tombstones
    private static let empty: Int64 = -1, tombstone: Int64 = -2

    init() {}

    /// Sized for `capacity` keys without growing.
    init(capacity: Int) {
        var size = 64
        while size < capacity * 2 + 2 { size *= 2 }
        keys = Array(repeating: Self.empty, count: size)
        values = Array(repeating: 0, count: size)
    }

    @inline(__always) private static func pack(_ k: PidKey) -> Int64 {
        Int64(truncatingIfNeeded: k.host) << 32 | Int64(UInt32(truncatingIfNeeded: k.pid))
    }

    @inline(__always) private func slot(_ key: Int64) -> (found: Int?, free: Int) {
        let mask = keys.count - 1
        // Sixteen consecutive pids share a run of slots and the runs are scattered: pids are handed out in
        // increasing order, so the sessions open at any time sit in a few cache lines (a hash that scattered
        // every pid made each lookup a cache miss once the map outgrew the cache: a twentieth of cron_runs).
        let u = UInt64(bitPattern: key)
        var i = Int(truncatingIfNeeded: ((((u >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 24) << 4) | (u & 15)) & mask
        var free = -1
        while true {
            let k = keys[i]
            if k == key { return (i, free) }
            if k == Self.empty { return (nil, free >= 0 ? free : i) }
            if k == Self.tombstone, free < 0 { free = i }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        // Mostly tombstones (sessions open a short while, then removed): rehash at the same size, not twice it.
        var live = 0
        for k in oldKeys where k >= 0 { live += 1 }
        let size = live * 4 <= oldKeys.count ? oldKeys.count : oldKeys.count * 2
        keys = Array(repeating: Self.empty, count: max(64, size))
        values = Array(repeating: 0, count: keys.count)
        used = 0
        for (k, v) in zip(oldKeys, oldValues) where k >= 0 {
            let f = slot(k).free
            keys[f] = k; values[f] = v; used += 1
        }
    }

    subscript(key: PidKey) -> Int? {
        get {
            guard !keys.isEmpty else { return nil }
            guard let i = slot(Self.pack(key)).found else { return nil }
            return values[i]
        }
        set {
            if let newValue { _ = updateValue(newValue, forKey: key); return }
            guard !keys.isEmpty, let i = slot(Self.pack(key)).found else { return }
            keys[i] = Self.tombstone
        }
    }

    /// Sets the value and returns the one it replaced.
    mutating func updateValue(_ value: Int, forKey key: PidKey) -> Int? {
        if (used + 1) * 2 > keys.count { grow() }
        let k = Self.pack(key)
        let (found, free) = slot(k)
        if let i = found {
            let old = values[i]
            values[i] = value
            return old
        }
        if keys[free] == Self.empty { used += 1 }
        keys[free] = k; values[free] = value
        return nil
    }
}

/// Indices by pid key without an array per key: the latest index per key, and each index's previous one.
struct PidIndex {
    private var latest = PidMap()
    private var previous: [Int32] = []   // by index: the previous index with the same key, or -1
    init() {}
    /// For indices below `count`, sized so that adding them does not grow anything.
    init(count: Int) {
        latest = PidMap(capacity: count)
        previous = Array(repeating: -1, count: count)
    }
    mutating func add(_ i: Int, _ key: PidKey) {
        if previous.count <= i { previous.append(contentsOf: repeatElement(-1, count: i + 1 - previous.count)) }
        if let p = latest.updateValue(i, forKey: key) { previous[i] = Int32(truncatingIfNeeded: p) }
    }
    /// The indices with this key, latest first.
    func all(_ key: PidKey) -> [Int] {
        var out: [Int] = []
        var i = latest[key] ?? -1
        while i >= 0 { out.append(i); i = i < previous.count ? Int(previous[i]) : -1 }
        return out
    }
}

/// Lists of integers per index in one flat array, each index's list set once (candidates: most indices have
/// none or a few). A list per index was an allocation per run and per session, a third of the pairing's time.
struct FlatLists {
    private var start: [Int]
    private var count: [Int]
    private var items: [Int] = []
    init(count n: Int) {
        start = Array(repeating: 0, count: n)
        count = Array(repeating: 0, count: n)
    }
    /// Sets the list of `i` (once; a later call replaces which items `of(i)` gives).
    mutating func set(_ i: Int, _ list: [Int]) {
        start[i] = items.count
        count[i] = list.count
        items.append(contentsOf: list)
    }
    func of(_ i: Int) -> ArraySlice<Int> {
        guard i >= 0, i < start.count else { return items[0..<0] }
        return items[start[i] ..< start[i] + count[i]]
    }
    /// The lists of the reverse relation: for each item v of each list of i (in increasing i), i is added to v's.
    /// `keys` are the items in the order they first appear.
    func reversed(count n: Int, order: [Int]) -> (lists: FlatLists, keys: [Int]) {
        var out = FlatLists(count: n)
        var keys: [Int] = []
        for i in order { for v in of(i) { if out.count[v] == 0 { keys.append(v) }; out.count[v] += 1 } }
        var next = 0
        for v in 0..<n { out.start[v] = next; next += out.count[v] }
        out.items = Array(repeating: 0, count: next)
        var filled = [Int](repeating: 0, count: n)
        for i in order {
            for v in of(i) {
                out.items[out.start[v] + filled[v]] = i
                filled[v] += 1
            }
        }
        return (out, keys)
    }
}

/// The runs of a history, paired.
public struct CronHistory: Sendable {
    public var runs: [CronRun]
    /// Some line recorded the end of a job (END, CMDEND or a closed cron PAM session).
    public var endsLogged: Bool
    /// Some line recorded a job's failure (Debian -L 4): jobs that ended without one exited 0.
    public var failuresLogged: Bool
    /// Some line was cronie's CMDEND (Debian's cron never logs one): the daemon is cronie, which applies CRON_TZ.
    public var cronieLogged: Bool = false
    /// anacron's runs of its jobs (`cron.daily`, ...): started, and ended with an exit status when logged.
    public var anacronRuns: [AnacronRun] = []

    public init(runs: [CronRun], endsLogged: Bool, failuresLogged: Bool, cronieLogged: Bool = false) {
        self.runs = runs; self.endsLogged = endsLogged; self.failuresLogged = failuresLogged
        self.cronieLogged = cronieLogged
    }
}

public struct RunBuilder {
    private var runs: [CronRun] = []
    private var endsLogged = false
    private var failuresLogged = false
    private var cronieLogged = false

    /// A process P of cron for one job: its PAM session and the END/CMDEND/error lines it logged. (Times packed: one
    /// is kept per session of the history, and three CivilDateTimes made the array's growth a tenth of cron_runs.)
    private struct Parent {
        var hostID: Int
        var pid: Int
        var user: String?
        private var opened: PackedTime?, closed: PackedTime?, ended: PackedTime?
        var endCommand: String?
        var endJobPid: Int?
        var run: Int?
        init(hostID: Int, pid: Int, user: String?, openedAt: PackedTime? = nil, endedAt: PackedTime? = nil,
             endCommand: String? = nil, endJobPid: Int? = nil) {
            self.hostID = hostID; self.pid = pid; self.user = user; opened = openedAt; ended = endedAt
            self.endCommand = endCommand; self.endJobPid = endJobPid
        }
        var openedAt: CivilDateTime? { opened?.civil }
        var closedAt: CivilDateTime? { closed?.civil }
        var endedAt: CivilDateTime? { ended?.civil }
        var isOpened: Bool { opened != nil }
        var isClosed: Bool { closed != nil }
        var isEnded: Bool { ended != nil }
        mutating func close(_ t: PackedTime) { closed = t }
        mutating func end(_ t: PackedTime) { ended = t }
    }
    private var parents: [Parent] = []
    /// The latest session a pid opened: the parent record its next lines belong to while it is open; once closed,
    /// its END/CMDEND may still come after the close within the same second when the two lines are in different
    /// files (syslog and auth.log) with whole-second stamps. (One map, not one for open and one for closed
    /// sessions: removing every session from a map of open ones was most of its cost.)
    private var lastParent = PidMap(capacity: 4096)
    private struct ErrorLine { var host: Int; var pid: Int?; var jobPid: Int; var exit: Int?; var ts: CivilDateTime }
    private var errors: [ErrorLine] = []
    private var kills: [(event: CronLogEvent, host: Int)] = []
    private var partLines: [(folder: String, name: String, ts: CivilDateTime, host: Int)] = []
    private var anacronRuns: [AnacronRun] = []
    private var uids: [String: Int] = [:]
    private var lastUIDUser: String?
    private var hostIDs: [String: Int] = [:]
    private var hostNames: [String] = []   // by number - 1
    private var lastHost: String?
    private var lastHostID = -1

    /// The number of a host name (nil is 0).
    private mutating func hostID(_ h: String?) -> Int {
        guard let h else { return 0 }
        if lastHostID >= 0, h == lastHost { return lastHostID }
        let id: Int
        if let known = hostIDs[h] {
            id = known
        } else {
            id = hostIDs.count + 1
            hostIDs[h] = id
            hostNames.append(h)
        }
        lastHost = h
        lastHostID = id
        return id
    }

    /// The host name of a number (0 is nil).
    private func hostName(_ id: Int) -> String? { id > 0 && id <= hostNames.count ? hostNames[id - 1] : nil }

    /// Seconds between a PAM session opening and the CMD line of the job it belongs to.
    static let sessionWindow: Int64 = 60
    /// A pid whose run ended longer ago than this has been reused by another process.
    static let staleAfter: Int64 = 3600
    /// A killed process is looked for among the runs that started this long before the kernel's line.
    static let killWindow: Int64 = 86_400

    public init() {}

    /// Room for about `runs` runs and as many sessions, so that the arrays do not grow (each doubling copied
    /// every run into fresh pages: a tenth of cron_runs' time). Capped: an estimate, not a limit.
    public mutating func reserve(runs n: Int) {
        let n = min(max(n, 0), 1 << 18)
        runs.reserveCapacity(n)
        parents.reserveCapacity(n)
    }

    /// Feeds events in time order. An event whose time PackedTime cannot hold (none a reader makes: they keep valid
    /// dates) is not used.
    public mutating func add(_ e: CronLogEvent) {
        guard let ts = PackedTime(e.ts) else { return }
        switch e.event {
        case "CMD": start(e, ts)
        case "END": end(e, ts)
        case "CMDEND":
            cronieLogged = true
            end(e, ts)
        case "ERROR":
            guard let j = e.jobPid else { return }
            failuresLogged = true
            errors.append(ErrorLine(host: hostID(e.host), pid: e.pid, jobPid: j, exit: e.exitStatus, ts: e.ts))
        case "SESSION_OPEN":
            guard let pid = e.pid else { return }
            // "session opened for user alice(uid=1001) by (uid=0)": the uid of a user, for the OOM lines' UID.
            // (The last user seen is not looked up again: sessions of one user follow each other.)
            if let u = e.user, u != lastUIDUser, uids[u] == nil, let r = e.message.firstRange(of: "(uid=") {
                uids[u] = Int(e.message[r.upperBound...].prefix { $0.isNumber })
                if uids[u] != nil { lastUIDUser = u }
            } else if let u = e.user, u != lastUIDUser, uids[u] != nil {
                lastUIDUser = u
            }
            let h = hostID(e.host)
            let key = PidKey(host: h, pid: pid)
            lastParent[key] = parents.count
            parents.append(Parent(hostID: h, pid: pid, user: e.user, openedAt: ts))
        case "SESSION_CLOSE":
            guard let pid = e.pid else { return }
            endsLogged = true
            let key = PidKey(host: hostID(e.host), pid: pid)
            if let p = lastParent[key], !parents[p].isClosed, parents[p].isOpened {
                parents[p].close(ts)
            }
        case "OOM_KILL", "SEGFAULT", "TRAP": kills.append((e, hostID(e.host)))
        case "PART_START":
            if let folder = e.user, let name = e.command { partLines.append((folder, name, e.ts, hostID(e.host))) }
        case "ANACRON_START":
            if let job = e.command { anacronRuns.append(AnacronRun(job: job, host: e.host, startedAt: e.ts)) }
        case "ANACRON_END":
            // The latest open run of the same job and host.
            if let job = e.command,
               let k = anacronRuns.lastIndex(where: { $0.job == job && $0.host == e.host && $0.endedAt == nil }) {
                anacronRuns[k].endedAt = e.ts
                anacronRuns[k].exitStatus = e.exitStatus
            }
        default: break
        }
    }

    private mutating func start(_ e: CronLogEvent, _ ts: PackedTime) {
        guard let command = e.command.map(trimmedCommand) else { return }
        // Made in the array's new place (a run made first, then appended, was copied and destroyed twice).
        // Debian -L 8: P logs the CMD line and names J.
        let named = e.jobPid != nil
        runs.append(CronRun(host: e.host, hostID: hostID(e.host), user: e.user, command: command, startedAt: ts,
                            jobPid: named ? e.jobPid : e.pid, cronPid: named ? e.pid : nil))
    }

    private mutating func end(_ e: CronLogEvent, _ ts: PackedTime) {
        endsLogged = true
        guard let pid = e.pid else { return }
        let h = hostID(e.host)
        let key = PidKey(host: h, pid: pid)
        let command = e.command.map(trimmedCommand)
        var open: Int? = nil
        if let p = lastParent[key] {
            if let closed = parents[p].closedAt {
                // Closed in the same whole second: this END is that session's.
                if closed.epochSeconds == e.ts.epochSeconds, closed.nanosecond == 0 { open = p }
            } else {
                open = p
            }
        }
        if let p = open, !parents[p].isEnded,
           let opened = parents[p].openedAt, e.ts.epochSeconds - opened.epochSeconds <= Self.staleAfter * 24 {
            parents[p].end(ts)
            parents[p].endCommand = command
            parents[p].endJobPid = e.jobPid
            if parents[p].user == nil { parents[p].user = e.user }
            return
        }
        // No session for this P (no PAM lines in the history): a parent known only by its end.
        parents.append(Parent(hostID: h, pid: pid, user: e.user, endedAt: ts, endCommand: command, endJobPid: e.jobPid))
    }

    /// The runs, each tied to its parent's lines where the log allows one answer (the builder is left empty).
    public mutating func build() -> CronHistory {
        var runs: [CronRun] = []
        var parents: [Parent] = []
        swap(&runs, &self.runs)
        swap(&parents, &self.parents)
        // Runs by job pid: the latest index, and for each run the previous one with the same pid.
        var byJobPid = PidIndex(count: runs.count)
        for i in runs.indices { if let j = runs[i].jobPid { byJobPid.add(i, PidKey(host: runs[i].hostID, pid: j)) } }

        /// The run with job pid `j` going at `t` (the latest started at or before it, not stale).
        func run(jobPid j: Int, host: Int, at t: CivilDateTime) -> Int? {
            for i in byJobPid.all(PidKey(host: host, pid: j)) where runs[i].startedAt <= t {
                return t.epochSeconds - runs[i].startedAt.epochSeconds <= Self.staleAfter * 24 ? i : nil
            }
            return nil
        }

        // 1. Parents that name their job: END ([J] ...) lines (Debian -L 10).
        var parentsByPid = PidIndex(count: parents.count)
        for k in parents.indices { parentsByPid.add(k, PidKey(host: parents[k].hostID, pid: parents[k].pid)) }
        for k in parents.indices {
            guard let j = parents[k].endJobPid, let t = parents[k].endedAt,
                  let i = run(jobPid: j, host: parents[k].hostID, at: t) else { continue }
            link(run: i, parent: k, &runs, &parents)
        }
        // 2. Runs whose CMD line named P (Debian -L 8): the parent record of that pid open at the start.
        var linked = Set(parents.compactMap(\.run))
        for i in runs.indices where runs[i].cronPid != nil && !linked.contains(i) {
            guard let p = runs[i].cronPid else { continue }
            for k in parentsByPid.all(PidKey(host: runs[i].hostID, pid: p)).reversed() where parents[k].run == nil
                && isOpen(parents[k], at: runs[i].startedAt) {
                link(run: i, parent: k, &runs, &parents)
                linked.insert(i)
                break
            }
        }
        // 3. The others by the constraints, propagated.
        pairByConstraints(&runs, &parents)

        // Ends: the parent's END/CMDEND line, else its session's close.
        for k in parents.indices {
            guard let i = parents[k].run else { continue }
            if runs[i].cronPid == nil { runs[i].cronPid = parents[k].pid }
            if let t = parents[k].endedAt ?? parents[k].closedAt, t >= runs[i].startedAt { runs[i].endedAt = t }
        }
        // Runs no parent record was found for: END lines without any session (no PAM lines in the history) go
        // to the oldest open run of the same host, user and command.
        var openByCommand: [CommandKey: [Int]] = [:]
        if parents.contains(where: { $0.run == nil && !$0.isOpened }) {
            for i in runs.indices where runs[i].endedAt == nil && runs[i].endUnknown == nil && runs[i].cronPid == nil {
                openByCommand[CommandKey(host: runs[i].host, user: runs[i].user, command: runs[i].command), default: []].append(i)
            }
        }
        for k in parents.indices where parents[k].run == nil && !parents[k].isOpened {
            guard let c = parents[k].endCommand, let t = parents[k].endedAt else { continue }
            let key = CommandKey(host: hostName(parents[k].hostID), user: parents[k].user, command: c)
            guard var open = openByCommand[key],
                  let pos = open.firstIndex(where: { runs[$0].startedAt <= t && runs[$0].endedAt == nil }) else { continue }
            let i = open.remove(at: pos)
            openByCommand[key] = open
            parents[k].run = i
            runs[i].cronPid = parents[k].pid
            runs[i].endedAt = t
        }
        // Error lines (Debian -L 4): the exit status, and the end (P logs it once the job exited).
        for e in errors {
            guard let i = run(jobPid: e.jobPid, host: e.host, at: e.ts) else { continue }
            if let ended = runs[i].endedAt, e.ts.epochSeconds - ended.epochSeconds > Self.staleAfter { continue }
            runs[i].exitStatus = e.exit
            runs[i].failed = (e.exit ?? 1) != 0
            if runs[i].endedAt.map({ e.ts < $0 }) ?? true { runs[i].endedAt = e.ts }
            runs[i].endUnknown = nil
        }
        for k in kills { kill(k.event, host: k.host, &runs, byJobPid: byJobPid, uids: uids) }
        if !partLines.isEmpty { attachParts(&runs) }
        var history = CronHistory(runs: runs, endsLogged: endsLogged, failuresLogged: failuresLogged,
                                  cronieLogged: cronieLogged)
        history.anacronRuns = anacronRuns
        return history
    }

    /// A parent record open at `t`: its session opened at or before `t` (within the session window) and not
    /// closed before it; a record without a session is open until its END line.
    private func isOpen(_ p: Parent, at t: CivilDateTime) -> Bool {
        if let o = p.openedAt {
            guard o <= t, t.epochSeconds - o.epochSeconds <= Self.sessionWindow else { return false }
        }
        if let c = p.closedAt ?? p.endedAt, c < t { return false }
        return true
    }

    private func link(run i: Int, parent k: Int, _ runs: inout [CronRun], _ parents: inout [Parent]) {
        guard parents[k].run == nil else { return }
        parents[k].run = i
        runs[i].cronPid = parents[k].pid
    }

    /// Ties the remaining runs to sessions where one answer is left (see the file's comment).
    private func pairByConstraints(_ runs: inout [CronRun], _ parents: inout [Parent]) {
        // Sessions by (host, user), in opening order, for a window search.
        struct GroupKey: Hashable { var host: Int; var user: String? }
        var groupOf: [GroupKey: Int] = [:]
        var sessions: [[Int]] = []
        // Times as nanoseconds since 1970 (Int64: one comparison instead of seven fields).
        func ns(_ t: CivilDateTime?) -> Int64 { t.map { $0.epochSeconds &* 1_000_000_000 &+ Int64($0.nanosecond) } ?? .max }
        var opened = [Int64](repeating: .max, count: parents.count)
        var ends = [Int64](repeating: .max, count: parents.count)   // the earlier of END and the session's close
        var lastUser: String?? = .none, lastHost = -1, lastGroup = -1
        for k in parents.indices where parents[k].isOpened && parents[k].run == nil {
            opened[k] = ns(parents[k].openedAt)
            ends[k] = min(ns(parents[k].closedAt), ns(parents[k].endedAt))
            let g: Int
            if parents[k].hostID == lastHost, let u = lastUser, u == parents[k].user {
                g = lastGroup
            } else {
                let key = GroupKey(host: parents[k].hostID, user: parents[k].user)
                if let known = groupOf[key] { g = known } else { g = sessions.count; groupOf[key] = g; sessions.append([]) }
                lastHost = parents[k].hostID; lastUser = .some(parents[k].user); lastGroup = g
            }
            sessions[g].append(k)
        }
        let window = Self.sessionWindow * 1_000_000_000
        var claimedRun = [Bool](repeating: false, count: runs.count)
        for k in parents.indices { if let i = parents[k].run { claimedRun[i] = true } }
        // Candidates of each unpaired run, and the reverse.
        var candidates = FlatLists(count: runs.count)
        var withCandidates: [Int] = []
        var found: [Int] = []  // one run's, reused
        var near = [Int](repeating: 0, count: sessions.count)  // by group: where its previous run's search ended
        for i in runs.indices where !claimedRun[i] && runs[i].cronPid == nil {
            let g: Int
            if runs[i].hostID == lastHost, let u = lastUser, u == runs[i].user {
                g = lastGroup
            } else {
                guard let known = groupOf[GroupKey(host: runs[i].hostID, user: runs[i].user)] else { continue }
                g = known
                lastHost = runs[i].hostID; lastUser = .some(runs[i].user); lastGroup = g
            }
            let t = ns(runs[i].startedAt)
            let jobPid = runs[i].jobPid ?? .max
            // The last session opened at or before t, then back through the window. Runs come in start order, so
            // the group's previous answer is a step or two away: walked from there (a binary search over every
            // session of a user was a cache miss per step), with a binary search when it is far.
            found.removeAll(keepingCapacity: true)
            sessions[g].withUnsafeBufferPointer { list in
                var lo = min(near[g], list.count), steps = 0
                while lo < list.count, opened[list[lo]] <= t, steps < 16 { lo += 1; steps += 1 }
                while lo > 0, opened[list[lo - 1]] > t, steps < 16 { lo -= 1; steps += 1 }
                if steps == 16 {
                    lo = 0
                    var hi = list.count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if opened[list[mid]] <= t { lo = mid + 1 } else { hi = mid }
                    }
                }
                near[g] = lo
                var s = lo
                while s > 0 {
                    s -= 1
                    let k = list[s]
                    guard t &- opened[k] <= window else { break }
                    if parents[k].pid >= jobPid { continue }   // J is P's child: forked after it
                    if ends[k] < t { continue }                // closed or ended before the job started
                    if let c = parents[k].endCommand, c != runs[i].command { continue }  // P's END names another command
                    found.append(k)
                }
            }
            guard !found.isEmpty else { continue }
            candidates.set(i, found)
            withCandidates.append(i)
        }
        // Each parent's runs, in run order; parents in the order they were first a candidate.
        let (runsOf, parentKeys) = candidates.reversed(count: parents.count, order: withCandidates)
        // Propagation: a run with one candidate left claims it; a parent whose END names a command and that has
        // one run left is that run's.
        var queue = withCandidates.reversed() as [Int]
        var parentQueue = parentKeys.reversed() as [Int]
        func live(_ i: Int) -> [Int] { candidates.of(i).filter { parents[$0].run == nil } }
        /// The one candidate left, if exactly one is (no array made).
        func single(_ i: Int) -> Int? {
            var one: Int? = nil
            for k in candidates.of(i) where parents[k].run == nil {
                if one != nil { return nil }
                one = k
            }
            return one
        }
        /// The one run left of a parent's, if exactly one is (no array made).
        func singleRun(_ k: Int) -> Int? {
            var one: Int? = nil
            for i in runsOf.of(k) where !claimedRun[i] {
                if one != nil { return nil }
                one = i
            }
            return one
        }
        func claim(_ i: Int, _ k: Int) {
            parents[k].run = i
            claimedRun[i] = true
            runs[i].cronPid = parents[k].pid
            // Runs that had this parent as a candidate may now have one left; so may the run's other candidates.
            queue.append(contentsOf: runsOf.of(k))
            parentQueue.append(contentsOf: candidates.of(i))
        }
        var steps = 0
        while !queue.isEmpty || !parentQueue.isEmpty {
            steps += 1
            if steps & 4095 == 0, Interruption.isRequested() { return }
            if let i = queue.popLast() {
                guard !claimedRun[i] else { continue }
                if let k = single(i) { claim(i, k) }
            } else if let k = parentQueue.popLast() {
                guard parents[k].run == nil, parents[k].endCommand != nil else { continue }
                // (k itself is live: its run is nil.)
                if let i = singleRun(k), candidates.of(i).contains(k) { claim(i, k) }
            }
        }
        // What is left is ambiguous: several runs of one user that could each be several sessions'. When all of a
        // run's candidates ended within one second, its end is known to that second: they are paired in pid
        // order. Otherwise the end is unknown and said so.
        for i in withCandidates where !claimedRun[i] {
            let left = live(i)
            guard !left.isEmpty else { continue }
            let ends = left.map { parents[$0].endedAt ?? parents[$0].closedAt }
            if ends.allSatisfy({ $0 != nil }) {
                let times = ends.compactMap { $0 }
                if let first = times.min(), let last = times.max() {  // non-empty: `left` is
                    if seconds(from: first, to: last) <= 1, let lowest = left.min(by: { parents[$0].pid < parents[$1].pid }) {
                        claim(i, lowest)
                        continue
                    }
                    runs[i].endBound = last
                }
            }
            let who = runs[i].user.map { "of \($0) " } ?? ""
            runs[i].endUnknown = "\(left.count) sessions \(who)were open when it started and the log does not say "
                + "which was its own (Debian's cron -L 8 logs the pids that tell)"
        }
    }

    /// The scripts run-parts logged for each run of `run-parts FOLDER`: its lines for that folder on that host from
    /// the run's start to its end (or the latest its end can be; a day when nothing bounds it).
    private func attachParts(_ runs: inout [CronRun]) {
        var byFolder: [String: [Int]] = [:]
        for (k, p) in partLines.enumerated() { byFolder[p.folder, default: []].append(k) }
        for i in runs.indices {
            guard let folder = runPartsFolder(runs[i].command), let lines = byFolder[folder] else { continue }
            let start = runs[i].startedAt
            let until = runs[i].endedAt ?? runs[i].endBound ?? CivilDateTime(epochSeconds: start.epochSeconds + 86_400)
            let names = lines.filter { k in
                let p = partLines[k]
                return p.host == runs[i].hostID && start.epochSeconds <= p.ts.epochSeconds
                    && p.ts.epochSeconds <= until.epochSeconds
            }.map { partLines[$0].name }
            runs[i].parts = names
        }
    }

    /// A kernel line about a killed or crashed process: evidence against the run whose process it was — the
    /// job's shell or cron's process for it (the pids the daemon logs). Otherwise the victim is one of a job's
    /// children (Debian's dash does not `exec` the last command of `sh -c`), which no line names: it is a run's
    /// only when one run fits — going at that moment on that host, its shell's pid below the victim's (forked
    /// before it), its user's uid the OOM line's `UID:` (uids from the PAM lines), and, among several, the only
    /// one whose command names the killed process. When several fit, each gets a note, and none is failed.
    private func kill(_ e: CronLogEvent, host: Int, _ runs: inout [CronRun], byJobPid: PidIndex, uids: [String: Int]) {
        guard let victim = e.jobPid else { return }
        let t = e.ts.epochSeconds
        // The END line and the kernel line may land in either order within a second.
        func going(_ r: CronRun) -> Bool {
            guard r.startedAt.epochSeconds <= t else { return false }
            if let ended = r.endedAt ?? r.endBound { return ended.epochSeconds >= t - 1 }
            return true
        }
        var exact: Int?
        for i in byJobPid.all(PidKey(host: host, pid: victim)) where going(runs[i]) { exact = i; break }
        if exact == nil {
            for i in runs.indices.reversed() where runs[i].cronPid == victim && runs[i].hostID == host && going(runs[i]) {
                exact = i
                break
            }
        }
        let what: String
        switch e.event {
        case "OOM_KILL": what = "killed by the OOM killer"
        case "SEGFAULT": what = "segfault"
        default: what = "crashed (kernel trap)"
        }
        let name = e.command.map { " (\($0))" } ?? ""
        if let i = exact {
            guard runs[i].evidence == nil else { return }
            runs[i].failed = true
            runs[i].evidence = "\(what): pid \(victim)\(name)"
            return
        }
        let uid = kernelUID(e.message)
        var candidates: [Int] = []
        var i = runs.count
        while i > 0 {
            i -= 1
            let r = runs[i]
            if r.startedAt.epochSeconds < t - Self.killWindow { break }
            guard r.hostID == host, going(r), let j = r.jobPid, j < victim else { continue }
            if let uid, let u = r.user, let known = uids[u], known != uid { continue }
            candidates.append(i)
        }
        if candidates.count > 1, let comm = e.command, !comm.isEmpty {
            let naming = candidates.filter { commandNames(runs[$0].command, process: comm) }
            if !naming.isEmpty { candidates = naming }
        }
        guard !candidates.isEmpty else { return }
        if candidates.count == 1 {
            let c = candidates[0]
            guard runs[c].evidence == nil else { return }
            runs[c].failed = true
            runs[c].evidence = "\(what): pid \(victim)\(name), a process started after the job's shell"
            return
        }
        for c in candidates {
            let note = "pid \(victim)\(name) was \(what == "segfault" ? "killed by a segfault" : what) while this and "
                + "\(candidates.count - 1) other runs were going; the log does not say whose it was"
            runs[c].killNote = runs[c].killNote.map { $0 + "; " + note } ?? note
        }
    }
}

/// The `UID:N` of an OOM killer's line, if any.
func kernelUID(_ message: String) -> Int? {
    guard let r = message.firstRange(of: "UID:") else { return nil }
    let digits = message[r.upperBound...].prefix { $0.isNumber }
    return Int(digits)
}

/// Whether a command names a process: one of its words, or a word's last path component, is the name (the
/// kernel's `comm` is cut to 15 bytes).
func commandNames(_ command: String, process: String) -> Bool {
    for word in command.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" || $0 == "&" || $0 == "|" }) {
        let base = word.split(separator: "/").last.map(String.init) ?? String(word)
        if base == process || (process.utf8.count == 15 && base.hasPrefix(process)) { return true }
    }
    return false
}

/// Seconds from one time to another, fractions included.
public func seconds(from a: CivilDateTime, to b: CivilDateTime) -> Double {
    Double(b.epochSeconds - a.epochSeconds) + Double(b.nanosecond - a.nanosecond) / 1e9
}

/// A command compared without surrounding blanks (logs and crontabs differ in trailing spaces).
public func trimmedCommand(_ s: String) -> String {
    // Most commands have no blanks around them: no copy then.
    guard let first = s.utf8.first, let last = s.utf8.last,
          first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return s }
    return s.trimmingBlanks()
}
