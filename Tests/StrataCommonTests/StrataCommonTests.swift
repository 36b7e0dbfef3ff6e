// Shared helpers: calendar arithmetic against known dates, line splitting, gzip streams, globs.
import Foundation
import Glibc
import Testing
@testable import StrataCommon

@Suite struct CivilTimeTests {
    @Test func dayNumbersRoundTripAcrossCenturies() {
        var z: Int64 = -800_000
        while z < 800_000 {
            let (y, m, d) = civilFromDays(z)
            #expect(daysFromCivil(year: y, month: m, day: d) == z)
            z += 997
        }
        #expect(daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(weekdayFromDays(0) == 4)  // Thursday
        #expect(CivilDateTime(year: 2026, month: 11, day: 21).weekday == 6)  // a Saturday
        #expect(CivilDateTime(year: 1969, month: 12, day: 28).weekday == 0)  // a Sunday before the epoch
    }

    @Test func matchesFoundationsCalendar() {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        for s in stride(from: Int64(-2_000_000_000), to: 4_000_000_000, by: 7_777_777) {
            let ours = CivilDateTime(epochSeconds: s)
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday],
                                       from: Date(timeIntervalSince1970: TimeInterval(s)))
            #expect(ours.year == c.year && ours.month == c.month && ours.day == c.day)
            #expect(ours.hour == c.hour && ours.minute == c.minute && ours.second == c.second)
            #expect(ours.weekday == (c.weekday ?? 0) - 1)
            #expect(ours.epochSeconds == s)
        }
    }

    @Test func parsesAndFormatsISOText() {
        let t = CivilDateTime.parse("2026-11-20 02:00:01,123")
        #expect(t == CivilDateTime(year: 2026, month: 11, day: 20, hour: 2, minute: 0, second: 1, nanosecond: 123_000_000))
        #expect(t?.isoMillis == "2026-11-20 02:00:01.123")
        #expect(CivilDateTime.parse("2026-11-20T02:00:01.123456+00:00")?.isoMillis == "2026-11-20 02:00:01.123")
        #expect(CivilDateTime.parse("2024-02-29")?.iso == "2024-02-29 00:00:00")
        #expect(CivilDateTime.parse("2023-02-29") == nil)
        #expect(CivilDateTime.parse("2026-13-01") == nil)
        #expect(CivilDateTime.parse("2026-11-20 25:00") == nil)
        #expect(CivilDateTime.parse("yesterday") == nil)
        #expect(CivilDateTime.parse("2026-11-20 02:00:01Z")?.iso == "2026-11-20 02:00:01")
    }
}

@Suite struct FileReadingTests {
    func tempFile(_ name: String, _ data: Data) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-common-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func lines(_ path: String, max: Int = LineReader.defaultMaxLineLength) throws -> [(String, Int, Int64)] {
        let r = LineReader(stream: try FileStream(path: path), maxLineLength: max)
        var out: [(String, Int, Int64)] = []
        while let l = try r.next() { out.append((String(decoding: l.bytes, as: UTF8.self), l.number, l.offset)) }
        return out
    }

    @Test func splitsLinesWithCRLFAndNoFinalNewline() throws {
        let p = try tempFile("a.txt", Data("one\r\ntwo\n\nlast".utf8))
        let got = try lines(p)
        #expect(got.map { $0.0 } == ["one", "two", "", "last"])
        #expect(got.map { $0.1 } == [1, 2, 3, 4])
        #expect(got.map { $0.2 } == [0, 5, 9, 10])
    }

    @Test func longLinesGrowTheBufferUpToTheLimit() throws {
        let long = String(repeating: "x", count: 1_000_000)
        let p = try tempFile("long.txt", Data((long + "\nshort\n").utf8))
        let got = try lines(p)
        #expect(got.map { $0.0.count } == [1_000_000, 5])
        #expect(throws: FileError.self) { _ = try lines(p, max: 1 << 19).count }
    }

