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
        #expect(err?.event == "ERROR" && err?.jobPid == 4305 && err?.exitStatus == 3 && err?.user == nil)
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

    private func build(_ events: [CronLogEvent]) -> CronHistory {
        var b = RunBuilder()
        for e in events { b.add(e) }
        return b.build()
    }

    @Test func oneCandidateSessionPairs() {
        // Two sessions, but only 100 was open before CMD 101 and is below it; 102 is then the only one left for 104.
        let h = build([
            ev("2024-01-01 02:00:01", 100, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 101, "CMD", command: "a"),
            ev("2024-01-01 02:00:01", 102, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 104, "CMD", command: "b"),
            ev("2024-01-01 02:00:09", 102, "SESSION_CLOSE"),
            ev("2024-01-01 02:05:00", 100, "SESSION_CLOSE"),
        ])
        #expect(h.runs.map(\.command) == ["a", "b"])
        #expect(h.runs.map(\.endedAt) == [t("2024-01-01 02:05:00"), t("2024-01-01 02:00:09")])
        #expect(h.endsLogged && !h.failuresLogged)
    }

    @Test func aBurstWithoutTiesIsNotGuessed() {
        // The daemon forks both parents (100, 101) before either job (102, 103): either pairing fits the lines.
        let h = build([
            ev("2024-01-01 02:00:01", 100, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 101, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 102, "CMD", command: "a"),
            ev("2024-01-01 02:00:01", 103, "CMD", command: "b"),
            ev("2024-01-01 02:00:04", 101, "SESSION_CLOSE"),
            ev("2024-01-01 02:00:09", 100, "SESSION_CLOSE"),
        ])
        #expect(h.runs.allSatisfy { $0.endedAt == nil && $0.endUnknown != nil })
        #expect(h.runs.allSatisfy { $0.endBound == t("2024-01-01 02:00:09") })
        // Ends within one second of each other are known to that second whichever pairing is true.
        let same = build([
            ev("2024-01-01 02:00:01", 100, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 101, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 102, "CMD", command: "a"),
            ev("2024-01-01 02:00:01", 103, "CMD", command: "b"),
            ev("2024-01-01 02:00:04.2", 101, "SESSION_CLOSE"),
            ev("2024-01-01 02:00:04.9", 100, "SESSION_CLOSE"),
        ])
        #expect(same.runs.allSatisfy { $0.endedAt != nil && $0.endUnknown == nil })
    }

    @Test func endLinesNameTheCommandOfTheirSession() {
        // cronie: the parent's CMDEND names the command, so the burst pairs.
        let h = build([
            ev("2024-01-01 02:00:01", 100, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 101, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 102, "CMD", command: "a"),
            ev("2024-01-01 02:00:01", 103, "CMD", command: "b"),
            ev("2024-01-01 02:00:04", 101, "CMDEND", command: "a"),
            ev("2024-01-01 02:00:04", 101, "SESSION_CLOSE"),
            ev("2024-01-01 02:00:09", 100, "CMDEND", command: "b"),
            ev("2024-01-01 02:00:09", 100, "SESSION_CLOSE"),
        ])
        #expect(h.runs.map(\.endedAt) == [t("2024-01-01 02:00:04"), t("2024-01-01 02:00:09")])
        #expect(h.runs.map(\.cronPid) == [101, 100])
    }

    @Test func anEndAfterItsSessionClosedInTheSameSecond() {
        // Whole-second stamps in two files (auth.log read before syslog): the close can come before the CMDEND.
        let h = build([
            ev("2024-01-01 02:00:01", 100, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 101, "SESSION_OPEN"),
            ev("2024-01-01 02:00:01", 102, "CMD", command: "a"),
            ev("2024-01-01 02:00:01", 103, "CMD", command: "b"),
            ev("2024-01-01 02:00:04", 101, "SESSION_CLOSE"),
            ev("2024-01-01 02:00:04", 101, "CMDEND", command: "a"),
            ev("2024-01-01 02:00:09", 100, "SESSION_CLOSE"),
            ev("2024-01-01 02:00:09", 100, "CMDEND", command: "b"),
        ])
        #expect(h.runs.map(\.endedAt) == [t("2024-01-01 02:00:04"), t("2024-01-01 02:00:09")])
    }

    @Test func errorThenEndKeepsTheErrorTime() {
        let h = build([
            ev("2024-01-01 02:00:01", 200, "CMD", command: "x", jobPid: 201),
            ev("2024-01-01 02:00:01", 300, "CMD", command: "x", jobPid: 301),
            ev("2024-01-01 02:00:05", 200, "ERROR", user: "CRON", jobPid: 201, exit: 2),
            ev("2024-01-01 02:00:06", 200, "END", command: "x", jobPid: 201),
        ])
        #expect(h.runs[0].failed && h.runs[0].exitStatus == 2 && h.runs[0].endedAt == t("2024-01-01 02:00:05"))
        #expect(h.runs[1].endedAt == nil)  // the END of run 0 must not close run 1
    }

    @Test func endsWithoutSessionsByCommand() {
        let h = build([
            ev("2024-01-01 02:00:01", 501, "CMD", command: "x"),
            ev("2024-01-01 02:01:01", 601, "CMD", command: "x"),
            ev("2024-01-01 02:01:30", 500, "CMDEND", command: "x"),
        ])
        #expect(h.runs[0].endedAt == t("2024-01-01 02:01:30") && h.runs[1].endedAt == nil)
    }

    @Test func kernelKillsAreEvidence() {
        // The OOM killer kills a child of job 11 (pid 13) while job 21 (pid 22, started later) is going too.
        let h = build([
            ev("2024-01-01 02:00:01", 11, "CMD", command: "train"),
            ev("2024-01-01 02:00:02", 21, "CMD", command: "other"),
            ev("2024-01-01 02:00:03", 0, "OOM_KILL", user: nil, command: "python3", jobPid: 13),
            ev("2024-01-01 02:00:04", 0, "SEGFAULT", user: nil, command: "python3", jobPid: 21),
        ])
        #expect(h.runs[0].failed && h.runs[0].evidence?.hasPrefix("killed by the OOM killer: pid 13 (python3)") == true)
        #expect(h.runs[1].failed && h.runs[1].evidence == "segfault: pid 21 (python3)")
        // A process killed before the job started is not its.
        let before = build([
            ev("2024-01-01 02:00:00", 0, "OOM_KILL", user: nil, command: "java", jobPid: 50),
            ev("2024-01-01 02:00:01", 11, "CMD", command: "train"),
        ])
        #expect(!before.runs[0].failed)
    }

    @Test func matcherStatuses() throws {
        let job = ScheduledJob(schedule: try CronSchedule(parsing: "0 * * * *"), user: nil, rawCommand: "x", command: "x",
                               logPath: nil, path: "p", line: 1)
        let h = build([
            ev("2024-01-01 00:00:30", 1, "CMD", command: "x", jobPid: 2),
            ev("2024-01-01 00:00:40", 1, "END", command: "x", jobPid: 2),
            ev("2024-01-01 02:30:00", 3, "CMD", command: "x", jobPid: 4),
            ev("2024-01-01 02:31:00", 3, "END", command: "x", jobPid: 4),
            ev("2024-01-01 02:40:00", 5, "CMD", command: "x", jobPid: 6),
        ])
        let span = HistorySpan(first: t("2024-01-01 00:00:00"), last: t("2024-01-01 02:45:00"))
        let rows = try RunMatcher().match(jobs: [job], history: h, span: span, start: t("2024-01-01 00:00"),
                                          end: t("2024-01-01 04:00"))
        // No exit status is logged at this level: a run that ended is `ended`, never `ok`.
        #expect(rows.map(\.status) == ["ended", "missed", "late", "unscheduled", "unknown"])
        #expect(rows.map(\.outcome) == ["ended", nil, "ended", "running", nil])
        #expect(rows[0].duration == 10)
        #expect(rows[4].evidence == "outside the history: the history covers 2024-01-01 00:00:00 to 2024-01-01 02:45:00")
        var failed = rows[0]
        RunMatcher.apply(logFinding: "ERROR in its log at 2024-01-01 00:00:35.120: boom", to: &failed)
        #expect(failed.status == "failed" && failed.outcome == "failed")
    }
}

