// Unit tests of the pure Logs core (formats, splitting, time search) on plain values and temporary files,
// plus a few checks of the SQL binding through a test database. Oracle-based checks against Python's logging
// live in Tests/integration/test_logs.py.
import Foundation
import StrataCommon
import StrataTestSupport
import SQLiteKit
import Testing
@testable import Logs

private let ref = YearReference(year: 2026, month: 11)

private func head(_ parser: LineParser, _ line: String) -> RecordHead? {
    var h = RecordHead()
    var s = line
    let ok = s.withUTF8 { parser.parseHead($0, into: &h) }
    return ok ? h : nil
}

private func text(_ line: String, _ span: Span) -> String? {
    guard span.isPresent else { return nil }
    let u = Array(line.utf8)
    return String(decoding: u[Int(span.start)..<Int(span.end)], as: UTF8.self)
}

private func tempFile(_ contents: String, name: String = "t.log") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-logs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite struct LevelTests {
    @Test func namesAndAliases() {
        #expect(LogLevel.recognise("WARN") == .warning)
        #expect(LogLevel.recognise("warning") == .warning)
        #expect(LogLevel.recognise("FATAL") == .critical)
        #expect(LogLevel.recognise("err") == .error)
        #expect(LogLevel.recognise("Notice") == .info)
        #expect(LogLevel.recognise("EMERGENCY") == .critical)
        #expect(LogLevel.recognise("INFORMATION") == .info)
        #expect(LogLevel.recognise("Level 5") == .other)
        #expect(LogLevel.recognise("") == LogLevel.none)
        #expect(LogLevel.recognise("DEBUGGING") == .other)
    }

    @Test func numbers() {
        #expect(LogLevel.fromPythonNumber(10) == .debug)
        #expect(LogLevel.fromPythonNumber(40) == .error)
        #expect(LogLevel.fromPythonNumber(55) == .critical)
        #expect(LogLevel.fromSyslogSeverity(3) == .error)
        #expect(LogLevel.fromSyslogSeverity(5) == .info)
        #expect(LogLevel.fromSyslogSeverity(0) == .critical)
    }
}

@Suite struct TimeTests {
    @Test func isoShapes() {
        var s = "2026-11-20 02:00:01,123"
        let t = s.withUTF8 { parseISOTime($0, 0) }
        #expect(t?.0.text == "2026-11-20 02:00:01.123")
        #expect(t?.1 == 23)
        s = "2026-11-20T02:00:01.123456+01:00 rest"
        let u = s.withUTF8 { parseISOTime($0, 0, requireT: true) }
        #expect(u?.0.text == "2026-11-20 02:00:01.123")
        #expect(u?.1 == 32)
        s = "2026-02-30 02:00:01,123"
        #expect(s.withUTF8 { parseISOTime($0, 0) } == nil)
    }

    @Test func epochScales() {
        var s = "1795000000.5"
        #expect(s.withUTF8 { parseAnyTime($0, reference: ref) }?.text == "2026-11-18 11:06:40.500")
        s = "1795000000123"
        #expect(s.withUTF8 { parseAnyTime($0, reference: ref) }?.text == "2026-11-18 11:06:40.123")
        // Nanoseconds: 19 digits, more than an Int64 reads safely digit by digit.
        s = "1795000000123456789"
        #expect(s.withUTF8 { parseAnyTime($0, reference: ref) }?.text == "2026-11-18 11:06:40.123")
        s = "99999999999999999999999999"
        #expect(s.withUTF8 { parseAnyTime($0, reference: ref) } == nil)
    }

    @Test func strftimeFormats() throws {
        let f = try StrftimeFormat("%d/%b/%Y:%H:%M:%S %z")
        var s = "20/Nov/2026:02:00:01 +0100"
        #expect(s.withUTF8 { f.match($0, 0, ref) }?.0.text == "2026-11-20 02:00:01.000")
        let g = try StrftimeFormat("%b %d %I:%M:%S %p")
        s = "Dec 31 11:59:59 PM"
        // Year-less: December is after the reference month (November 2026), so it is December 2025.
        #expect(s.withUTF8 { g.match($0, 0, ref) }?.0.text == "2025-12-31 23:59:59.000")
        #expect(throws: LogFormatError.self) { try StrftimeFormat("%Q") }
    }

