// Results read as series over time: the time column found, the bucket from how the times are aligned (whole
// hours → an hour, midnights → a day, months), rows placed by time with gaps where there are none, one series
// per label, ticks on round times, and both renderers drawing the same model.
import SQLiteKit
import Testing
@testable import StrataCLIKit

@Suite struct SeriesChartTests {
    func result(_ rows: [[SQLValue]], _ columns: [String] = ["hour", "n"]) -> ResultSet {
        ResultSet(columns: columns, rows: rows)
    }

    @Test func hoursAreBucketsAndMissingHoursAreGaps() throws {
        let r = result([[.text("2026-11-20 01:00"), .integer(2)], [.text("2026-11-20 04:00"), .integer(1)],
                        [.text("2026-11-20 07:00"), .integer(1)]])
        let c = try #require(SeriesChart.time(r))
        #expect(c.axis == .time(.seconds(3600), precision: .minute))
        #expect(c.series.map(\.values) == [[2, nil, nil, 1, nil, nil, 1]])
        #expect(c.integral)
        #expect(c.label(at: 3) == "2026-11-20 04:00")
        #expect(c.caption == "2026-11-20 01:00 → 2026-11-20 07:00 · per hour · max 2 at 2026-11-20 01:00")
        #expect(c.ticks(minimumSpacing: 2) == [1, 3, 5])  // 02:00, 04:00, 06:00
        #expect(c.tickLabel(at: 1) == "02:00")
    }

    @Test func daysMonthsAndWeeks() throws {
        let days = try #require(SeriesChart.time(result([[.text("2026-11-14"), .real(0.5)], [.text("2026-11-16"), .real(0.7)]], ["day", "mean"])))
        #expect(days.axis == .time(.seconds(86_400), precision: .day) && days.bucketCount == 3 && !days.integral)
        let weeks = try #require(SeriesChart.time(result([[.text("2026-11-02"), .integer(1)], [.text("2026-11-16"), .integer(3)]], ["week", "n"])))
        #expect(weeks.axis == .time(.seconds(604_800), precision: .day) && weeks.bucketCount == 3)
        let months = try #require(SeriesChart.time(result([[.text("2026-11"), .integer(1)], [.text("2027-02"), .integer(3)]], ["month", "n"])))
        #expect(months.axis == .time(.months(1), precision: .month) && months.bucketCount == 4)
        #expect(months.label(at: 2) == "2027-01")
    }

    @Test func runsOffTheHourAreOneBucketEach() throws {
        let r = result([[.text("2026-11-14 00:15"), .real(67)], [.text("2026-11-14 01:15"), .real(41)],
                        [.text("2026-11-14 03:15"), .real(49)]], ["started", "seconds"])
        let c = try #require(SeriesChart.time(r))
        #expect(c.axis == .time(.seconds(3600), precision: .minute))
        #expect(c.series[0].values == [67, 41, nil, 49])
    }

    @Test func aLabelColumnMakesSeries() throws {
        let r = result([[.text("2026-11-14"), .text("v1"), .real(0.6)], [.text("2026-11-15"), .text("v1"), .real(0.7)],
                        [.text("2026-11-15"), .text("v2"), .real(0.8)]], ["day", "model", "mean"])
        let c = try #require(SeriesChart.time(r))
        #expect(c.series.map(\.name) == ["v1", "v2"])
        #expect(c.series[1].values == [nil, 0.8])
    }

    @Test func notOverTime() {
        #expect(SeriesChart.time(result([[.text("a"), .integer(1)], [.text("b"), .integer(2)]])) == nil)
        #expect(SeriesChart.time(result([[.text("2026-11-14"), .integer(1)]])) == nil)  // one time
        #expect(SeriesChart.time(result([[.text("2026-11-14"), .text("x")], [.text("2026-11-15"), .text("y")]])) == nil)
    }

    @Test func scalesAreRound() {
        #expect(SeriesChart.scale(0, 105).high == 150 || SeriesChart.scale(0, 105).high == 125)
        #expect(SeriesChart.scale(0, 3, integral: true) == (0, 3, 1))
        #expect(SeriesChart.scale(0.512, 0.945).low == 0.4)
    }

    @Test func textColumnsAndLines() throws {
        let r = result([[.text("2026-11-20 01:00"), .integer(2)], [.text("2026-11-20 02:00"), .integer(1)]])
        let c = try #require(SeriesChart.time(r))
        let columns = SeriesText.render(c, kind: .columns, width: 60)
        #expect(columns.contains("█") && columns.contains("└") && columns.contains("per hour"))
        let line = SeriesText.render(c, kind: .line, width: 60)
        #expect(line.contains("╮") && line.contains("╰") && !line.contains("█"))
        let svg = HTMLSeriesChart.render(c, kind: .line)
        #expect(svg.contains("<polyline") && svg.hasPrefix("<svg class=\"chart series\""))
    }
}