@Suite struct KernelLines {
    @Test func oomAndSegfault() {
        let oom = parse("2026-11-28T10:28:01.557535+00:00 vm kernel: [ 5215.603654] Memory cgroup out of memory: Killed process 10484 (python3) total-vm:79752kB, anon-rss:68096kB")
        #expect(oom?.event == "OOM_KILL" && oom?.jobPid == 10484 && oom?.command == "python3" && oom?.pid == nil)
        let old = parse("Mar  5 02:00:01 web1 kernel: Out of memory: Killed process 1234 (python) total-vm:1kB")
        #expect(old?.event == "OOM_KILL" && old?.jobPid == 1234 && old?.command == "python")
        let segv = parse("2026-11-28T10:27:02.177544+00:00 vm kernel: [ 5156.224376] python3[9193]: segfault at 0 ip 00007f8dc48b1ad8 sp 00007ffd01eabe78 error 4 in libc.so.6[167ad8,7f8dc4770000+156000]")
        #expect(segv?.event == "SEGFAULT" && segv?.jobPid == 9193 && segv?.command == "python3")
        let trap = parse("Mar  5 02:00:01 web1 kernel: traps: java[77] general protection fault ip:1 sp:2 error:0")
        #expect(trap?.event == "TRAP" && trap?.jobPid == 77 && trap?.command == "java")
        for other in ["Mar  5 02:00:01 web1 kernel: [ 5.1] python3 invoked oom-killer: gfp_mask=0xcc0",
                      "Mar  5 02:00:01 web1 kernel: Code: e1 ff ff ff c3 66 2e 0f 1f 84 00",
                      "Mar  5 02:00:01 web1 kernel: [ 5215.595709] Memory cgroup stats for /strata-oom:"] {
            #expect(parse(other) == nil, "\(other)")
        }
        let journal = parse(#"{"__REALTIME_TIMESTAMP":"1709600401500000","SYSLOG_IDENTIFIER":"kernel","MESSAGE":"Out of memory: Killed process 99 (ruby) total-vm:1kB"}"#)
        #expect(journal?.event == "OOM_KILL" && journal?.jobPid == 99)
    }
}

@Suite struct JobLogEvidence {
    private func rec(_ ts: String, _ level: String? = nil, _ message: String = "m", tb: String? = nil) -> JobLogRecord {
        JobLogRecord(time: t(ts), failureLevel: level, message: message, traceback: tb)
    }

