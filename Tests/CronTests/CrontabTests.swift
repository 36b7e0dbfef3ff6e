// Unit tests of the crontab line parser: environment lines, entries with and without a user field,
// the % stdin rule, stdout redirections, and malformed lines reported with their line numbers.
import Testing
@testable import Cron

private func env(_ line: String) -> [String]? {
    environmentAssignment(Array(line.utf8)).map { [$0.0, $0.1] }
}

@Suite struct CrontabParsing {
    @Test func environmentLines() {
        #expect(env("SHELL=/bin/bash") == ["SHELL", "/bin/bash"])
        #expect(env(" PATH = /a:/b  ") == ["PATH", "/a:/b"])
        #expect(env("MAILTO=\"\"") == ["MAILTO", ""])
        #expect(env("'A B' = ' x '") == ["A B", " x "])
        #expect(environmentAssignment(Array("0 2 * * * FOO=bar cmd".utf8)) == nil)
        #expect(environmentAssignment(Array("X='unterminated".utf8)) == nil)
    }

    @Test func userAndSystemEntries() {
        var user = CrontabParser(kind: .user, defaultUser: "alice")
        #expect(user.parse(line: "# comment", number: 1) == nil)
        #expect(user.parse(line: "   ", number: 2) == nil)
        #expect(user.parse(line: "MAILTO=ops", number: 3) == nil)
        let e = user.parse(line: "0 2 * * * /opt/retrain.py >> /logs/retrain.log 2>&1", number: 4)
        #expect(e?.user == "alice" && e?.command == "/opt/retrain.py >> /logs/retrain.log 2>&1")
        #expect(e?.logPath == "/logs/retrain.log" && e?.error == nil && e?.envJSON == "{\"MAILTO\":\"ops\"}")

        var system = CrontabParser(kind: .system)
        let s = system.parse(line: "@hourly\troot\trun-parts /etc/cron.hourly", number: 7)
        #expect(s?.user == "root" && s?.command == "run-parts /etc/cron.hourly" && s?.schedule?.text == "@hourly")
        let bad = system.parse(line: "0 2 * * *", number: 8)
        #expect(bad?.error != nil && bad?.line == 8 && bad?.schedule == nil)
    }

    @Test func loggedCommandIsWhatTheDaemonLogs() {
        var system = CrontabParser(kind: .system)
        let e = system.parse(line: "17 * * * * root\t\tcd / && run-parts x %in\\%put", number: 1)
        #expect(e?.command == "cd / && run-parts x ")
        #expect(e?.rawCommand == "\tcd / && run-parts x %in\\%put")
        #expect(e?.loggedCommand == "^Icd / && run-parts x ")
        var user = CrontabParser(kind: .user)
        #expect(user.parse(line: "@daily   echo caf\u{e9} \\% done", number: 2)?.loggedCommand == "echo caf\\303\\251 % done")
        #expect(mkprints("a\u{7f}b\u{1}") == "a^?b^A")
    }

    @Test func malformedLines() {
        var p = CrontabParser(kind: .user)
        for line in ["61 * * * * x", "0 0 * *", "0 3 * * * * typo", "@sometimes x", "0 0 * * *"] {
            #expect(p.parse(line: line, number: 1)?.error != nil, "\(line)")
        }
    }

    @Test func percentSplitsStdin() {
        #expect(splitPercent("mail -s hi x%line1%line2") == ("mail -s hi x", "line1\nline2\n"))
        #expect(splitPercent("date +\\%Y-\\%m") == ("date +%Y-%m", nil))
        #expect(splitPercent("cat%a\\%b\\c") == ("cat", "a%b\\c\n"))
        #expect(splitPercent("cat%") == ("cat", ""))
    }

    @Test func redirections() {
        #expect(stdoutRedirection("x >> /logs/a.log 2>&1") == "/logs/a.log")
        #expect(stdoutRedirection("x >/logs/a.log") == "/logs/a.log")
        #expect(stdoutRedirection("x 1>>/l/b") == "/l/b")
        #expect(stdoutRedirection("x 2>/l/err") == nil)
        #expect(stdoutRedirection("x 2>&1 >&2") == nil)
        #expect(stdoutRedirection("x &>> /l/all") == "/l/all")
        #expect(stdoutRedirection("x > '/l/with space' ") == "/l/with space")
        #expect(stdoutRedirection("echo '>' notafile") == nil)
        #expect(stdoutRedirection("a > /one; b >> /two") == "/two")
        #expect(stdoutRedirection("x 12>/l/fd12") == nil)
    }

    @Test func kinds() {
        #expect(CrontabKind.guess(path: "/etc/crontab") == .system)
        #expect(CrontabKind.guess(path: "/etc/cron.d/ml") == .system)
        #expect(CrontabKind.guess(path: "mine.txt") == .user)
        #expect(CrontabKind.spoolUser(path: "/var/spool/cron/crontabs/alice") == "alice")
        #expect(CrontabKind.spoolUser(path: "/var/spool/cron/bob") == "bob")
        #expect(CrontabKind.spoolUser(path: "/tmp/x") == nil)
    }
}
