// Picks cron's lines out of syslog files and journal exports and splits them into fields, without
// allocating for the lines it skips. Line shapes, as the daemons write them:
//
//   Jan  5 02:00:01 host CRON[2705]: (alice) CMD (/opt/retrain.py >> /logs/retrain.log 2>&1)   Debian, job pid
//   Jan  5 02:00:01 host CRON[2703]: (alice) CMD ([2705] /opt/retrain.py ...)                  Debian -L 8
//   Jan  5 02:07:13 host CRON[2703]: (alice) END (/opt/retrain.py ...)                         Debian -L 2
//   Jan  5 02:07:13 host CRON[2703]: (CRON) error (grandchild #2705 failed with exit status 3) Debian -L 4
//   Jan  5 02:07:13 host CRON[2703]: (CRON) error (grandchild #2705 terminated by signal 9, dumped core)
//   Jan  5 02:07:13 host CRON[2703]: (CRON) info (No MTA installed, discarding output)
//   Jan  5 02:00:01 host CRON[2703]: pam_unix(cron:session): session opened for user alice(uid=1000) by (uid=0)
//   2024-01-05T02:00:01.123456+01:00 host CROND[2705]: (root) CMD (...)       cronie, by the job process
//   2024-01-05T02:00:09+0100 host CROND[2703]: (root) CMDEND (...)            cronie, by its parent
//   {"__REALTIME_TIMESTAMP":"…","SYSLOG_IDENTIFIER":"CRON","_PID":"2705","MESSAGE":"(root) CMD (…)",…}
//
// RFC 3164 stamps carry no year: it comes from the file's modification time, and a date later than that
// time belongs to the year before (a file spanning New Year). ISO stamps are taken as written (wall clock,
// offset ignored). Journal JSON uses SYSLOG_TIMESTAMP (local wall clock) when present, else
// __REALTIME_TIMESTAMP read as UTC.
import Glibc
import StrataCommon

/// One cron log line split into fields. Text fields are byte ranges of the line they came from.
public struct CronLogRecord {
    public var ts: CivilDateTime
    public var host: Range<Int>?
    public var pid: Int?
    public var user: Range<Int>?
    public var kind: CronEventKind
    /// The daemon's word for `.word` events (`BAD FILE MODE`, `ORPHAN`, ...).
    public var word: Range<Int>?
    public var command: Range<Int>?
    public var jobPid: Int?
    public var exitStatus: Int?
    public var message: Range<Int>
    /// Set for journal JSON lines, whose fields are unescaped copies rather than ranges of the line.
    public var decoded: DecodedFields?
}

/// What a cron line says. `name` is the `event` column.
public enum CronEventKind: UInt8, Sendable {
    case cmd, end, cmdEnd, cmdOut, error, info, reload, startup, mail, sessionOpen, sessionClose, pam, other, word
    /// Kernel lines about a killed or crashed process (KernelLine.swift).
    case oomKill, segfault, trap
    /// run-parts' and anacron's lines about the scripts and jobs they ran (PartsLine.swift).
    case partStart, partEnd, anacronStart, anacronEnd

    /// `CMD`, `END`, `CMDEND`, `CMDOUT`, `ERROR`, `INFO`, `RELOAD`, `STARTUP`, `MAIL`, `SESSION_OPEN`,
    /// `SESSION_CLOSE`, `PAM`, `OTHER`, `OOM_KILL`, `SEGFAULT`, `TRAP`; nil for `.word` (the record's own word,
    /// upper-cased).
    public var name: StaticString? {
        switch self {
        case .cmd: return "CMD"
        case .end: return "END"
        case .cmdEnd: return "CMDEND"
        case .cmdOut: return "CMDOUT"
        case .error: return "ERROR"
        case .info: return "INFO"
        case .reload: return "RELOAD"
        case .startup: return "STARTUP"
        case .mail: return "MAIL"
        case .sessionOpen: return "SESSION_OPEN"
        case .sessionClose: return "SESSION_CLOSE"
        case .pam: return "PAM"
        case .other: return "OTHER"
        case .oomKill: return "OOM_KILL"
        case .segfault: return "SEGFAULT"
        case .trap: return "TRAP"
        case .partStart: return "PART_START"
        case .partEnd: return "PART_END"
        case .anacronStart: return "ANACRON_START"
        case .anacronEnd: return "ANACRON_END"
        case .word: return nil
        }
    }
}

