// Unit tests of the pieces behind ts_utc and the exc_* columns on plain values: offsets kept beside the wall
// clock, a zone's reading of a wall-clock time around DST changes, and the exception line of a traceback.
// Oracle-based checks (Python's logging under TZ, tracebacks Python printed) live in Tests/integration
// (test_log_time.py, test_log_exceptions.py).
import StrataCommon
import Testing
@testable import Logs

private func iso(_ s: String) -> LogTime? {
    var t = s
    return t.withUTF8 { parseISOTime($0, 0)?.0 }
}

private func wall(_ s: String) -> Int64 {
    iso(s)?.wallEpochSeconds ?? 0
}

@Suite struct OffsetTests {
    @Test func offsetsAreKeptButNotCompared() throws {
        let edt = try #require(iso("2026-11-01T01:30:00-04:00"))
        let est = try #require(iso("2026-11-01T01:30:00-05:00"))
        #expect(edt.utcOffsetMinutes == -240 && est.utcOffsetMinutes == -300)
        #expect(edt == est)  // the same wall clock: `ts` compares as text
        #expect(edt.utc(offsetSeconds: -240 * 60)?.text == "2026-11-01 05:30:00.000")
        #expect(try #require(iso("2026-11-20T02:00:01.5+0530")).utcOffsetMinutes == 330)
        #expect(try #require(iso("2026-11-20T02:00:01Z")).utcOffsetMinutes == 0)
        #expect(try #require(iso("2026-11-20 02:00:01,123")).hasOffset == false)
        #expect(epochTime(whole: 1_793_512_800, fractionNanos: 0)?.utcOffsetMinutes == 0)
    }
}

@Suite struct ZoneInstantsTests {
    @Test func newYorkAroundBothChanges() throws {
        let ny = try TimeZoneInfo.named("America/New_York")
        // 01:30 on 2026-11-01 happens twice: 05:30 and 06:30 UTC.
        #expect(ny.instants(ofWall: wall("2026-11-01 01:30:00")) == .two(wall("2026-11-01 05:30:00"), wall("2026-11-01 06:30:00")))
        #expect(ny.instants(ofWall: wall("2026-11-01 02:30:00")) == .one(wall("2026-11-01 07:30:00")))
        #expect(ny.instants(ofWall: wall("2026-11-01 00:59:59")) == .one(wall("2026-11-01 04:59:59")))
        // 02:30 on 2026-03-08 never happens: read with the offset before (EST), 07:30 UTC = 03:30 EDT.
        #expect(ny.instants(ofWall: wall("2026-03-08 02:30:00")) == .skipped(wall("2026-03-08 07:30:00")))
        #expect(ny.instants(ofWall: wall("2026-07-01 12:00:00")) == .one(wall("2026-07-01 16:00:00")))
    }

    @Test func zonesWithoutChanges() throws {
        #expect(try TimeZoneInfo.named("UTC").instants(ofWall: wall("2026-11-01 01:30:00")) == .one(wall("2026-11-01 01:30:00")))
        let kolkata = try TimeZoneInfo.named("Asia/Kolkata")
        #expect(kolkata.instants(ofWall: wall("2026-11-01 05:30:00")) == .one(wall("2026-11-01 00:00:00")))
    }
}

@Suite struct ExceptionLineTests {
    private func parse(_ s: String) -> [ParsedException] {
        var t = s
        return t.withUTF8 { TracebackParser.parse($0) }
    }

    @Test func syntaxErrorMessageEndsWithItsLocation() {
        let tb = """
            Traceback (most recent call last):
              File "/srv/job.py", line 3, in <module>
                load()
              File "/srv/conf/config.py", line 7
                x = (1,
                    ^
            SyntaxError: '(' was never closed
            """
        #expect(parse(tb) == [ParsedException(type: "SyntaxError", message: "'(' was never closed (config.py, line 7)")])
    }

    @Test func otherExceptionsKeepTheirMessage() {
        let tb = """
            Traceback (most recent call last):
              File "/srv/job.py", line 3, in step2
                int("x")
            ValueError: invalid literal for int() with base 10: 'x'
            """
        #expect(parse(tb) == [ParsedException(type: "ValueError", message: "invalid literal for int() with base 10: 'x'")])
    }
}
