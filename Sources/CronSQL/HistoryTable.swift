// cron_history([files]): cron's lines from syslog files (a path, glob or brace list; .gz rotations read
// transparently) and `journalctl -o short-iso` / `-o json` exports, streamed one line at a time, with the kernel's
// lines about killed and crashed processes (evidence of how a job died). Lines of other programs and lines that
// are not log lines are skipped. Without files, the machine's standard logs. Reads files: DIRECTONLY.
import Cron
import Glibc
import SQLiteKit
import StrataCommon

final class HistoryTable: DeclaredTable {
    static let sql = SQLDeclaration(
        "cron_history", kind: .tableFunction, safety: .directOnly, readsFiles: true,
        parameters: [.optional("files", "syslog files or a journalctl export: a path, glob or {a,b} list (.gz read transparently); default \(CronDefaults.history)")],
        columns: [
            SQLColumn("path", "TEXT", "the log file"),
            SQLColumn("line", "INTEGER", "1-based line number in the (decompressed) file"),
            SQLColumn("ts", "TEXT", "YYYY-MM-DD HH:MM:SS[.fff] as written (RFC 3164: year from the file's mtime)"),
            SQLColumn("host", "TEXT", "the host field"),
            SQLColumn("pid", "INTEGER", "pid of the logging cron process"),
            SQLColumn("user", "TEXT", "the (user) of the line (NULL for the daemon's own (CRON) lines), or the PAM session's user; run-parts' folder for PART_START/PART_END"),
            SQLColumn("event", "TEXT", "CMD, END, CMDEND, CMDOUT, ERROR, INFO, RELOAD, STARTUP, MAIL, SESSION_OPEN, SESSION_CLOSE, PAM, OTHER, ...; the kernel's OOM_KILL, SEGFAULT, TRAP; run-parts' PART_START, PART_END; anacron's ANACRON_START, ANACRON_END"),
            SQLColumn("command", "TEXT", "the command of CMD/END/CMDEND lines (without a [jobpid] prefix); the process name of kernel lines; the script of run-parts lines; anacron's job"),
            SQLColumn("job_pid", "INTEGER", "the job's pid: [jobpid] of Debian -L 8, #N of an error line; the killed process of kernel lines"),
            SQLColumn("exit_status", "INTEGER", "from 'failed with exit status N'; 128+N for 'terminated by signal N'; anacron's 'terminated (exit status: N)'"),
            SQLColumn("message", "TEXT", "the message after the tag"),
        ],
        returns: "cron's lines from syslog")

    func openCursor() throws -> VirtualTableCursor { HistoryCursor() }
}

/// Streams the cron records of a list of files, in name order.
final class HistoryStream {
    private var paths: [String]
    private var fileIndex = -1
    private var reader: LineReader?
    private var parser = CronLogParser(modificationTime: 0)
    private(set) var path = ""
    private(set) var line: Line?
    private(set) var record: CronLogRecord?
    /// The span the lines read so far cover (first and last stamped line of each file, and every cron line).
    var span: HistorySpan? { hasSpan ? HistorySpan(first: spanFirst, last: spanLast) : nil }
    // Kept as two plain fields, updated in place (an optional span rebuilt per line was a copy per line).
    private var hasSpan = false
    private var spanFirst = CivilDateTime(year: 1970, month: 1, day: 1), spanLast = CivilDateTime(year: 1970, month: 1, day: 1)
    /// When set, the stamp of each file's first and last line is read too (cron_runs; cron_history skips it).
    var measuresSpan = false
    private var firstLine = true
    // The start of the file's latest line (its stamp, read when the file ends): raw memory, copied into per line.
    private let lastLine = UnsafeMutablePointer<UInt8>.allocate(capacity: 48)
    private static let lastLineCapacity = 48
    private var lastLineCount = 0
    /// The zone the stamps are wall-clock times of, when its clocks change: the span is then measured in instants
    /// too (`instantSpan`), a wall time the clocks showed twice taken as the occurrence that follows the file's
    /// previous line (lines are written in time order), so a history across a fall-back has the right ends.
    var zone: TimeZoneInfo?
    private(set) var instantSpan: (first: Int64, last: Int64)?
    private var previousInstant: Int64?

    init(paths: [String]) {
        self.paths = paths
    }

    deinit { lastLine.deallocate() }

    /// The file being read is a pipe, FIFO or device: it cannot be read a second time.
    var readsStream: Bool { reader?.stream.isStream ?? false }