extension CronLogRecord {
    /// A record to parse into (`CronLogParser.parse(_:into:)`).
    public static var empty: CronLogRecord {
        CronLogRecord(ts: CivilDateTime(year: 1970, month: 1, day: 1), host: nil, pid: nil, user: nil, kind: .other,
                      word: nil, command: nil, jobPid: nil, exitStatus: nil, message: 0..<0, decoded: nil)
    }
}

/// Field text for journal JSON lines (escapes decoded); ranges then refer to `message`.
public struct DecodedFields {
    public var host: String?
    public var message: [UInt8]
}

/// An owned copy of a record, for matching runs.
public struct CronLogEvent: Sendable, Equatable {
    public var line: Int
    public var ts: CivilDateTime
    public var host: String?
    public var pid: Int?
    public var user: String?
    public var event: String
    public var command: String?
    public var jobPid: Int?
    public var exitStatus: Int?
    public var message: String

    // Inlinable: made per cron line by the binding, where a call and copies per event showed in cron_runs.
    @inlinable
    public init(line: Int, ts: CivilDateTime, host: String?, pid: Int?, user: String?, event: String,
                command: String?, jobPid: Int?, exitStatus: Int?, message: String) {
        self.line = line; self.ts = ts; self.host = host; self.pid = pid; self.user = user; self.event = event
        self.command = command; self.jobPid = jobPid; self.exitStatus = exitStatus; self.message = message
    }
}

extension CronLogEvent {
    /// An event to fill in place (the binding's reader reuses one for every line).
    public static var empty: CronLogEvent {
        CronLogEvent(line: 0, ts: CivilDateTime(year: 1970, month: 1, day: 1), host: nil, pid: nil, user: nil,
                     event: "", command: nil, jobPid: nil, exitStatus: nil, message: "")
    }
}

extension CronLogRecord {
    /// The text of a range of `line` (or of the decoded JSON message).
    public func text(_ r: Range<Int>?, in line: UnsafeBufferPointer<UInt8>) -> String? {
        guard let r else { return nil }
        if let d = decoded {
            guard r.lowerBound >= 0, r.upperBound <= d.message.count else { return nil }
            return String(decoding: d.message[r], as: UTF8.self)
        }
        guard r.lowerBound >= 0, r.upperBound <= line.count else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: line[r]), as: UTF8.self)
    }

    /// Calls `body` with the bytes of a range (of the line, or of the decoded JSON message) without a copy;
    /// false when there is no such range.
    @discardableResult
    public func withBytes(_ r: Range<Int>?, in line: UnsafeBufferPointer<UInt8>,
                          _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        guard let r, r.lowerBound >= 0 else { return false }
        if let d = decoded {
            guard r.upperBound <= d.message.count else { return false }
            d.message.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[r])) }
            return true
        }
        guard r.upperBound <= line.count else { return false }
        body(UnsafeBufferPointer(rebasing: line[r]))
        return true
    }

    public func hostText(in line: UnsafeBufferPointer<UInt8>) -> String? {
        if let d = decoded { return d.host }
        return text(host, in: line)
    }

    /// The `event` column's text.
    public func eventName(in line: UnsafeBufferPointer<UInt8>) -> String {
        if let n = kind.name { return n.description }
        return (text(word, in: line) ?? "").uppercased()
    }

    public func owned(line number: Int, bytes: UnsafeBufferPointer<UInt8>) -> CronLogEvent {
        CronLogEvent(line: number, ts: ts, host: hostText(in: bytes), pid: pid, user: text(user, in: bytes),
                     event: eventName(in: bytes), command: text(command, in: bytes), jobPid: jobPid, exitStatus: exitStatus,
                     message: text(message, in: bytes) ?? "")
    }
}