    @Test func yearRollsBack() {
        let r = YearReference(year: 2027, month: 1)
        #expect(r.year(forMonth: 12) == 2026)
        #expect(r.year(forMonth: 1) == 2027)
    }

    /// A Feb 29 belongs to the latest leap year up to the file's time (as cron_history places it).
    @Test func leapDayGoesBackToALeapYear() {
        #expect(YearReference(year: 2025, month: 7).year(forMonth: 2, day: 29) == 2024)
        #expect(YearReference(year: 2025, month: 7).year(forMonth: 2, day: 28) == 2025)
        #expect(YearReference(year: 2024, month: 3).year(forMonth: 2, day: 29) == 2024)
        #expect(YearReference(year: 2024, month: 1).year(forMonth: 2, day: 29) == 2020)
        #expect(YearReference(year: 2101, month: 5).year(forMonth: 2, day: 29) == 2096)  // 2100 is no leap year
        let p = SyslogLineParser(.rfc3164, reference: YearReference(year: 2025, month: 7))
        #expect(head(p, "Feb 29 10:00:00 host app[1]: leap day")?.time.text == "2024-02-29 10:00:00.000")
        let g = try? StrftimeFormat("%b %d %H:%M:%S")
        var s = "Feb 29 10:00:00"
        #expect(s.withUTF8 { g?.match($0, 0, YearReference(year: 2025, month: 7)) }?.0.text == "2024-02-29 10:00:00.000")
    }

    /// The Feb 29 line of a file last written in a common year is a record of its own, not a continuation.
    @Test func leapDayLineIsARecord() throws {
        let path = try tempFile("Feb 28 23:59:00 web1 app[7]: before\nFeb 29 00:00:01 web1 app[7]: leap day\n"
                                + "Mar  1 00:00:02 web1 app[7]: after\n")
        let r = RecordReader(stream: try FileStream(path: path),
                             parser: SyslogLineParser(.rfc3164, reference: YearReference(year: 2025, month: 7)))
        var got: [String] = []
        while try r.next() { got.append(String(decoding: r.record, as: UTF8.self)) }
        #expect(got == ["Feb 28 23:59:00 web1 app[7]: before", "Feb 29 00:00:01 web1 app[7]: leap day",
                        "Mar  1 00:00:02 web1 app[7]: after"])
    }
}

@Suite struct PythonFormatTests {
    @Test func commonFormat() throws {
        let p = PythonLineParser(try PythonFormat("%(asctime)s [%(levelname)s] %(name)s: %(message)s"), reference: ref)
        let line = "2026-11-20 02:00:01,123 [ERROR] trainer: CUDA out of memory: tried [2] GiB"
        let h = try #require(head(p, line))
        #expect(h.time.text == "2026-11-20 02:00:01.123")
        #expect(h.level == .error)
        #expect(text(line, h.logger) == "trainer")
        #expect(text(line, h.message) == "CUDA out of memory: tried [2] GiB")
        #expect(head(p, "  File \"x.py\", line 3, in f") == nil)
        #expect(head(p, "Traceback (most recent call last):") == nil)
    }

    @Test func paddingNumbersAndExtras() throws {
        let f = try PythonFormat("%(asctime)s.%(msecs)03d %(levelname)-8s %(name)s [%(process)d] %(funcName)s:%(lineno)d %(message)s",
                                 datefmt: "%Y-%m-%dT%H:%M:%S")
        let p = PythonLineParser(f, reference: ref)
        let line = "2026-11-20T02:00:01.007 INFO     a.b [4242] train:0042 done: 3 [x]"
        let h = try #require(head(p, line))
        #expect(h.time.text == "2026-11-20 02:00:01.007")
        #expect(h.level == .info)
        #expect(text(line, h.logger) == "a.b")
        #expect(h.pid == 4242)
        #expect(text(line, h.message) == "done: 3 [x]")
        #expect(h.extras.count == 2)
        #expect(f.fieldNames == ["funcName", "lineno"])
        #expect(text(line, h.extras[1].value) == "0042")
    }