    @Test func wholeSecondEndsHoldTheirMilliseconds() {
        // The run is logged as 06:48:01 - 06:48:04 (whole seconds); its ERROR at 06:48:04.216 is its own.
        let runs = [JobLogRun(id: 1, start: t("2024-01-01 06:48:01"), end: t("2024-01-01 06:48:04")),
                    JobLogRun(id: 2, start: t("2024-01-01 06:50:01"), end: t("2024-01-01 06:50:03"))]
        let found = LogEvidence.attribute(records: [
            rec("2024-01-01 06:48:01.140", nil, "started"),
            rec("2024-01-01 06:48:04.216", "ERROR", "CUDA out of memory"),
            rec("2024-01-01 06:50:01.100", nil, "started"),
            rec("2024-01-01 06:50:05.000", "ERROR", "after the run"),
        ], fileEnd: t("2024-01-01 06:50:05"), runs: runs)
        #expect(found == [1: "ERROR in its log at 2024-01-01 06:48:04.216: CUDA out of memory"])
    }

    @Test func uncaughtTracebacks() {
        let runs = [JobLogRun(id: 1, start: t("2024-01-01 02:00:01"), end: t("2024-01-01 02:00:03")),
                    JobLogRun(id: 2, start: t("2024-01-01 02:02:01"), end: t("2024-01-01 02:02:03")),
                    JobLogRun(id: 3, start: t("2024-01-01 02:04:01"), end: t("2024-01-01 02:04:02"))]
        let found = LogEvidence.attribute(records: [
            rec("2024-01-01 02:00:01.3", nil, "started", tb: "RuntimeError: empty"),   // the last thing run 1 wrote
            rec("2024-01-01 02:02:01.3", nil, "started", tb: "ValueError: handled"),  // run 2 went on after it
            // Run 3 crashed before logging: its traceback follows run 2's last record, at the end of the file,
            // which was last written during run 3.
            rec("2024-01-01 02:02:02.0", nil, "done", tb: "ImportError: no module"),
        ], fileEnd: t("2024-01-01 02:04:02"), runs: runs)
        #expect(found[1] == "uncaught traceback in its log: RuntimeError: empty")
        #expect(found[2] == nil)
        #expect(found[3] == "uncaught traceback in its log: ImportError: no module")
        // Between two runs' records, a traceback is the earlier run's: the later one logged after it, so it was alive.
        let between = LogEvidence.attribute(records: [
            rec("2024-01-01 02:00:01.3", nil, "started", tb: "RuntimeError: empty"),
            rec("2024-01-01 02:04:01.5", nil, "started"),
        ], fileEnd: t("2024-01-01 02:04:02"), runs: [runs[0], runs[2]])
        #expect(between == [1: "uncaught traceback in its log: RuntimeError: empty"])
        // Two runs it could be (run 2 crashed before logging, or run 1 at its end): neither.
        let unsure = LogEvidence.attribute(records: [
            rec("2024-01-01 02:00:01.3", nil, "started", tb: "RuntimeError: empty"),
            rec("2024-01-01 02:04:01.5", nil, "started"),
        ], fileEnd: t("2024-01-01 02:04:02"), runs: runs)
        #expect(unsure.isEmpty)
    }

