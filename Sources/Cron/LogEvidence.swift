// Which run of a job its own log's failures belong to. A run whose end was logged without an exit status is only
// `ended`; its log can say more: ERROR/CRITICAL records written while it ran, or an uncaught traceback (Python
// prints it to stderr, which `2>&1` puts in the log as lines without a time of their own).
//
// Syslog stamps are whole seconds (RFC 3164), a job's log has milliseconds: a run logged as 06:48:01 – 06:48:04
// ran from 06:48:01.000 to before 06:48:05.000, so a record at 06:48:04.216 is the run's. With fractions in the
// stamps the same rule holds to the stamp's precision.
//
// An uncaught traceback has no time: it was written between the record before it and the record after it, by a
// run going then that did not write the record after it (an uncaught exception ends the process) — when exactly
// one run fits. At the end of the file it was the file's last write: the run going at the file's modification
// time (which also finds a job that crashed before logging anything).
import StrataCommon

/// One timed record of a job's log, as the evidence search needs it.
public struct JobLogRecord: Sendable {
    public var time: CivilDateTime
    /// `ERROR`/`CRITICAL` for such records, else nil.
    public var failureLevel: String?
    /// The record's message (its first line).
    public var message: String
    /// The exception line of a traceback in the record's continuation lines (`RuntimeError: ...`), if any.
    public var traceback: String?

    public init(time: CivilDateTime, failureLevel: String?, message: String, traceback: String?) {
        self.time = time; self.failureLevel = failureLevel; self.message = message; self.traceback = traceback
    }
}

/// A run whose log is searched: `id` is the caller's; it went from `start` (as logged) until before `until`.
public struct JobLogRun: Sendable {
    public var id: Int
    public var start: CivilDateTime
    public var until: CivilDateTime
    /// `end` as logged: a whole-second stamp stands for the whole second, so the run went until before the next.
    public init(id: Int, start: CivilDateTime, end: CivilDateTime) {
        self.id = id
        self.start = start
        until = end.nanosecond == 0 ? CivilDateTime(epochSeconds: end.epochSeconds + 1) : end
    }
    public init(id: Int, start: CivilDateTime, until: CivilDateTime) { self.id = id; self.start = start; self.until = until }
}

public enum LogEvidence {
    /// The longest message quoted in evidence.
    static let quoteLimit = 200

    /// What each run's log shows against it: run id → finding (the first in the file). `records` in file order;
    /// `fileEnd` is the file's modification time (what comes last was written by then).
    public static func attribute(records: [JobLogRecord], fileEnd: CivilDateTime?, runs: [JobLogRun]) -> [Int: String] {
        let sorted = runs.sorted { $0.start < $1.start }
        // [start floored to its second, until): whole-second stamps truncate.
        func from(_ r: JobLogRun) -> Int64 { r.start.epochSeconds }
        func contains(_ r: JobLogRun, _ t: CivilDateTime) -> Bool { t.epochSeconds >= from(r) && t < r.until }
        func going(at t: CivilDateTime) -> [JobLogRun] {
            // Runs are few per log and window; a linear pass is enough.
            sorted.filter { contains($0, t) }
        }
        var found: [Int: String] = [:]
        func note(_ id: Int, _ text: String) { if found[id] == nil { found[id] = text } }
        for (k, r) in records.enumerated() {
            if let level = r.failureLevel {
                var text = "\(level) in its log at \(isoText(r.time)): \(quote(r.message))"
                if let tb = r.traceback { text += " (\(quote(tb)))" }
                for run in going(at: r.time) { note(run.id, text) }
                continue
            }
            guard let tb = r.traceback else { continue }
            let text = "uncaught traceback in its log: \(quote(tb))"
            guard k + 1 < records.count else {
                // The end of the file: the traceback was its last write, at its modification time.
                if let end = fileEnd {
                    let owners = going(at: end)
                    if owners.count == 1 { note(owners[0].id, text) }
                }
                continue
            }
            // Written between this record and the next, by a run going then that did not write the next record
            // (an uncaught exception ends the process; the run that logs after it was alive).
            let next = records[k + 1].time
            let owners = sorted.filter { run in
                from(run) <= next.epochSeconds && r.time < run.until && !contains(run, next)
            }
            if owners.count == 1 { note(owners[0].id, text) }
        }
        return found
    }

    static func quote(_ s: String) -> String {
        let t = s.trimmingBlanks()
        return t.utf8.count <= quoteLimit ? t : String(decoding: t.utf8.prefix(quoteLimit), as: UTF8.self) + "…"
    }
}

/// The exception line of a Python traceback in `text` (lines after "Traceback (most recent call last):": the last
/// line that is not indented), or nil when there is none.
public func tracebackException(_ text: UnsafeBufferPointer<UInt8>) -> String? {
    guard let k = find(text, from: 0, "Traceback (most recent call last):") else { return nil }
    // The last non-empty, non-indented line after the header.
    var lineStart = k
    var last: Range<Int>? = nil
    var i = k
    while i <= text.count {
        if i == text.count || text[i] == 0x0A {
            var e = i
            if e > lineStart, text[e - 1] == 0x0D { e -= 1 }
            if e > lineStart, text[lineStart] != 0x20, text[lineStart] != 0x09 { last = lineStart..<e }
            lineStart = i + 1
        }
        i += 1
    }
    guard let r = last else { return nil }
    return String(decoding: UnsafeBufferPointer(rebasing: text[r]), as: UTF8.self)
}