    @Test func defaultBasicFormat() throws {
        let p = PythonLineParser(try PythonFormat("%(levelname)s:%(name)s:%(message)s"), reference: ref)
        let line = "WARNING:root:disk at 91%: check"
        let h = try #require(head(p, line))
        #expect(h.level == .warning && !h.hasTime)
        #expect(text(line, h.logger) == "root")
        #expect(text(line, h.message) == "disk at 91%: check")
        #expect(head(p, "Traceback: not a level:x") == nil)
    }

    @Test func messageInTheMiddle() throws {
        let p = PythonLineParser(try PythonFormat("%(levelname)s %(message)s (%(filename)s:%(lineno)d)"), reference: ref)
        let line = "INFO loaded (3) files (loader.py:12)"
        let h = try #require(head(p, line))
        #expect(text(line, h.message) == "loaded (3) files")
    }

    @Test func badFormats() {
        #expect(throws: LogFormatError.self) { try PythonFormat("%(message)") }
        #expect(throws: LogFormatError.self) { try PythonFormat("just text") }
        #expect(throws: LogFormatError.self) { try PythonFormat("%(message)s%(name)s") }
        #expect(throws: LogFormatError.self) { try PythonFormat("50% %(message)s") }
        #expect((try? PythonFormat("100%% %(message)s")) != nil)
        // The matcher recurses per part: formats with too many parts are refused, not run.
        let huge = String(repeating: "%(name)s:", count: 150) + "%(message)s"
        #expect(throws: LogFormatError.self) { try PythonFormat(huge) }
    }

    @Test func braceStyle() throws {
        let p = PythonLineParser(try PythonFormat("{asctime} {levelname:<8} {name}: {message}"), reference: ref)
        let line = "2026-11-20 02:00:01,123 DEBUG    x: y"
        let h = try #require(head(p, line))
        #expect(h.level == .debug)
        #expect(text(line, h.logger) == "x")
    }
}

@Suite struct SyslogAndJSONTests {
    @Test func rfc3164() throws {
        let p = SyslogLineParser(.rfc3164, reference: ref)
        let line = "<11>Nov  2 02:00:01 mlbox sshd[4010]: Failed password"
        let h = try #require(head(p, line))
        #expect(h.time.text == "2026-11-02 02:00:01.000")
        #expect(h.level == .error)
        #expect(text(line, h.logger) == "sshd")
        #expect(h.pid == 4010)
        #expect(text(line, h.message) == "Failed password")
        #expect(head(p, "not syslog") == nil)
    }

    @Test func rfc5424() throws {
        let p = SyslogLineParser(.rfc5424, reference: ref)
        let line = #"<165>1 2026-11-20T02:00:01.003Z host app - ID47 [ex@1 a="x\]y"] hello"#
        let h = try #require(head(p, line))
        #expect(h.level == .info)
        #expect(text(line, h.logger) == "app")
        #expect(!h.hasPid)
        #expect(text(line, h.message) == "hello")
    }