    @Test func readsGzipTransparently() throws {
        let text = (1...5000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let plain = try tempFile("g.txt", Data(text.utf8))
        let gz = plain + ".gz"
        try? FileManager.default.removeItem(atPath: gz)
        // Glibc's system(), not Foundation's Process (which leaks a weak reference under LeakSanitizer).
        #expect(system("gzip -k '\(plain)'") == 0)
        let got = try lines(gz)
        #expect(got.count == 5000)
        #expect(got.last?.0 == "line 5000")
        #expect(try FileStream(path: gz).isCompressed)
        // A truncated gzip file is an error, not a silent short read.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cut = try tempFile("cut.txt.gz", bytes.prefix(bytes.count / 2))
        #expect(throws: FileError("cannot read '\(cut)': truncated or corrupt gzip data")) { _ = try lines(cut).count }
    }

    @Test func missingFilesAndEmptyGlobsNameThePath() throws {
        #expect(throws: FileError("cannot open '/nonexistent/x.log': No such file or directory")) {
            try FileStream(path: "/nonexistent/x.log")
        }
        #expect(throws: FileError("no files match '/nonexistent/*.log'")) { try Glob.expand("/nonexistent/*.log") }
        let a = try tempFile("b2.log", Data()), b = try tempFile("b1.log", Data())
        let dir = (a as NSString).deletingLastPathComponent
        #expect(try Glob.expand(dir + "/b*.log") == [b, a])
    }
}

@Suite struct GlobBraceTests {
    func alternatives(_ p: String) throws -> [String] {
        try Glob.braceAlternatives(Array(p.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func bracesExpandAsTheShellDoes() throws {
        #expect(try alternatives("{/etc/crontab,/etc/cron.d/*}") == ["/etc/crontab", "/etc/cron.d/*"])
        #expect(try alternatives("/var/log/{syslog,auth.log}*") == ["/var/log/syslog*", "/var/log/auth.log*"])
        #expect(try alternatives("a{b,c{d,e}}f") == ["abf", "acdf", "acef"])
        #expect(try alternatives("{a,b}{1,2}") == ["a1", "a2", "b1", "b2"])
        #expect(try alternatives("x{a}y") == ["x{a}y"])          // no comma: literal, as in the shell
        #expect(try alternatives("x\\{a,b}y") == ["x\\{a,b}y"])  // escaped
        #expect(try alternatives("{unclosed,x") == ["{unclosed,x"])
        #expect(try alternatives("{,a}") == ["", "a"])
        #expect(throws: FileError.self) { try alternatives(String(repeating: "{a,b}", count: 11)) }
    }

    @Test func alternativesAreMergedAndMissingOnesSkipped() throws {
        let dir = NSTemporaryDirectory() + "glob-brace-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/cron.d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["crontab", "cron.d/b", "cron.d/a", "syslog", "syslog.1"] {
            FileManager.default.createFile(atPath: dir + "/" + f, contents: Data())
        }
        #expect(try Glob.expand("{\(dir)/crontab,\(dir)/cron.d/*,\(dir)/missing,\(dir)/nothing/*}")
                == ["\(dir)/cron.d/a", "\(dir)/cron.d/b", "\(dir)/crontab"])  // name order
        // Overlapping alternatives give each file once.
        #expect(try Glob.expand("\(dir)/{syslog*,syslog}") == ["\(dir)/syslog", "\(dir)/syslog.1"])
        // A directory named by a plain alternative is not a file.
        #expect(try Glob.expand("{\(dir)/cron.d,\(dir)/crontab}") == ["\(dir)/crontab"])
        #expect(throws: FileError("no files match '{\(dir)/missing,\(dir)/x*}'")) {
            try Glob.expand("{\(dir)/missing,\(dir)/x*}")
        }
    }
}

/// The per-thread interruption state: host threads keep theirs (reachable from `retained`, so LeakSanitizer
/// in `make sanitize` fails this suite if a thread's state is lost when it exits); workers free theirs.
@Suite struct InterruptionStateTests {
    /// Runs `body` on a new thread and waits for the thread to end.
    private func onNewThread(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        var tid = pthread_t()
        let arg = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&tid, nil, { p in
            guard let p else { return nil }
            Unmanaged<Box>.fromOpaque(p).takeRetainedValue().body()
            return nil
        }, arg)
        #expect(rc == 0)
        if rc == 0 { pthread_join(tid, nil) } else { Unmanaged<Box>.fromOpaque(arg).release() }
    }

    @Test func hostThreadsKeepTheirStateAndWorkersFreeTheirs() {
        for _ in 0..<8 {
            // A host thread: its first check makes a kept state; it exits without telling Strata.
            onNewThread {
                #expect(!Interruption.isRequested())
                Interruption.endWorkerThread()  // not a worker's state: stays
                #expect(!Interruption.isRequested())
            }
            // A worker: follows a flag, sees it raised, frees its state.
            onNewThread {
                let flag = Interruption.SharedFlag()
                let scope = Interruption.enter(following: flag)
                #expect(!Interruption.isRequested())
                flag.raise()
                #expect(Interruption.isRequested())
                Interruption.leave(scope)
                Interruption.endWorkerThread()
            }
        }
    }
}
