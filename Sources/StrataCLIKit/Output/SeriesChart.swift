// A result read as series over an x axis, for line and column charts: time on the x axis when a column holds
// dates or hours (`2026-11-20`, `2026-11-20 18:00`, `2026-11`), placed by time so a missing hour is a gap or a
// zero rather than being squeezed out; else the rows in order. One series per value of a label column
// (`day, model, mean` → a line per model). The text and HTML renderers share this model, its buckets and
// its ticks, so both show the same picture.
import Glibc
import SQLiteKit
import StrataCommon

public struct SeriesChart: Equatable {
    /// The width of one bucket on a time axis.
    public enum Unit: Equatable, Sendable {
        case seconds(Int)
        case months(Int)

        var label: String {
            switch self {
            case .seconds(let s):
                for (n, name) in [(604_800, "week"), (86_400, "day"), (3600, "hour"), (60, "minute")] where s % n == 0 {
                    return s == n ? name : "\(s / n) \(name)s"
                }
                return s == 1 ? "second" : "\(s) seconds"
            case .months(let m): return m == 1 ? "month" : (m == 12 ? "year" : "\(m) months")
            }
        }
    }

    public enum Axis: Equatable {
        /// Bucket index i is the time `origin + i * unit`.
        case time(Unit, precision: TimePrecision)
        /// Bucket index i is row i, labelled.
        case rows([String])
    }

    /// How much of a time its label shows.
    public enum TimePrecision: Int, Comparable, Sendable {
        case month, day, minute, second
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public struct Series: Equatable {
        public var name: String?
        /// Value by bucket index (0 = the first bucket); nil where the result has no row.
        public var values: [Double?]
    }

    public var axis: Axis
    public var xName: String
    public var valueName: String
    /// The first bucket's position in absolute units (seconds or months since 1970), for time axes.
    public var origin: Int64
    public var series: [Series]
    /// Whether every value is an integer (counts): columns by default, and merged buckets add up.
    public var integral: Bool

    public var bucketCount: Int { series.first?.values.count ?? 0 }

    // MARK: reading a result

    /// The most buckets a time axis may have (per-second rows over a month are no chart).
    static let maxBuckets = 20_000

    /// A chart over time: a column whose values are all times (at least two distinct), a value column, and at
    /// most one other column naming the series. Nil when the result is not shaped so.
    public static func time(_ r: ResultSet) -> SeriesChart? {
        guard (2...3).contains(r.columns.count), (2...50_000).contains(r.rows.count),
              let v = BarChart.barColumn(r) else { return nil }
        guard let t = (0..<r.columns.count).first(where: { $0 != v && isTimeColumn(r, $0) }) else { return nil }
        let label = (0..<r.columns.count).first { $0 != v && $0 != t }
        var parsed: [(time: CivilDateTime, precision: TimePrecision)?] = []
        for row in r.rows { parsed.append(t < row.count ? parseTime(row[t]) : nil) }
        let times = parsed.compactMap { $0 }
        guard let precision = times.map(\.precision).max() else { return nil }
        // The unit: the coarsest calendar step every time is aligned to — a result grouped by hour has times
        // on whole hours, so a bucket is an hour even where hours are missing (they are gaps, not wider bars).
        let monthly = precision == .month
        func position(_ c: CivilDateTime) -> Int64 {
            monthly ? Int64(c.year) * 12 + Int64(c.month - 1) : c.epochSeconds
        }
        let positions = Array(Set(times.map { position($0.time) })).sorted()
        guard positions.count >= 2 else { return nil }
        var step: Int64 = 1
        var rounded = false
        if !monthly {
            for unit: Int64 in [60, 3600, 86_400] where positions.allSatisfy({ $0 % unit == 0 }) { step = unit }
            // Whole weeks apart (`date(ts, 'weekday 1')`): a bucket is a week.
            if step == 86_400, zip(positions, positions.dropFirst()).allSatisfy({ ($1 - $0) % 604_800 == 0 }) { step = 604_800 }
            // Times off the hour (a job's runs at :15, one of them late) are placed on a grid of their most
            // common spacing, to the nearest step: one bucket per run, consecutive runs join up and a missing
            // one is a gap.
            if step < 3600 {
                var counts: [Int64: Int] = [:]
                for (a, b) in zip(positions, positions.dropFirst()) { counts[b - a, default: 0] += 1 }
                if let common = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key,
                   common > step {
                    step = min(common, 86_400)
                    rounded = true
                }
            }
        }
        let origin = positions[0]
        func bucketOf(_ p: Int64) -> Int64 { rounded ? (p - origin + step / 2) / step : (p - origin) / step }
        let span = bucketOf(positions[positions.count - 1]) + 1
        guard span <= Int64(maxBuckets) else { return nil }

        var names: [String?] = []
        var index: [String: Int] = [:]
        var values: [[Double?]] = []
        var integral = true
        for (i, row) in r.rows.enumerated() {
            guard let p = parsed[i], v < row.count, let y = ValueText.number(row[v]) else { continue }
            if case .real = row[v] { integral = false }
            let key = label.map { $0 < row.count ? ValueText.display(row[$0], null: "NULL") : "" }
            let k = key ?? ""
            if index[k] == nil {
                index[k] = names.count
                names.append(key.map { TextWidth.singleLine($0) })
                values.append(Array(repeating: nil, count: Int(span)))
            }
            let bucket = Int(bucketOf(position(p.time)))
            let s = index[k]!
            values[s][bucket] = (values[s][bucket] ?? 0) + y
        }
        guard !values.isEmpty else { return nil }
        let unit: Unit = monthly ? .months(Int(step)) : .seconds(Int(step))
        return SeriesChart(axis: .time(unit, precision: precision), xName: r.columns[t], valueName: r.columns[v],
                           origin: origin, series: zip(names, values).map { Series(name: $0, values: $1) },
                           integral: integral)
    }