    @Test func exceptionLine() {
        var text = "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n    main()\nRuntimeError: crash: the input table is empty\n"
        let line = text.withUTF8 { tracebackException($0) }
        #expect(line == "RuntimeError: crash: the input table is empty")
        var none = "INFO fine\n"
        #expect(none.withUTF8 { tracebackException($0) } == nil)
    }
}

@Suite struct LogPaths {
    @Test func dateSubstitutionsAndHomes() {
        let at = t("2024-03-05 02:00:01")
        #expect(resolveLogPath("/logs/backup-$(date +%F).log", at: at, home: nil) == ResolvedLogPath(path: "/logs/backup-2024-03-05.log"))
        #expect(resolveLogPath("/logs/b-`date +%Y%m%d-%H`.log", at: at, home: nil).path == "/logs/b-20240305-02.log")
        #expect(resolveLogPath("/logs/$(date \"+%Y-%m-%d_%a\").log", at: at, home: nil).path == "/logs/2024-03-05_Tue.log")
        #expect(resolveLogPath("/logs/$(date -I).log", at: at, home: nil).path == "/logs/2024-03-05.log")
        #expect(resolveLogPath("logs/x.log", at: at, home: "/home/alice").path == "/home/alice/logs/x.log")
        #expect(resolveLogPath("~/x.log", at: at, home: "/root").path == "/root/x.log")
        #expect(resolveLogPath("$HOME/x.log", at: at, home: "/home/bob/").path == "/home/bob/x.log")
        #expect(resolveLogPath("/dev/null", at: at, home: nil).path == nil)
        let raw = resolveLogPath("/logs/$(hostname).log", at: at, home: nil)
        #expect(raw.path == "/logs/$(hostname).log" && raw.note?.contains("not a date format") == true)
        let rel = resolveLogPath("x.log", at: at, home: nil)
        #expect(rel.path == "x.log" && rel.note?.contains("home") == true)
    }

