// Unit tests of the cron log line parser and of rebuilding runs from events: each daemon's line shapes,
// RFC 3164 years from the file time, journal JSON, garbage that must be skipped, and pid/session pairing.
import Testing
import StrataCommon
@testable import Cron

private func parse(_ line: String, mtime: String = "2024-03-05 06:00:00") -> CronLogEvent? {
    let m = CivilDateTime.parse(mtime)?.epochSeconds ?? 0
    let parser = CronLogParser(modificationTime: m)
    var text = line
    return text.withUTF8 { b in parser.parse(b).map { $0.owned(line: 1, bytes: b) } }
}

private func t(_ s: String) -> CivilDateTime { CivilDateTime.parse(s) ?? CivilDateTime(year: 1, month: 1, day: 1) }

@Suite struct LogLines {
    @Test func debianShapes() {
        let cmd = parse("Mar  5 02:00:01 web1 CRON[4300]: (ml) CMD ([4304] /opt/x.py >> /l/x.log 2>&1)")
        #expect(cmd?.ts == t("2024-03-05 02:00:01") && cmd?.host == "web1" && cmd?.pid == 4300)
        #expect(cmd?.user == "ml" && cmd?.event == "CMD" && cmd?.jobPid == 4304 && cmd?.command == "/opt/x.py >> /l/x.log 2>&1")
        let plain = parse("Mar  5 02:00:01 web1 CRON[4304]: (ml) CMD (echo (nested) parens)")
        #expect(plain?.command == "echo (nested) parens" && plain?.jobPid == nil)
        let err = parse("Mar  5 02:00:07 web1 CRON[4302]: (CRON) error (grandchild #4305 failed with exit status 3)")
        #expect(err?.event == "ERROR" && err?.jobPid == 4305 && err?.exitStatus == 3 && err?.user == "CRON")
        let sig = parse("Mar  5 04:10:00 web1 CRON[4700]: (CRON) error (grandchild #4703 terminated by signal 9, dumped core)")
        #expect(sig?.exitStatus == 137 && sig?.jobPid == 4703)
        let info = parse("Mar  5 02:00:07 web1 CRON[4302]: (CRON) info (No MTA installed, discarding output)")
        #expect(info?.event == "INFO" && info?.message == "(CRON) info (No MTA installed, discarding output)")
        let open = parse("Mar  5 02:00:01 web1 CRON[4300]: pam_unix(cron:session): session opened for user ml(uid=1001) by (uid=0)")
        #expect(open?.event == "SESSION_OPEN" && open?.user == "ml")
        let close = parse("Mar  5 02:07:13 web1 CRON[4300]: pam_unix(cron:session): session closed for user ml")
        #expect(close?.event == "SESSION_CLOSE" && close?.user == "ml")
        let odd = parse("Mar  5 02:07:13 web1 cron[1]: (root) BAD FILE MODE (/etc/cron.d/x)")
        #expect(odd?.event == "BAD FILE MODE")
    }

    @Test func cronieAndISO() {
        let c = parse("2024-03-05T02:00:01.003000+01:00 db2 CROND[4305]: (ml) CMD (/opt/ml/ingest.sh)")
        #expect(c?.ts == t("2024-03-05 02:00:01.003") && c?.pid == 4305 && c?.event == "CMD")
        let e = parse("2024-03-05T02:00:05+0100 db2 CROND[4302]: (ml) CMDEND (/opt/ml/ingest.sh)")
        #expect(e?.event == "CMDEND" && e?.command == "/opt/ml/ingest.sh")
        #expect(parse("2024-03-05T02:00:05+0100 db2 /usr/sbin/crond[4302]: (root) RELOAD (x)")?.event == "RELOAD")
    }

    @Test func yearFromModificationTime() {
        #expect(parse("Dec 31 23:59:01 h CRON[1]: (root) CMD (x)", mtime: "2024-01-01 00:05:00")?.ts.year == 2023)
        #expect(parse("Jan  1 00:00:01 h CRON[1]: (root) CMD (x)", mtime: "2024-01-01 00:05:00")?.ts.year == 2024)
        // A Feb 29 in a file written in a common year goes back to the last leap year.
        #expect(parse("Feb 29 10:00:00 h CRON[1]: (root) CMD (x)", mtime: "2025-03-01 00:00:00")?.ts.year == 2024)
        #expect(parse("Feb 29 10:00:00 h CRON[1]: (root) CMD (x)", mtime: "2025-01-10 00:00:00")?.ts.year == 2024)
        // In a leap year's January, this year's Feb 29 is still to come: the leap year before.
        #expect(parse("Feb 29 10:00:00 h CRON[1]: (root) CMD (x)", mtime: "2024-01-10 00:00:00")?.ts.year == 2020)
        #expect(parse("Feb 29 10:00:00 h CRON[1]: (root) CMD (x)", mtime: "2024-03-01 00:00:00")?.ts.year == 2024)
    }