    /// Moves to the next cron record; false at the end of the last file.
    func advance() throws -> Bool {
        guard let (rec, l) = try nextRecord({ r, l in (copy r, l) }) else {
            line = nil
            record = nil
            return false
        }
        line = l
        record = rec
        return true
    }

    /// What `take` makes of the next cron record it takes (nil: read on), the record lent rather than kept
    /// (`record` and `line` are not set): a record is large, and storing and reading it back was two copies per line.
    func nextRecord<T>(_ take: (borrowing CronLogRecord, Line) -> T?) throws -> T? {
        var rec = CronLogRecord.empty  // parsed into, line after line
        while true {
            if let r = reader {
                if let l = try r.next() {
                    if measuresSpan { noteLine(l.bytes) }
                    if parser.parse(l.bytes, into: &rec) {
                        if measuresSpan { note(rec.ts) }
                        if let taken = take(rec, l) { return taken }
                    }
                    continue
                }
                reader = nil
                if measuresSpan, lastLineCount > 0,
                   let t = parser.lineTime(UnsafeBufferPointer(start: lastLine, count: lastLineCount)) {
                    note(t)
                }
            }
            fileIndex += 1
            guard fileIndex < paths.count else { return nil }
            path = paths[fileIndex]
            let stream = try FileStream(path: path)
            parser = CronLogParser(modificationTime: stream.modificationTime)
            reader = LineReader(stream: stream)
            firstLine = true
            lastLineCount = 0
            previousInstant = nil
        }
    }

    private func noteLine(_ b: UnsafeBufferPointer<UInt8>) {
        if firstLine, let t = parser.lineTime(b) {
            note(t)
            firstLine = false
        }
        let n = min(b.count, Self.lastLineCapacity)
        guard n >= 15, let base = b.baseAddress else { return }
        lastLine.update(from: base, count: n)
        lastLineCount = n
    }

    private func note(_ t: CivilDateTime) {
        if !hasSpan {
            (spanFirst, spanLast, hasSpan) = (t, t, true)
        } else if spanLast < t {
            spanLast = t  // later than the latest is later than the first too (lines mostly come in time order)
        } else if t < spanFirst {
            spanFirst = t
        }
        guard let zone else { return }
        let times = zone.occurrences(ofWall: t.epochSeconds)
        var at = times.first ?? zone.instant(ofWall: t.epochSeconds).instant
        // Twice on the clock: the later pass when the earlier would put the line well before the previous one.
        if times.count == 2, let p = previousInstant, times[0] < p - 300 { at = times[1] }
        previousInstant = at
        instantSpan = instantSpan.map { (min($0.first, at), max($0.last, at)) } ?? (at, at)
    }
}

final class HistoryCursor: VirtualTableCursor {
    private var stream: HistoryStream?
    // The current row, copied out of the stream once per row rather than once per column.
    private var record: CronLogRecord?
    private var line: Line?
    private var rowNumber: Int64 = 0

    func filter(indexNumber: Int32, indexString: String?, arguments: SQLArguments) throws {
        let args = TableArguments(HistoryTable.sql, indexNumber: indexNumber, indexString: indexString, arguments: arguments)
        stream = nil
        record = nil
        line = nil
        rowNumber = 0
        let s = HistoryStream(paths: try pathsArgument(args, "files", default: CronDefaults.history))
        stream = s
        try pull()
    }

    private func pull() throws {
        guard let s = stream, try s.advance() else {
            record = nil
            line = nil
            return
        }
        record = s.record
        line = s.line
    }

    func next() throws {
        rowNumber += 1
        try pull()
    }

    var isAtEnd: Bool { record == nil }

    func column(_ c: Int32, context: SQLContext) throws {
        guard let r = record, let l = line else { return context.resultNull() }
        func text(_ range: Range<Int>?) {
            if !r.withBytes(range, in: l.bytes, { context.result(utf8: $0) }) { context.resultNull() }
        }
        func int(_ v: Int?) { if let v { context.result(v) } else { context.resultNull() } }
        switch c {
        case 0: context.result(stream?.path ?? "")
        case 1: context.result(l.number)
        case 2: withISOBytes(r.ts) { context.result(utf8: $0) }
        case 3:
            if r.decoded != nil {
                if let h = r.decoded?.host { context.result(h) } else { context.resultNull() }
            } else {
                text(r.host)
            }
        case 4: int(r.pid)
        case 5: text(r.user)
        case 6:
            if let n = r.kind.name {
                n.withUTF8Buffer { context.result(utf8: $0) }
            } else {
                context.result(r.eventName(in: l.bytes))
            }
        case 7: text(r.command)
        case 8: int(r.jobPid)
        case 9: int(r.exitStatus)
        case 10: text(r.message)
        default: context.resultNull()
        }
    }