    @Test func redirectionTargetsKeepSubstitutions() {
        #expect(stdoutRedirection("/opt/b.sh >> /logs/backup-$(date +%F).log 2>&1") == "/logs/backup-$(date +%F).log")
        #expect(stdoutRedirection("x > /l/`date +%F`.log") == "/l/`date +%F`.log")
    }
}

@Suite struct PartsLines {
    @Test func runPartsAndAnacron() {
        let start = parse("2024-03-05T02:01:01.100+01:00 db2 run-parts(/etc/cron.hourly)[4410]: starting 0anacron")
        #expect(start?.event == "PART_START" && start?.user == "/etc/cron.hourly" && start?.command == "0anacron")
        let end = parse("Mar  5 02:01:01 db2 run-parts(/etc/cron.hourly)[4417]: finished 0anacron")
        #expect(end?.event == "PART_END" && end?.command == "0anacron" && end?.pid == 4417)
        let a = parse("Mar  5 07:35:01 web1 anacron[880]: Job `cron.daily' started")
        #expect(a?.event == "ANACRON_START" && a?.command == "cron.daily")
        let b = parse("Mar  5 07:36:12 web1 anacron[880]: Job `cron.daily' terminated (exit status: 1) (mailing output)")
        #expect(b?.event == "ANACRON_END" && b?.exitStatus == 1)
        #expect(parse("Mar  5 07:36:12 web1 anacron[880]: Job `cron.daily' terminated")?.exitStatus == 0)
        #expect(parse("Mar  5 07:36:12 web1 anacron[880]: Normal exit (1 job run)") == nil)
        #expect(parse("Mar  5 07:36:12 web1 run-parts(/etc/cron.daily)[9]: something else") == nil)
    }

    @Test func foldersAndNames() {
        #expect(runPartsFolder("cd / && run-parts --report /etc/cron.hourly") == "/etc/cron.hourly")
        #expect(runPartsFolder("test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }") == "/etc/cron.daily")
        #expect(runPartsFolder("/bin/run-parts -u 022 /etc/cron.weekly") == "/etc/cron.weekly")
        #expect(runPartsFolder("/opt/x.sh") == nil)
        #expect(runPartsRunsName("0anacron") && runPartsRunsName("apt-compat") && !runPartsRunsName("x.dpkg-old")
                && !runPartsRunsName("README.md"))
    }

    @Test func runsGetTheScriptsLoggedDuringThem() {
        func ev(_ ts: String, _ pid: Int, _ event: String, user: String?, command: String?) -> CronLogEvent {
            CronLogEvent(line: 0, ts: t(ts), host: "h", pid: pid, user: user, event: event, command: command,
                         jobPid: nil, exitStatus: nil, message: "")
        }
        var b = RunBuilder()
        b.add(ev("2024-01-01 01:01:01", 10, "CMD", user: "root", command: "run-parts /etc/cron.hourly"))
        b.add(ev("2024-01-01 01:01:01", 12, "PART_START", user: "/etc/cron.hourly", command: "0anacron"))
        b.add(ev("2024-01-01 01:01:02", 14, "PART_START", user: "/etc/cron.hourly", command: "backup"))
        b.add(ev("2024-01-01 01:01:02", 15, "PART_START", user: "/etc/cron.daily", command: "other"))
        b.add(ev("2024-01-01 01:01:09", 9, "CMDEND", user: "root", command: "run-parts /etc/cron.hourly"))
        b.add(ev("2024-01-01 02:01:01", 22, "PART_START", user: "/etc/cron.hourly", command: "later"))
        #expect(b.build().runs[0].parts == ["0anacron", "backup"])
    }
}