    /// A chart over the rows in order (a line through categories): the first non-value column labels them.
    public static func rows(_ r: ResultSet) -> SeriesChart? {
        guard (1...5_000).contains(r.rows.count), let v = BarChart.barColumn(r) else { return nil }
        let label = (0..<r.columns.count).first { $0 != v }
        let labels = r.rows.map { row in label.map { $0 < row.count ? TextWidth.singleLine(ValueText.display(row[$0])) : "" } ?? "" }
        let values = r.rows.map { v < $0.count ? ValueText.number($0[v]) : nil }
        let integral = r.rows.allSatisfy { v >= $0.count || !($0[v].isReal) }
        return SeriesChart(axis: .rows(labels), xName: label.map { r.columns[$0] } ?? "", valueName: r.columns[v],
                           origin: 0, series: [Series(name: nil, values: values)], integral: integral)
    }

    static func isTimeColumn(_ r: ResultSet, _ j: Int) -> Bool {
        var seen = 0
        for row in r.rows where j < row.count {
            if row[j] == .null { continue }
            guard parseTime(row[j]) != nil else { return false }
            seen += 1
        }
        return seen >= 2
    }

    /// `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DD HH`, `YYYY-MM-DD HH:MM[:SS[.fff]]` (or with `T`, a `Z` or offset
    /// ignored), with how much of the time the text shows.
    static func parseTime(_ v: SQLValue) -> (time: CivilDateTime, precision: TimePrecision)? {
        guard case .text(var s) = v, s.utf8.count >= 7, s.utf8.count <= 40 else { return nil }
        let u = Array(s.utf8)
        func digit(_ i: Int) -> Bool { i < u.count && u[i] >= 0x30 && u[i] <= 0x39 }
        if u.count == 7, digit(0), digit(3), u[4] == 0x2D, digit(5), digit(6),
           let y = Int(s.prefix(4)), let m = Int(s.suffix(2)), (1...12).contains(m) {
            return (CivilDateTime(year: y, month: m, day: 1), .month)
        }
        if u.count == 13, u[10] == 0x20 || u[10] == 0x54 { s += ":00" }  // `2026-11-20 18`
        guard let c = CivilDateTime.parse(s) else { return nil }
        if u.count == 10 { return (c, .day) }
        let precision: TimePrecision = (c.second == 0 && c.nanosecond == 0) ? .minute : .second
        return (CivilDateTime(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second), precision)
    }


    // MARK: buckets, labels and scales

    /// The time at bucket `i` of a time axis.
    public func time(at i: Int) -> CivilDateTime {
        guard case .time(let unit, _) = axis else { return CivilDateTime(year: 1970, month: 1, day: 1) }
        switch unit {
        case .seconds(let s): return CivilDateTime(epochSeconds: origin + Int64(i) * Int64(s))
        case .months(let m):
            let n = origin + Int64(i * m)
            return CivilDateTime(year: Int(n / 12), month: Int(n % 12) + 1, day: 1)
        }
    }

    /// The full label of bucket `i`: its time as the data writes it, or its row's label.
    public func label(at i: Int) -> String {
        switch axis {
        case .rows(let labels): return i < labels.count ? labels[i] : ""
        case .time(_, let precision):
            let t = time(at: i)
            switch precision {
            case .month: return String(t.iso.prefix(7))
            case .day: return String(t.iso.prefix(10))
            case .minute: return String(t.iso.prefix(16))
            case .second: return t.iso
            }
        }
    }

    /// The short label of a tick at bucket `i`: `11-20` at a day's start, `18:00` within a day, `2026-11`.
    public func tickLabel(at i: Int) -> String {
        switch axis {
        case .rows(let labels): return i < labels.count ? labels[i] : ""
        case .time(let unit, let precision):
            let t = time(at: i)
            let iso = t.iso
            if case .months = unit { return String(iso.prefix(7)) }
            // The first bucket of a day shows the date (a grid off the hour never lands on midnight itself).
            let intoDay = t.hour * 3600 + t.minute * 60 + t.second
            if case .seconds(let width) = unit, precision == .day || intoDay < width {
                return String(iso.dropFirst(5).prefix(5))  // MM-DD
            }
            if precision == .second { return String(iso.dropFirst(11).prefix(8)) }
            return String(iso.dropFirst(11).prefix(5))
        }
    }

