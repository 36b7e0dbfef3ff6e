// TimeZoneInfo (StrataCommon) against the system's zone files: offsets and transitions known from tzdata.
import XCTest
import StrataCommon

final class TimeZoneTests: XCTestCase {
    func instant(_ iso: String) -> Int64 { CivilDateTime.parse(iso)?.epochSeconds ?? 0 }

    func testNewYork() throws {
        let z = try TimeZoneInfo.named("America/New_York")
        XCTAssertEqual(z.offset(at: instant("2026-01-15 12:00:00")), -5 * 3600)
        XCTAssertEqual(z.offset(at: instant("2026-07-15 12:00:00")), -4 * 3600)
        // 2026-03-08 02:00 EST = 07:00 UTC.
        let spring = try XCTUnwrap(z.nextTransition(after: instant("2026-01-01 00:00:00")))
        XCTAssertEqual(spring.at, instant("2026-03-08 07:00:00"))
        XCTAssertEqual(spring.before, -18000); XCTAssertEqual(spring.after, -14400)
        let fall = try XCTUnwrap(z.nextTransition(after: spring.at))
        XCTAssertEqual(fall.at, instant("2026-11-01 06:00:00"))
        XCTAssertEqual(z.lastTransition(atOrBefore: fall.at + 10)?.at, fall.at)
        // Far past the table, from the footer rule: 2100-03-14 is the second Sunday of March.
        XCTAssertEqual(z.nextTransition(after: instant("2100-01-01 00:00:00"))?.at, instant("2100-03-14 07:00:00"))
        // A wall time shown twice is its first instant; one skipped is the jump.
        XCTAssertEqual(z.instant(ofWall: instant("2026-11-01 01:30:00")).instant, instant("2026-11-01 05:30:00"))
        let skipped = z.instant(ofWall: instant("2026-03-08 02:30:00"))
        XCTAssertTrue(skipped.skipped); XCTAssertEqual(skipped.instant, spring.at)
    }

    func testLordHoweHalfHour() throws {
        let z = try TimeZoneInfo.named("Australia/Lord_Howe")
        XCTAssertEqual(z.offset(at: instant("2026-07-01 00:00:00")), 10 * 3600 + 1800)
        XCTAssertEqual(z.offset(at: instant("2026-01-01 00:00:00")), 11 * 3600)
    }

    func testPosixRuleAndErrors() throws {
        let z = try TimeZoneInfo.named("EST5EDT,M3.2.0,M11.1.0")
        XCTAssertEqual(z.nextTransition(after: instant("2026-01-01 00:00:00"))?.at, instant("2026-03-08 07:00:00"))
        XCTAssertEqual(try TimeZoneInfo.named(":UTC"), TimeZoneInfo.utc)
        XCTAssertThrowsError(try TimeZoneInfo.named("../../etc/passwd"))
        XCTAssertThrowsError(try TimeZoneInfo.named("Mars/Olympus_Mons"))
    }
}