    @Test func journalJSON() {
        let j = parse(#"{"__REALTIME_TIMESTAMP":"1709600401500000","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"CRON","_PID":"4304","MESSAGE":"(ml) CMD (a \"b\" \\ c)","X":[1,{"y":null}]}"#)
        #expect(j?.ts == t("2024-03-05 01:00:01.5") && j?.host == "web1" && j?.pid == 4304 && j?.command == #"a "b" \ c"#)
        #expect(parse(#"{"SYSLOG_IDENTIFIER":"sshd","MESSAGE":"(ml) CMD (x)","__REALTIME_TIMESTAMP":"1"}"#) == nil)
    }

    @Test func garbageIsSkipped() {
        for g in ["", "x", "Mar 32 02:00:00 h CRON[1]: (a) CMD (b)", "Mar  5 02:00:01 web1 sshd[1]: (a) CMD (b)",
                  "Mar  5 02:00:01 web1 CRON[x]: (a) CMD (b)", "Mar  5 02:00:01 web1", "Mar  5 02:00:01 web1 CRON",
                  "{", "{\"SYSLOG_IDENTIFIER\":\"CRON\"", "2024-13-05T02:00:01 h CRON[1]: (a) CMD (b)",
                  "Foo  5 02:00:01 web1 CRON[1]: (a) CMD (b)", "Mar  5 02:00:01 web1 CRON[99999999999999]: (a) CMD (b)"] {
            #expect(parse(g) == nil, "\(g)")
        }
        // Truncated messages still parse as far as they go.
        #expect(parse("Mar  5 02:00:01 web1 CRON[1]: (root) CMD (unterminated")?.command == "unterminated")
        #expect(parse("Mar  5 02:00:01 web1 CRON[1]: (root")?.event == "OTHER")
    }
}

@Suite struct Runs {
    private func ev(_ ts: String, _ pid: Int, _ event: String, user: String? = "ml", command: String? = nil,
                    jobPid: Int? = nil, exit: Int? = nil) -> CronLogEvent {
        CronLogEvent(line: 0, ts: t(ts), host: "h", pid: pid, user: user, event: event, command: command,
                     jobPid: jobPid, exitStatus: exit, message: "")
    }

    @Test func debianDefaultPairsSessionsByPid() {
        var b = RunBuilder()
        b.add(ev("2024-01-01 02:00:01", 100, "SESSION_OPEN"))
        b.add(ev("2024-01-01 02:00:01", 102, "SESSION_OPEN"))
        b.add(ev("2024-01-01 02:00:01", 104, "CMD", command: "b"))
        b.add(ev("2024-01-01 02:00:01", 101, "CMD", command: "a"))
        b.add(ev("2024-01-01 02:00:09", 102, "SESSION_CLOSE"))
        b.add(ev("2024-01-01 02:05:00", 100, "SESSION_CLOSE"))
        #expect(b.runs.map(\.command) == ["b", "a"])
        #expect(b.runs.map(\.endedAt) == [t("2024-01-01 02:00:09"), t("2024-01-01 02:05:00")])
        #expect(b.endsLogged && !b.failuresLogged)
    }

    @Test func errorThenEndKeepsTheErrorTime() {
        var b = RunBuilder()
        b.add(ev("2024-01-01 02:00:01", 200, "CMD", command: "x", jobPid: 201))
        b.add(ev("2024-01-01 02:00:01", 300, "CMD", command: "x", jobPid: 301))
        b.add(ev("2024-01-01 02:00:05", 200, "ERROR", user: "CRON", jobPid: 201, exit: 2))
        b.add(ev("2024-01-01 02:00:06", 200, "END", command: "x", jobPid: 201))
        #expect(b.runs[0].failed && b.runs[0].exitStatus == 2 && b.runs[0].endedAt == t("2024-01-01 02:00:05"))
        #expect(b.runs[1].endedAt == nil)  // the END of run 0 must not close run 1
    }

    @Test func cronieEndsByCommand() {
        var b = RunBuilder()
        b.add(ev("2024-01-01 02:00:01", 501, "CMD", command: "x"))
        b.add(ev("2024-01-01 02:01:01", 601, "CMD", command: "x"))
        b.add(ev("2024-01-01 02:01:30", 500, "CMDEND", command: "x"))
        #expect(b.runs[0].endedAt == t("2024-01-01 02:01:30") && b.runs[1].endedAt == nil)
    }

    @Test func matcherStatuses() throws {
        let job = ScheduledJob(schedule: try CronSchedule(parsing: "0 * * * *"), user: nil, rawCommand: "x", command: "x",
                               logPath: nil, path: "p", line: 1)
        var b = RunBuilder()
        b.add(ev("2024-01-01 00:00:30", 1, "CMD", command: "x", jobPid: 2))
        b.add(ev("2024-01-01 00:00:40", 1, "END", command: "x", jobPid: 2))
        b.add(ev("2024-01-01 02:30:00", 3, "CMD", command: "x", jobPid: 4))
        b.add(ev("2024-01-01 02:31:00", 3, "END", command: "x", jobPid: 4))
        b.add(ev("2024-01-01 02:40:00", 5, "CMD", command: "x", jobPid: 6))
        let rows = try RunMatcher().match(jobs: [job], history: b, start: t("2024-01-01 00:00"), end: t("2024-01-01 03:00"))
        #expect(rows.map(\.status) == ["ok", "missed", "late", "unscheduled"])
        #expect(rows[0].duration == 10)
    }
}