    /// Bucket indexes to label, at least `spacing` buckets apart, on round times (midnights, whole hours,
    /// month starts) where the axis is time.
    public func ticks(minimumSpacing spacing: Double) -> [Int] {
        let n = bucketCount
        guard n > 0 else { return [] }
        let need = max(1, Int(spacing.rounded(.up)))
        guard case .time(let unit, _) = axis else {
            return Array(stride(from: 0, to: n, by: need))
        }
        switch unit {
        case .months(let m):
            let choices = [1, 2, 3, 6, 12, 24, 60, 120].filter { $0 % m == 0 || $0 > m }
            let every = (choices.first { $0 / max(1, m) >= need } ?? need * m) / max(1, m)
            return (0..<n).filter { i in
                let t = time(at: i)
                let months = Int64(t.year) * 12 + Int64(t.month - 1)
                return months % Int64(every * m) == 0
            }.nilIfEmpty ?? Array(stride(from: 0, to: n, by: max(1, every)))
        case .seconds(let s):
            // Round intervals: whole minutes, hours, days, weeks.
            let candidates = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
                              86_400, 172_800, 604_800, 1_209_600, 2_592_000, 7_776_000, 31_536_000]
            guard let interval = candidates.first(where: { $0 % s == 0 && $0 / s >= need }) else {
                return Array(stride(from: 0, to: n, by: need))
            }
            let every = interval / s
            // Weeks and longer count from the first bucket; shorter intervals from the midnight before it.
            var offset = 0
            if interval < 604_800 {
                let first = time(at: 0)
                let intoDay = Int64(first.hour * 3600 + first.minute * 60 + first.second)
                let r = Int(intoDay % Int64(interval))
                offset = r == 0 ? 0 : (interval - r) / s
                if (interval - r) % s != 0 { offset = 0 }
            }
            return Array(stride(from: offset, to: n, by: every))
        }
    }

    /// Every value of every series.
    var allValues: [Double] { series.flatMap { $0.values.compactMap { $0 } } }

    /// The sums of the series per bucket (the height of stacked columns).
    var stackedTotals: [Double] {
        (0..<bucketCount).map { i in series.reduce(0) { $0 + max(0, $1.values[i] ?? 0) } }
    }

    /// A round scale covering `low...high`: (low, high, tick step), e.g. 0...12 → (0, 12, 2) .
    /// `integral`: counts, whose ticks are whole numbers.
    public static func scale(_ low: Double, _ high: Double, ticks: Int = 4, integral: Bool = false) -> (low: Double, high: Double, step: Double) {
        var lo = low, hi = high
        if !(lo.isFinite && hi.isFinite) { return (0, 1, 0.25) }
        if hi - lo < 1e-12 { if hi == 0 { hi = 1 } else { lo = min(0, lo); hi = max(hi, lo + abs(hi)) } }
        if hi == lo { hi = lo + 1 }
        let raw = (hi - lo) / Double(max(1, ticks))
        let magnitude = Glibc.pow(10, Glibc.floor(Glibc.log10(raw)))
        var step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 } ?? 10 * magnitude
        if integral { step = max(1, step.rounded(.up)) }
        return ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step, step)
    }

    /// A number for an axis: `12`, `0.25`, `1.5k`, `2M`.
    public static func axisNumber(_ x: Double) -> String {
        let a = abs(x)
        if a >= 1e6 { return trim(x / 1e6) + "M" }
        if a >= 1e4 { return trim(x / 1e3) + "k" }
        return trim(x)
    }

    static func trim(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        var s = String(r)
        if s.contains("e") { s = ValueText.real(r) }
        return s
    }

    /// The caption under a chart: the span, the unit of a bucket, the peak.
    public var caption: String {
        var parts: [String] = []
        let n = bucketCount
        if case .time(let unit, _) = axis {
            parts.append(label(at: 0) + " → " + label(at: n - 1))
            parts.append("per " + unit.label)
        }
        var best: (Int, Double, String?)?
        for s in series {
            for (i, v) in s.values.enumerated() {
                if let v, best == nil || v > best!.1 { best = (i, v, s.name) }
            }
        }
        if let (i, v, name) = best {
            parts.append("max " + (integral && abs(v) < 1e15 ? String(Int64(v)) : ValueText.real(v))
                         + (name.map { " for \($0)" } ?? "") + " at " + label(at: i))
        }
        return parts.joined(separator: " · ")
    }
}

extension SQLValue {
    var isReal: Bool { if case .real = self { return true } else { return false } }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