/// Parses lines of one file. `modificationTime` (Unix seconds) gives RFC 3164 stamps their year.
public struct CronLogParser {
    let referenceYear: Int
    /// A day after the file's modification time: later stamps belong to the year before.
    let latest: CivilDateTime

    public init(modificationTime: Int64) {
        let (m, overflow) = modificationTime.addingReportingOverflow(86_400)
        latest = CivilDateTime(epochSeconds: overflow ? modificationTime : m)
        referenceYear = CivilDateTime(epochSeconds: modificationTime).year
    }

    /// The record of a cron line, or nil for any other line (other programs, garbage, empty lines).
    public func parse(_ b: UnsafeBufferPointer<UInt8>) -> CronLogRecord? {
        var r = CronLogRecord.empty
        return parse(b, into: &r) ? r : nil
    }

    /// Fills `r` with the record of a cron line; false (and `r` unspecified) for any other line. The caller's
    /// record is reused from line to line: a record is large, and returning one per line was two copies of it,
    /// a twentieth of cron_runs' time.
    public func parse(_ b: UnsafeBufferPointer<UInt8>, into r: inout CronLogRecord) -> Bool {
        let n = b.count
        guard n >= 16 else { return false }
        if b[0] == 0x7B {  // {
            guard let j = parseJournalJSON(b) else { return false }
            r = j
            return true
        }
        var ts: CivilDateTime
        var i: Int
        if b[3] == 0x20, b[6] == 0x20, b[9] == 0x3A, b[12] == 0x3A {
            // RFC 3164: "Mmm dd HH:MM:SS ".
            guard let month = monthNumber(b[0], b[1], b[2]),
                  let day = twoDigitsOrSpace(b[4], b[5]),
                  let h = twoDigits(b[7], b[8]), let mi = twoDigits(b[10], b[11]), let s = twoDigits(b[13], b[14])
            else { return false }
            ts = CivilDateTime(year: referenceYear, month: month, day: day, hour: h, minute: mi, second: s)
            i = 15
            // Some writers add fractions ("Jan  5 02:00:01.123").
            if i < n, b[i] == 0x2E {
                var frac = 0, digits = 0
                i += 1
                while i < n, isDigit(b[i]) {
                    if digits < 9 { frac = frac * 10 + Int(b[i] - 0x30); digits += 1 }
                    i += 1
                }
                for _ in digits..<9 { frac *= 10 }
                ts.nanosecond = frac
            }
            ts = placeInYear(ts)
        } else if b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x20 {
            // ISO 8601 up to the first space.
            var e = 10
            while e < n, b[e] != 0x20 || e == 10 { e += 1 }
            guard let t = CivilDateTime.parse(bytes: UnsafeBufferPointer(rebasing: b[0..<e])) else { return false }
            ts = t
            i = e
        } else {
            return false
        }
        guard ts.isValid else { return false }
        // Host.
        guard i < n, b[i] == 0x20 else { return false }
        i += 1
        let hostStart = i
        while i < n, b[i] != 0x20 { i += 1 }
        let host = hostStart..<i
        guard i < n else { return false }
        i += 1
        // Tag: "CRON[pid]:", "crond[pid]:", "/usr/sbin/cron[pid]:".
        let tagStart = i
        while i < n, b[i] != 0x5B, b[i] != 0x3A, b[i] != 0x20 { i += 1 }
        guard isCronTag(b, tagStart, i) else {
            // Other programs' lines (most of a syslog) are skipped here, before a record is made for them.
            let other: CronLogRecord?
            if isKernelTag(b, tagStart, i) {
                other = kernelRecord(b, from: i, ts: ts, host: host)
            } else if isPartsTag(b, tagStart, i) {
                other = partsRecord(b, tagStart: tagStart, tagEnd: i, ts: ts, host: host)
            } else {
                return false
            }
            guard let other else { return false }
            r = other
            return true
        }
        guard let (pid, messageStart) = pidAndColon(b, after: i) else { return false }
        i = messageStart
        // Field by field, in place (no record made and copied in).
        r.ts = ts; r.host = host; r.pid = pid; r.user = nil; r.kind = .other; r.word = nil; r.command = nil
        r.jobPid = nil; r.exitStatus = nil; r.message = i..<n; r.decoded = nil
        parseMessage(b, from: i, into: &r)
        return true
    }