    func rowid() throws -> Int64 { rowNumber }
}

/// Every cron event of the files a pattern names, in time order (stable for equal stamps), each once (syslog and
/// cron.log, or syslog and kern.log, hold the same lines), and the span the files cover.
func readHistory(paths: [String], from: CivilDateTime?, zone: TimeZoneInfo? = nil) throws
    -> (events: [CronLogEvent], span: HistorySpan?, instants: (first: Int64, last: Int64)?) {
    let s = HistoryStream(paths: paths)
    s.measuresSpan = true
    s.zone = zone
    var events: [CronLogEvent] = []
    var reader = EventReader(from: from)
    var inOrder = true
    while let event = try s.nextRecord({ r, l in reader.event(r, l) }) {
        if let last = events.last, event.ts < last.ts { inOrder = false }
        events.append(event)
    }
    return (timeOrdered(events, inOrder: inOrder, oneFile: paths.count == 1), s.span, s.instantSpan)
}

/// The runs of a history (RunBuilder fed every event in time order) and the span the files cover. One plain file
/// in time order — the usual syslog — is fed to the builder while it is read, with no list of events made (the
/// list and its copies were a quarter of cron_runs' time); when its lines turn out not to be in time order it is
/// read again through `readHistory`, which sorts. Several files, and a pipe (which cannot be read twice), go
/// through the list.
func buildHistory(paths: [String], from: CivilDateTime?, zone: TimeZoneInfo? = nil) throws
    -> (history: CronHistory, span: HistorySpan?, instants: (first: Int64, last: Int64)?) {
    if paths.count == 1 {
        let s = HistoryStream(paths: paths)
        s.measuresSpan = true
        s.zone = zone
        var builder = RunBuilder()
        // A regular file's size bounds its runs: a CMD line (about 100 bytes with its session's lines) per run
        // (a compressed file's size only under-estimates them).
        var st = stat()
        if stat(paths[0], &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            builder.reserve(runs: Int(truncatingIfNeeded: st.st_size / 100))
        }
        var reader = EventReader(from: from)
        var kept: [CronLogEvent] = []
        var keep = false
        var inOrder = true
        var last: CivilDateTime? = nil
        // Each event is used where it is made, in one event reused for every line (returned from the stream, every
        // event was copied once more); the stream reads on to the end, stopped only by a line out of time order.
        var event = CronLogEvent.empty
        _ = try s.nextRecord({ r, l -> Bool? in
            guard reader.event(r, l, into: &event) else { return nil }
            if let l = last, event.ts < l { inOrder = false }
            last = event.ts
            if !keep && s.readsStream {
                keep = true
            }
            if keep {
                kept.append(event)
            } else if inOrder {
                builder.add(event)
            } else {
                return false  // a plain file out of time order: read again below, sorted
            }
            return nil
        })
        if keep {
            var b = RunBuilder()
            for e in timeOrdered(kept, inOrder: inOrder, oneFile: true) { b.add(e) }
            return (b.build(), s.span, s.instantSpan)
        }
        if inOrder { return (builder.build(), s.span, s.instantSpan) }
    }
    let (events, span, instants) = try readHistory(paths: paths, from: from, zone: zone)
    var builder = RunBuilder()
    for e in events { builder.add(e) }
    return (builder.build(), span, instants)
}

/// Makes the events RunBuilder reads from a stream's records: the kinds it uses, from `from` on. Hosts and users
/// repeat: the previous line's text is reused when the bytes agree (no copy per line); commands are interned.
struct EventReader {
    var from: CivilDateTime?
    private var host = TextCache(), user = TextCache(), commands = InternCache()
    /// The message of the previous line that needed one: a PAM session's opening line is the same text every time
    /// for one user, and a String made for each was an allocation per session.
    private var message = TextCache()
    /// The event names of the kinds read, made once (not a String from the kind's name per line).
    private var names = [String?](repeating: nil, count: 32)
    init(from: CivilDateTime?) { self.from = from }

    mutating func event(_ r: borrowing CronLogRecord, _ l: Line) -> CronLogEvent? {
        var e = CronLogEvent.empty
        return event(r, l, into: &e) ? e : nil
    }