    @Test func jsonLine() throws {
        let p = JSONLineParser(reference: ref)
        let line = #"{"ts": 1795000000123, "level": "warn", "msg": "a \"b\"", "logger": "x", "n": [1, {"k": "]"}]}"#
        let h = try #require(head(p, line))
        #expect(h.time.text == "2026-11-18 11:06:40.123")
        #expect(h.level == .warning)
        #expect(text(line, h.message) == #"a \"b\""#)
        #expect(h.messageKind == .jsonString)
        #expect(h.extras.count == 1)
        #expect(text(line, h.extras[0].value) == #"[1, {"k": "]"}]"#)
        #expect(head(p, #"{"a": 1"#) == nil)
        #expect(head(p, "[1, 2]") == nil)
        var out: [UInt8] = []
        var s = #"a\"b\u00e9\ud83d\ude00\n"#
        s.withUTF8 { JSON.unescape($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "a\"bé😀\n")
    }

    @Test func regexFormat() throws {
        let f = try RegexFormat(#"^(?<ts>\S+ \S+) (?P<level>\w+) (?<message>.*)$"#)
        #expect(f.groupNames == ["ts", "level", "message"])
        let p = RegexLineParser(f, reference: ref)
        let line = "2026-11-20 02:00:01 ERR boom"
        let h = try #require(head(p, line))
        #expect(h.level == .error)
        #expect(h.time.text == "2026-11-20 02:00:01.000")
        #expect(text(line, h.message) == "boom")
        #expect(throws: LogFormatError.self) { try RegexFormat("no groups") }
    }
}

@Suite struct ReaderAndScanTests {
    static let lines = [
        "leading junk",
        "2026-11-20 02:00:01,000 [INFO] a: one",
        "2026-11-20 02:00:02,000 [ERROR] b: two",
        "Traceback (most recent call last):",
        "  File \"x\", line 1",
        "ValueError: x",
        "2026-11-20 02:00:03,000 [WARNING] a: three",
    ]

    @Test func recordsWithContinuationLines() throws {
        let path = try tempFile(Self.lines.joined(separator: "\r\n"))
        let r = RecordReader(stream: try FileStream(path: path),
                             parser: PythonLineParser(try PythonFormat("%(asctime)s [%(levelname)s] %(name)s: %(message)s"), reference: ref))
        var got: [(Bool, Int, Int, String)] = []
        while try r.next() {
            got.append((r.isHeadless, r.relativeLine, r.lineCount, String(decoding: r.record, as: UTF8.self)))
        }
        #expect(got.count == 4)
        #expect(got[0].0 && got[0].3 == "leading junk")
        #expect(got[2].1 == 3 && got[2].2 == 4)
        #expect(got[2].3.hasPrefix("2026-11-20 02:00:02,000 [ERROR] b: two\r\nTraceback"))
        #expect(got[3].3 == "2026-11-20 02:00:03,000 [WARNING] a: three")
    }

    @Test func autoDetectionAndLevelFilter() throws {
        let path = try tempFile(Self.lines.joined(separator: "\n") + "\n")
        var f = LogFilter()
        f.levels = [["ERROR", "warning"]]
        let s = LogScanner(files: [path], spec: .auto, filter: f)
        var levels: [LogLevel] = []
        var formats: Set<String> = []
        while try s.next() {
            levels.append(try #require(s.reader).head.level)
            formats.insert(s.choice?.format ?? "")
        }
        #expect(levels == [.error, .warning])
        #expect(formats == ["%(asctime)s [%(levelname)s] %(name)s: %(message)s"])
    }

    @Test func binarySearchReadsOnlyTheWindow() throws {
        var text = ""
        for i in 0..<20_000 {
            let t = LogTime(epochSeconds: 1_795_000_000 + Int64(i) * 30)!
            let stamp = t.text.replacingOccurrences(of: ".", with: ",")
            text += "\(stamp) [\(i % 10 == 0 ? "ERROR" : "INFO")] app: record \(i)\n"
            if i % 7 == 0 { text += "  continuation of \(i)\n" }
        }
        let path = try tempFile(text)
        let lo = LogTime(epochSeconds: 1_795_000_000 + 10_000 * 30)!.text
        let hi = LogTime(epochSeconds: 1_795_000_000 + 10_120 * 30)!.text
        var f = LogFilter()
        f.timeBounds = [TimeBound(.ge, lo), TimeBound(.lt, hi)]
        let s = LogScanner(files: [path], spec: .auto, filter: f)
        var n = 0
        var firstLine = 0
        while try s.next() {
            if n == 0 { firstLine = try s.lineNumber() }
            n += 1
        }
        #expect(n == 120)
        #expect(s.binarySearches == 1)
        // The window and two probe spacings of slack at each end: a small part of the file.
        #expect(s.recordsRead < 20_000 / 10)
        // Record 10000 is preceded by 10000 lines and 1429 continuation lines (i % 7 == 0 for i < 10000).
        #expect(firstLine == 10_000 + 1429 + 1)
    }

    @Test func levelCountsOnTwoThreadsMatchOneRecordAtATime() throws {
        var text = "stray first line\n"
        let names = ["INFO", "DEBUG", "ERROR", "Level 5", "WARNING", "CRITICAL"]
        var expected: [String: Int] = ["": 1]
        for i in 0..<30_000 {
            let t = LogTime(epochSeconds: 1_795_000_000 + Int64(i))!.text.replacingOccurrences(of: ".", with: ",")
            let name = names[(i * 7) % names.count]
            text += "\(t) [\(name)] app: record \(i)\n"
            // Tracebacks after WARNING and above belong to their record (after INFO they would be a crash's).
            if i % 5 == 0, !["INFO", "DEBUG"].contains(name) { text += "Traceback (most recent call last):\n  File \"x\", line \(i)\n" }
            expected[LogLevel.recognise(name).nameText ?? name, default: 0] += 1
        }
        let path = try tempFile(text)
        let format = LogFormatSpec.python(try PythonFormat("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
        let parallel = LogScanner(files: [path], spec: format, filter: LogFilter())
        parallel.parallelCountThreshold = 0
        let a = try parallel.countLevels()
        let b = try LogScanner(files: [path], spec: format, filter: LogFilter()).countLevels()
        #expect(a == b)
        #expect(parallel.parallelCounts == 1)
        var got: [String: Int] = [:]
        for g in a.groups(descending: false) { got[g.text.map { String(decoding: $0, as: UTF8.self) } ?? ""] = g.count }
        #expect(got == expected)
    }

    @Test func newlineCounting() {
        let bytes: [UInt8] = Array("a\nbb\n\n\nccc\n".utf8) + [0x0A, 0x8A, 0x0B, 0x09]
        bytes.withUnsafeBufferPointer { #expect(countByte(0x0A, $0) == 6) }
    }

    @Test func utf8Validation() {
        #expect(isValidUTF8(UnsafeBufferPointer(start: nil, count: 0)))
        for (bytes, ok) in [([0x61, 0x62], true), ([0xC3, 0xA9], true), ([0xC3], false), ([0xED, 0xA0, 0x80], false),
                            ([0xF0, 0x9F, 0x98, 0x80], true), ([0xFF], false), ([0xE2, 0x82], false)] as [([UInt8], Bool)] {
            bytes.withUnsafeBufferPointer { #expect(isValidUTF8($0) == ok) }
        }
    }
}

@Suite struct SQLBindingTests {
    @Test func readLogThroughSQL() throws {
        let path = try tempFile(ReaderAndScanTests.lines.joined(separator: "\n") + "\n")
        let db = try TestDatabase()
        let rows = try db.rows("SELECT line, ts, level, logger, message, detail FROM read_log('\(path)') WHERE level = 'ERROR'")
        #expect(rows == [[.integer(3), .text("2026-11-20 02:00:02.000"), .text("ERROR"), .text("b"), .text("two"),
                          .text("Traceback (most recent call last):\n  File \"x\", line 1\nValueError: x")]])
        #expect(try db.value("SELECT count(*) FROM read_log('\(path)')") == .integer(4))
        #expect(db.error("SELECT * FROM read_log('/nonexistent/x.log')")?.hasPrefix("read_log: cannot open '/nonexistent/x.log'") == true)
        let plan = try db.rows("EXPLAIN QUERY PLAN SELECT * FROM read_log('\(path)') WHERE ts >= '2026' AND level IN ('ERROR', 'INFO')")
        #expect(plan.contains { $0.contains { "\($0)".contains("search ts>=? AND level IN (?)") } })
    }
}