    /// A year for a month and day without one: the reference year, or the year before when that would put
    /// the line more than a day after the file was last written.
    func placeInYear(_ t: CivilDateTime) -> CivilDateTime {
        var t = t
        // Whether the date is valid, found once per change of year (it was found three times per line).
        var valid = t.isValid
        if latest < t || !valid { t.year -= 1; valid = t.isValid }
        // Feb 29 goes back to the latest leap year.
        var tries = 0
        while !valid, tries < 8 { t.year -= 1; tries += 1; valid = t.isValid }
        return t
    }

    /// The message after the tag: `(user) WORD (detail)` or a pam_unix session line.
    func parseMessage(_ b: UnsafeBufferPointer<UInt8>, from start: Int, into r: inout CronLogRecord) {
        let n = b.count
        var i = start
        guard i < n else { return }
        if b[i] == 0x28 {  // (user)
            i += 1
            let userStart = i
            while i < n, b[i] != 0x29 { i += 1 }
            guard i < n else { return }
            // `(CRON)` names the daemon itself (its own messages: STARTUP, INFO, error lines), not a user.
            if !(i - userStart == 4 && startsWith(b, userStart, "CRON")) { r.user = userStart..<i }
            i += 1
            guard i < n, b[i] == 0x20 else { return }
            i += 1
            // The event word(s) run to " (" or the end of the line.
            let wordStart = i
            while i < n, !(b[i] == 0x28 && i > wordStart && b[i - 1] == 0x20) { i += 1 }
            var wordEnd = i
            while wordEnd > wordStart, b[wordEnd - 1] == 0x20 { wordEnd -= 1 }
            guard wordEnd > wordStart else { return }
            r.kind = eventKind(b, wordStart, wordEnd)
            if r.kind == .word { r.word = wordStart..<wordEnd }
            guard i < n else { return }
            // Detail: inside the parentheses, to the last ')' of the line.
            let detailStart = i + 1
            var detailEnd = n
            while detailEnd > detailStart, b[detailEnd - 1] == 0x20 { detailEnd -= 1 }
            if detailEnd > detailStart, b[detailEnd - 1] == 0x29 { detailEnd -= 1 }
            guard detailStart <= detailEnd else { return }
            switch r.kind {
            case .cmd, .end, .cmdEnd:
                var c = detailStart
                // "[jobpid] command" (Debian -L 8).
                if c < detailEnd, b[c] == 0x5B {
                    var k = c + 1, v = 0, digits = 0
                    while k < detailEnd, isDigit(b[k]), digits < 10 { v = v * 10 + Int(b[k] - 0x30); digits += 1; k += 1 }
                    if digits > 0, k < detailEnd, b[k] == 0x5D {
                        r.jobPid = v
                        c = k + 1
                        if c < detailEnd, b[c] == 0x20 { c += 1 }
                    }
                }
                r.command = c..<detailEnd
            case .error:
                parseGrandchild(b, detailStart, detailEnd, into: &r)
            default:
                break
            }
            return
        }
        // pam_unix(cron:session): session opened for user alice(uid=1000) by (uid=0)
        if startsWith(b, i, "pam_") {
            r.kind = .pam
            var k = i
            while k + 2 < n, !(b[k] == 0x29 && b[k + 1] == 0x3A && b[k + 2] == 0x20) { k += 1 }
            k += 3
            if startsWith(b, k, "session opened for user ") {
                r.kind = .sessionOpen
                r.user = userName(b, k + 24)
            } else if startsWith(b, k, "session closed for user ") {
                r.kind = .sessionClose
                r.user = userName(b, k + 24)
            }
        }
    }