    /// Fills `e` with the event of a record; false (`e` unspecified) for a kind RunBuilder does not use or a time
    /// before `from`. The caller's event is reused: returning one per line was two copies of it.
    mutating func event(_ r: borrowing CronLogRecord, _ l: Line, into e: inout CronLogEvent) -> Bool {
        let needsMessage: Bool
        switch r.kind {
        case .cmd, .end, .cmdEnd, .sessionClose, .partStart, .anacronStart, .anacronEnd: needsMessage = false
        case .error, .sessionOpen, .oomKill, .segfault, .trap: needsMessage = true
        default: return false
        }
        if let from, r.ts < from { return false }
        let b = l.bytes
        let h = r.decoded != nil ? r.hostText(in: b) : host.text(r.host, r, b)
        let u = user.text(r.user, r, b)
        let k = Int(r.kind.rawValue)
        let name: String
        if k < names.count, let known = names[k] {
            name = known
        } else {
            name = r.eventName(in: b)
            if k < names.count, r.kind.name != nil { names[k] = name }
        }
        e.line = l.number; e.ts = r.ts; e.host = h; e.pid = r.pid; e.user = u; e.event = name
        e.command = commands.text(r.command, r, b); e.jobPid = r.jobPid; e.exitStatus = r.exitStatus
        e.message = needsMessage ? message.text(r.message, r, b) ?? "" : ""
        return true
    }
}

/// Events in time order (stable for equal stamps), each once. Rotated files come in name order (syslog,
/// syslog.1, ...), which is not time order; several files may hold the same lines (syslog and cron.log).
func timeOrdered(_ events: [CronLogEvent], inOrder: Bool, oneFile: Bool) -> [CronLogEvent] {
    if inOrder && oneFile { return events }
    let order = inOrder ? Array(events.indices) : events.indices.sorted { a, b in
        events[a].ts != events[b].ts ? events[a].ts < events[b].ts : a < b
    }
    var out: [CronLogEvent] = []
    out.reserveCapacity(events.count)
    // Duplicates have the same stamp: compare within a run of equal stamps.
    var k = 0
    while k < order.count {
        var e = k + 1
        while e < order.count, events[order[e]].ts == events[order[k]].ts { e += 1 }
        if e - k == 1 {
            out.append(events[order[k]])
        } else {
            var seen: [CronLogEvent] = []
            for i in order[k..<e] {
                var x = events[i]
                x.line = 0
                if seen.contains(x) { continue }
                seen.append(x)
                out.append(events[i])
            }
        }
        k = e
    }
    return out
}

/// The text of a field whose values repeat across lines (a machine's few dozen commands): a String made once per
/// distinct value and shared, found through a small table on an FNV-1a hash of the bytes. Sharing saves an
/// allocation per line, and equal commands compare and hash faster later (same storage).
struct InternCache {
    private var keys: [[UInt8]] = Array(repeating: [], count: 512)
    private var texts: [String?] = Array(repeating: nil, count: 512)

    mutating func text(_ range: Range<Int>?, _ r: CronLogRecord, _ line: UnsafeBufferPointer<UInt8>) -> String? {
        guard let range else { return nil }
        var slot = -1
        var hit = false
        r.withBytes(range, in: line) { b in
            var h: UInt32 = 2_166_136_261
            for c in b { h = (h ^ UInt32(c)) &* 16_777_619 }
            slot = Int(h & 511)
            hit = texts[slot] != nil && sameBytes(keys[slot], b)
            if !hit { keys[slot] = Array(b) }
        }
        if hit, slot >= 0, let t = texts[slot] { return t }
        let t = r.text(range, in: line)
        if slot >= 0 { texts[slot] = t }
        return t
    }
}

/// Whether stored bytes equal a line's (memcmp: the generic elementsEqual was a few percent of cron_runs).
@inline(__always) func sameBytes(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard b.count > 0 else { return true }
    return a.withUnsafeBufferPointer { p in
        guard let x = p.baseAddress, let y = b.baseAddress else { return false }
        return memcmp(x, y, b.count) == 0
    }
}

/// The text of a field, reusing the previous line's String when the bytes are the same.
struct TextCache {
    private var bytes: [UInt8] = []
    private var last: String?

    mutating func text(_ range: Range<Int>?, _ r: CronLogRecord, _ line: UnsafeBufferPointer<UInt8>) -> String? {
        guard let range else { return nil }
        var same = false
        if r.decoded == nil, range.lowerBound >= 0, range.upperBound <= line.count {
            // A syslog line's field, compared in place (no closure per field).
            let b = UnsafeBufferPointer(rebasing: line[range])
            same = sameBytes(bytes, b)
            if !same { bytes = Array(b) }
        } else {
            r.withBytes(range, in: line) { b in
                same = sameBytes(bytes, b)
                if !same { bytes = Array(b) }
            }
        }
        if same, let last { return last }
        let t = r.text(range, in: line)
        last = t
        return t
    }
}
