// Unit tests of the pure schedule core: parsing as the daemons do, the day-field rule, next/previous,
// and descriptions. (croniter comparisons over thousands of expressions live in Tests/integration.)
import Testing
import StrataCommon
@testable import Cron

private func t(_ s: String) -> CivilDateTime {
    CivilDateTime.parse(s) ?? CivilDateTime(year: 1, month: 1, day: 1)
}

@Suite struct ScheduleParsing {
    @Test func fieldsAndNames() throws {
        let s = try CronSchedule(parsing: "*/15 9-17 1,15 jan-MAR mon-fri")
        #expect(s.minutes == (1 << 0 | 1 << 15 | 1 << 30 | 1 << 45))
        #expect(s.hours == (((1 << 18) - 1) & ~((1 << 9) - 1)))
        #expect(s.daysOfMonth == (1 << 1 | 1 << 15))
        #expect(s.months == (1 << 1 | 1 << 2 | 1 << 3))
        #expect(s.daysOfWeek == 0b0111110)
        #expect(!s.domStar && !s.dowStar)
    }

    @Test func sundayIsZeroAndSeven() throws {
        #expect(try CronSchedule(parsing: "0 0 * * 7").daysOfWeek == 1)
        #expect(try CronSchedule(parsing: "0 0 * * 5-7").daysOfWeek == (1 | 1 << 5 | 1 << 6))
        #expect(try CronSchedule(parsing: "0 0 * * */7").daysOfWeek == 1)
    }

    @Test func starFlagComesFromTheFirstCharacter() throws {
        let a = try CronSchedule(parsing: "0 0 */2 * 1")
        let b = try CronSchedule(parsing: "0 0 1-31/2 * 1")
        #expect(a.daysOfMonth == b.daysOfMonth)
        #expect(a.domStar && !b.domStar)
        // 2024-01-01 was a Monday (odd day), 2024-01-08 a Monday (even day), 2024-01-03 a Wednesday (odd).
        #expect(a.matches(t("2024-01-01 00:00")) && !a.matches(t("2024-01-08 00:00")) && !a.matches(t("2024-01-03 00:00")))
        #expect(b.matches(t("2024-01-01 00:00")) && b.matches(t("2024-01-08 00:00")) && b.matches(t("2024-01-03 00:00")))
    }

    @Test func rejectsWhatTheDaemonRejects() {
        for bad in ["61 * * * *", "*/0 * * * *", "5/10 * * * *", "0 0 5-2 * *", "0 0 * * mon-sun", "0 0 * * 8",
                    "* * * *", "@fortnightly", "1,,2 * * * *", "*x * * * *", "0 0 0 * *", "0 0 * 0 *", "-1 * * * *",
                    "99999999999999999999 * * * *"] {
            #expect(throws: CronError.self, "\(bad)") { try CronSchedule(parsing: bad) }
        }
    }

    @Test func errorMessageNamesTheScheduleAndField() {
        do {
            _ = try CronSchedule(parsing: "61 * * * *")
            Issue.record("expected an error")
        } catch let e as CronError {
            #expect(e.message == "invalid schedule '61 * * * *': minute field '61': 61 is out of range 0-59")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func shortcuts() throws {
        #expect(try CronSchedule(parsing: "@daily").fields == ["0", "0", "*", "*", "*"])
        #expect(try CronSchedule(parsing: "@weekly").fields == ["0", "0", "*", "*", "0"])
        let r = try CronSchedule(parsing: "@reboot")
        #expect(r.isReboot && !r.canFire && r.next(after: t("2024-01-01")) == nil)
    }
}

@Suite struct ScheduleSearching {
    @Test func nextIsStrictlyAfter() throws {
        let s = try CronSchedule(parsing: "0 2 * * *")
        #expect(s.next(after: t("2024-02-28 02:00:00"))?.iso == "2024-02-29 02:00:00")
        #expect(s.next(after: t("2024-02-28 01:59:59"))?.iso == "2024-02-28 02:00:00")
        #expect(s.previous(before: t("2024-02-28 02:00:00"))?.iso == "2024-02-27 02:00:00")
        #expect(s.previous(before: t("2024-02-28 02:00:01"))?.iso == "2024-02-28 02:00:00")
    }

