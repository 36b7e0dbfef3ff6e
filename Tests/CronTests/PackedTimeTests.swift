// PackedTime, the 16-byte time cron_runs keeps in its large arrays: it must give back every field exactly (a leap
// second's :60, nanoseconds, negative years) and order times as CivilDateTime's own `<` does.
import Testing
import StrataCommon
@testable import Cron

@Suite struct PackedTimes {
    /// Random times over wide ranges, with many equal fields so that ties reach the later fields.
    private func times(_ n: Int) -> [CivilDateTime] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in
            CivilDateTime(year: [-9999, 0, 1970, 2024, 9999, Int.random(in: -9999...9999, using: &g)].randomElement(using: &g) ?? 0,
                          month: Int.random(in: 1...12, using: &g), day: Int.random(in: 1...3, using: &g),
                          hour: Int.random(in: 0...1, using: &g), minute: Int.random(in: 0...59, using: &g),
                          second: Int.random(in: 58...60, using: &g),
                          nanosecond: [0, 1, 999_999_999, Int.random(in: 0..<1_000_000_000, using: &g)].randomElement(using: &g) ?? 0)
        }
    }

    @Test func givesBackEveryField() {
        for t in times(2000) { #expect(PackedTime(t)?.civil == t) }
        let leap = CivilDateTime(year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 60, nanosecond: 5)
        #expect(PackedTime(leap)?.civil == leap)
    }

    @Test func ordersAsCivilDateTime() {
        let ts = times(200)
        for a in ts {
            for b in ts {
                guard let pa = PackedTime(a), let pb = PackedTime(b) else { Issue.record("not packed"); return }
                #expect((pa < pb) == (a < b))
                #expect((pa == pb) == (a == b))
            }
        }
    }

    @Test func refusesWhatItCannotHold() {
        #expect(PackedTime(CivilDateTime(year: 9_000_000, month: 1, day: 1)) == nil)
        #expect(PackedTime(CivilDateTime(year: 2024, month: 256, day: 1)) == nil)
        #expect(PackedTime(CivilDateTime(year: 2024, month: 1, day: -1)) == nil)
    }
}