    /// "grandchild #2705 failed with exit status 3" / "grandchild #2705 terminated by signal 9, dumped core".
    func parseGrandchild(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into r: inout CronLogRecord) {
        guard startsWith(b, s, "grandchild #") else { return }
        var i = s + 12
        var pid = 0, digits = 0
        while i < e, isDigit(b[i]), digits < 10 { pid = pid * 10 + Int(b[i] - 0x30); digits += 1; i += 1 }
        guard digits > 0 else { return }
        r.jobPid = pid
        func number(after phrase: StaticString) -> Int? {
            guard let k = find(b, from: i, phrase), k < e else { return nil }
            var j = k, v = 0, d = 0
            while j < e, isDigit(b[j]), d < 6 { v = v * 10 + Int(b[j] - 0x30); d += 1; j += 1 }
            return d > 0 ? v : nil
        }
        if let status = number(after: " failed with exit status ") {
            r.exitStatus = status
        } else if let signal = number(after: " terminated by signal ") {
            r.exitStatus = 128 + signal  // the shell's convention for a job killed by a signal
        }
    }

    func userName(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> Range<Int> {
        var i = start
        while i < b.count, b[i] != 0x20, b[i] != 0x28 { i += 1 }
        return start..<i
    }

    // MARK: journal JSON (`journalctl -o json`)

    func parseJournalJSON(_ b: UnsafeBufferPointer<UInt8>) -> CronLogRecord? {
        // Cheap filter before decoding: the identifier must mention cron.
        guard find(b, from: 0, "\"SYSLOG_IDENTIFIER\"") != nil,
              containsCron(b) || find(b, from: 0, "\"kernel\"") != nil else { return nil }
        guard let fields = decodeFlatJSONObject(b) else { return nil }
        guard let ident = fields["SYSLOG_IDENTIFIER"], let message = fields["MESSAGE"] else { return nil }
        let kernel = ident == Array("kernel".utf8)
        guard kernel || isCronTag(ident) else { return nil }
        var ts: CivilDateTime?
        var utc: CivilDateTime?
        if let us = fields["__REALTIME_TIMESTAMP"].flatMap({ Int64(String(decoding: $0, as: UTF8.self)) }) {
            let s = us >= 0 ? us / 1_000_000 : (us &- 999_999) / 1_000_000
            let u = CivilDateTime(epochSeconds: s, nanosecond: Int(us &- s &* 1_000_000) &* 1000)
            if u.isValid { utc = u }
        }
        if let st = fields["SYSLOG_TIMESTAMP"], st.count >= 15,
           let local = st.withUnsafeBufferPointer({ rfc3164Stamp($0) }) {
            // The year nearest the UTC time (a local Dec 31 can be Jan 1 in UTC, and the reverse).
            var t = local
            t.year = utc?.year ?? referenceYear
            if let u = utc {
                if t.month == 12 && u.month == 1 { t.year -= 1 }
                if t.month == 1 && u.month == 12 { t.year += 1 }
                t.nanosecond = u.nanosecond
            } else {
                t = placeInYear(t)
            }
            if t.isValid { ts = t }
        }
        guard let time = ts ?? utc else { return nil }
        let pid = (fields["SYSLOG_PID"] ?? fields["_PID"]).flatMap { Int(String(decoding: $0, as: UTF8.self)) }
        let host = fields["_HOSTNAME"].map { String(decoding: $0, as: UTF8.self) }
        var record = CronLogRecord(ts: time, host: nil, pid: pid, user: nil, kind: .other, word: nil, command: nil,
                                   jobPid: nil, exitStatus: nil, message: 0..<message.count,
                                   decoded: DecodedFields(host: host, message: message))
        if kernel {
            guard message.withUnsafeBufferPointer({ parseKernelMessage($0, from: 0, into: &record) }) else { return nil }
            return record
        }
        message.withUnsafeBufferPointer { parseMessage($0, from: 0, into: &record) }
        return record
    }

    func rfc3164Stamp(_ b: UnsafeBufferPointer<UInt8>) -> CivilDateTime? {
        guard b.count >= 15, b[3] == 0x20, b[6] == 0x20, b[9] == 0x3A, b[12] == 0x3A,
              let month = monthNumber(b[0], b[1], b[2]), let day = twoDigitsOrSpace(b[4], b[5]),
              let h = twoDigits(b[7], b[8]), let mi = twoDigits(b[10], b[11]), let s = twoDigits(b[13], b[14])
        else { return nil }
        return CivilDateTime(year: referenceYear, month: month, day: day, hour: h, minute: mi, second: s)
    }
}

// MARK: byte helpers

@inline(__always) private func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// `cron`, `crond`, `CRON`, `CROND`, with any leading path (`/usr/sbin/cron`).
func isCronTag(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var s = start
    var k = start
    while k < end { if b[k] == 0x2F { s = k + 1 }; k += 1 }
    let len = end - s
    guard len == 4 || len == 5 else { return false }
    guard lower(b[s]) == 0x63, lower(b[s + 1]) == 0x72, lower(b[s + 2]) == 0x6F, lower(b[s + 3]) == 0x6E else {
        return false
    }
    return len == 4 || lower(b[s + 4]) == 0x64
}

func isCronTag(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { isCronTag($0, 0, $0.count) }
}

private func containsCron(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    while i + 4 <= b.count {
        if lower(b[i]) == 0x63, lower(b[i + 1]) == 0x72, lower(b[i + 2]) == 0x6F, lower(b[i + 3]) == 0x6E { return true }
        i += 1
    }
    return false
}

func startsWith(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    guard at >= 0, at + n <= b.count else { return false }
    guard n > 0 else { return true }
    guard let base = b.baseAddress else { return false }
    return memcmp(base + at, s.utf8Start, n) == 0  // (a byte loop here was a percent or two of cron_runs)
}

/// The index just past the first occurrence of `s` at or after `from`.
func find(_ b: UnsafeBufferPointer<UInt8>, from: Int, _ s: StaticString) -> Int? {
    let n = s.utf8CodeUnitCount
    guard n > 0, from >= 0 else { return nil }
    var i = from
    while i + n <= b.count {
        if startsWith(b, i, s) { return i + n }
        i += 1
    }
    return nil
}

private func twoDigits(_ a: UInt8, _ b: UInt8) -> Int? {
    guard isDigit(a), isDigit(b) else { return nil }
    return Int(a - 0x30) * 10 + Int(b - 0x30)
}

private func twoDigitsOrSpace(_ a: UInt8, _ b: UInt8) -> Int? {
    guard isDigit(b) else { return nil }
    if a == 0x20 { return Int(b - 0x30) }
    return twoDigits(a, b)
}

private func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
    switch (lower(a), lower(b), lower(c)) {
    case (0x6A, 0x61, 0x6E): return 1   // jan
    case (0x66, 0x65, 0x62): return 2   // feb
    case (0x6D, 0x61, 0x72): return 3   // mar
    case (0x61, 0x70, 0x72): return 4   // apr
    case (0x6D, 0x61, 0x79): return 5   // may
    case (0x6A, 0x75, 0x6E): return 6   // jun
    case (0x6A, 0x75, 0x6C): return 7   // jul
    case (0x61, 0x75, 0x67): return 8   // aug
    case (0x73, 0x65, 0x70): return 9   // sep
    case (0x6F, 0x63, 0x74): return 10  // oct
    case (0x6E, 0x6F, 0x76): return 11  // nov
    case (0x64, 0x65, 0x63): return 12  // dec
    default: return nil
    }
}

/// The kind of the daemon's event word (`error` and `info` are Debian's lower-case words).
private func eventKind(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> CronEventKind {
    let len = e - s
    func eq(_ w: StaticString) -> Bool {
        guard w.utf8CodeUnitCount == len else { return false }
        let p = w.utf8Start
        for k in 0..<len where lower(b[s + k]) != lower(p[k]) { return false }
        return true
    }
    switch len {
    case 3: return eq("CMD") ? .cmd : eq("END") ? .end : .word
    case 4: return eq("info") ? .info : eq("MAIL") ? .mail : .word
    case 5: return eq("error") ? .error : .word
    case 6: return eq("CMDEND") ? .cmdEnd : eq("CMDOUT") ? .cmdOut : eq("RELOAD") ? .reload : .word
    case 7: return eq("STARTUP") ? .startup : .word
    default: return .word
    }
}