    @Test func leapDaysAndMonthEnds() throws {
        let leap = try CronSchedule(parsing: "0 0 29 2 *")
        #expect(leap.next(after: t("2097-01-01"))?.iso == "2104-02-29 00:00:00")  // 2100 is not a leap year
        #expect(leap.previous(before: t("2104-01-01"))?.iso == "2096-02-29 00:00:00")
        let eom = try CronSchedule(parsing: "59 23 31 * *")
        #expect(eom.next(after: t("2024-04-01"))?.iso == "2024-05-31 23:59:00")
        #expect(eom.next(after: t("2024-12-31 23:59:00"))?.iso == "2025-01-31 23:59:00")
    }

    @Test func neverFiring() throws {
        let s = try CronSchedule(parsing: "* * 31 2 *")
        #expect(!s.canFire)
        #expect(s.next(after: t("2024-01-01")) == nil && s.previous(before: t("2024-01-01")) == nil)
        // With OR, a weekday rescues it: Mondays in February.
        let rescued = try CronSchedule(parsing: "0 0 31 2 1")
        #expect(rescued.canFire)
        #expect(rescued.next(after: t("2024-01-01"))?.iso == "2024-02-05 00:00:00")
    }

    @Test func cursorWalksAYear() throws {
        let s = try CronSchedule(parsing: "* * * * *")
        var c = FireCursor(schedule: s, atOrAfter: t("2023-01-01"))
        var n = 0
        var last: FireTime?
        while let f = c.advance(), f.year == 2023 { n += 1; last = f }
        #expect(n == 525_600)
        #expect(last?.iso == "2023-12-31 23:59:00")
    }

    @Test func endOfTime() throws {
        let s = try CronSchedule(parsing: "0 0 1 1 *")
        #expect(s.next(after: t("9999-06-01")) == nil)
        #expect(s.next(after: t("9998-06-01"))?.iso == "9999-01-01 00:00:00")
        let every = try CronSchedule(parsing: "* * * * *")
        #expect(every.next(after: t("9999-12-31 23:58:00"))?.iso == "9999-12-31 23:59:00")
        #expect(every.next(after: t("9999-12-31 23:59:00")) == nil)
        #expect(every.first(atOrAfter: t("9999-12-31 23:59:01")) == nil)
    }

    /// Fire times start at 0001-01-01 00:00: year 0 is no year to the readers of the text.
    @Test func beginningOfTime() throws {
        let s = try CronSchedule(parsing: "0 0 1 1 *")
        #expect(s.previous(before: t("0000-06-01")) == nil)
        #expect(s.previous(before: t("0001-01-01 00:00:00")) == nil)
        #expect(s.previous(before: t("0001-01-01 00:00:01"))?.iso == "0001-01-01 00:00:00")
        let every = try CronSchedule(parsing: "* * * * *")
        #expect(every.previous(before: t("0001-01-01 00:00:00")) == nil)
        #expect(every.previous(before: t("0001-01-01 00:01:00"))?.iso == "0001-01-01 00:00:00")
        #expect(try CronSchedule(parsing: "59 23 31 12 *").previous(before: t("0001-12-31 23:00:00")) == nil)
        // A search from year 0 starts at the first minute of year 1.
        #expect(every.next(after: t("0000-12-31 23:59:00"))?.iso == "0001-01-01 00:00:00")
        #expect(every.next(after: t("0000-06-01 10:00:00"))?.iso == "0001-01-01 00:00:00")
        #expect(s.first(atOrAfter: t("0000-03-01"))?.iso == "0001-01-01 00:00:00")
        var c = FireCursor(schedule: every, atOrAfter: t("0000-02-29 12:00:00"))
        #expect(c.advance()?.iso == "0001-01-01 00:00:00")
        #expect(c.advance()?.iso == "0001-01-01 00:01:00")
    }

    @Test func descriptions() throws {
        #expect(try CronSchedule(parsing: "0 2 * * *").englishDescription == "At 02:00 every day")
        #expect(try CronSchedule(parsing: "*/5 * * * *").englishDescription == "Every 5 minutes")
        #expect(try CronSchedule(parsing: "0 9 * * 1-5").englishDescription == "At 09:00 on Monday through Friday")
    }
}
