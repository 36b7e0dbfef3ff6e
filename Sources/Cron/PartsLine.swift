// The lines of the programs cron hands its daily, hourly, weekly and monthly folders to — the only record of which
// scripts ran:
//
//   run-parts(/etc/cron.hourly)[4410]: starting 0anacron        cronie's run-parts (logger -t "run-parts($1)[$$]")
//   run-parts(/etc/cron.hourly)[4417]: finished 0anacron
//   anacron[880]: Job `cron.daily' started                        anacron (Debian's and cronie's)
//   anacron[880]: Job `cron.daily' terminated (exit status: 1) (mailing output)
//
// Debian's run-parts logs nothing: there the scripts of a folder are only what it holds (see cron_runs' `parts`).
// `command` is the script's name (`user` its folder) or anacron's job name; `exit_status` anacron's status.
import StrataCommon

extension CronLogParser {
    /// After a syslog tag: an optional "[pid]", then ":" and one optional space. The pid and where the message
    /// starts; nil when the line has no such tail (not a line of this program).
    func pidAndColon(_ b: UnsafeBufferPointer<UInt8>, after tagEnd: Int) -> (pid: Int?, messageStart: Int)? {
        let n = b.count
        var i = tagEnd
        var pid: Int?
        if i < n, b[i] == 0x5B {
            i += 1
            var v = 0, digits = 0
            while i < n, isDigit(b[i]), digits < 10 { v = v * 10 + Int(b[i] - 0x30); digits += 1; i += 1 }
            guard digits > 0, i < n, b[i] == 0x5D else { return nil }
            pid = v
            i += 1
        }
        guard i < n, b[i] == 0x3A else { return nil }
        i += 1
        if i < n, b[i] == 0x20 { i += 1 }
        return (pid, i)
    }

    /// Whether the tag `b[tagStart..<tagEnd]` is run-parts' (`run-parts(/etc/cron.daily)`) or anacron's.
    func isPartsTag(_ b: UnsafeBufferPointer<UInt8>, _ tagStart: Int, _ tagEnd: Int) -> Bool {
        startsWith(b, tagStart, "run-parts(") || (tagEnd - tagStart == 7 && startsWith(b, tagStart, "anacron"))
    }

    /// The record of a run-parts or anacron line about a script or job; nil for anything else. `tagEnd` is the
    /// index just after the tag.
    func partsRecord(_ b: UnsafeBufferPointer<UInt8>, tagStart: Int, tagEnd: Int, ts: CivilDateTime,
                     host: Range<Int>?) -> CronLogRecord? {
        let n = b.count
        guard isPartsTag(b, tagStart, tagEnd) else { return nil }
        let isRunParts = startsWith(b, tagStart, "run-parts(")
        guard let (pid, messageStart) = pidAndColon(b, after: tagEnd) else { return nil }
        let i = messageStart
        var r = CronLogRecord(ts: ts, host: host, pid: pid, user: nil, kind: .other, word: nil, command: nil,
                              jobPid: nil, exitStatus: nil, message: i..<n, decoded: nil)
        if isRunParts {
            // "run-parts(/etc/cron.hourly)": the folder is the tag's parenthesis.
            let started = startsWith(b, i, "starting ")
            guard started || startsWith(b, i, "finished ") else { return nil }
            var e = n
            while e > i + 9, b[e - 1] == 0x20 || b[e - 1] == 0x0D { e -= 1 }
            guard e > i + 9 else { return nil }
            // The tag must close its parenthesis: "run-parts(" alone (a damaged line) names no folder.
            guard tagEnd - tagStart >= 11, b[tagEnd - 1] == 0x29 else { return nil }
            r.kind = started ? .partStart : .partEnd
            r.user = (tagStart + 10)..<(tagEnd - 1)   // the folder, inside run-parts(...)
            r.command = (i + 9)..<e                  // the script's name
            return r
        }
        // anacron: "Job `cron.daily' started" / "Job `cron.daily' terminated[ (exit status: N)][ ...]".
        guard startsWith(b, i, "Job `") else { return nil }
        let s = i + 5
        var e = s
        while e < n, b[e] != 0x27 { e += 1 }
        guard e < n, e > s else { return nil }
        r.command = s..<e
        if startsWith(b, e, "' started") {
            r.kind = .anacronStart
        } else if startsWith(b, e, "' terminated") {
            r.kind = .anacronEnd
            if let k = find(b, from: e, "(exit status: ") {
                var v = 0, digits = 0, j = k
                while j < n, isDigit(b[j]), digits < 6 { v = v * 10 + Int(b[j] - 0x30); digits += 1; j += 1 }
                if digits > 0 { r.exitStatus = v }
            } else if let k = find(b, from: e, "due to signal ") {
                var v = 0, digits = 0, j = k
                while j < n, isDigit(b[j]), digits < 4 { v = v * 10 + Int(b[j] - 0x30); digits += 1; j += 1 }
                if digits > 0 { r.exitStatus = 128 + v }
            } else {
                r.exitStatus = 0
            }
        } else {
            return nil
        }
        return r
    }
}

/// The folder a command hands to run-parts (`run-parts --report /etc/cron.daily`), or nil.
public func runPartsFolder(_ command: String) -> String? {
    let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" || $0 == "{" || $0 == "}" })
    guard let k = words.firstIndex(where: { $0 == "run-parts" || $0.hasSuffix("/run-parts") }) else { return nil }
    var i = words.index(after: k)
    while i < words.endIndex {
        let w = words[i]
        if w.hasPrefix("-") {
            // Options with a separate argument.
            if w == "-u" || w == "--umask" || w == "--arg" || w == "-a" || w == "--regex" { i = words.index(after: i) }
            i = words.index(after: i)
            continue
        }
        if w == "&&" || w == "||" || w == "|" { return nil }
        return String(w)
    }
    return nil
}

/// Whether Debian's run-parts runs a file of this name (its default: letters, digits, `_` and `-` only).
public func runPartsRunsName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy { c in
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }
}

/// Debian's /etc/crontab lines for cron.daily, weekly and monthly defer to anacron when it is installed
/// (`test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }`): the line then runs nothing,
/// and anacron runs the folder (logged as anacron's `Job `cron.daily' started`).
public func defersToAnacron(_ command: String) -> Bool {
    command.contains("/usr/sbin/anacron") && command.contains("||") && runPartsFolder(command) != nil
}
