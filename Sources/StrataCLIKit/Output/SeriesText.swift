// A SeriesChart drawn in text, for text and markdown reports: columns (`▁▂▃▄▅▆▇█`, stacked by series with
// `█▓▒░`) or a line (`─╭╮╰╯│`) over an x axis with round ticks (`11-21`, `06:00`) and a caption naming the
// span, the bucket and the peak. A time axis longer than the width merges neighbouring buckets (counts add,
// other values average) and says so.
import SQLiteKit

public enum SeriesText {
    public enum Kind { case columns, line }

    static let height = 8
    /// The height of each small chart when several series get one each.
    static let smallHeight = 5
    static let stackGlyphs = ["█", "▓", "▒", "░", "▞", "▚"]

    public static func render(_ chart: SeriesChart, kind: Kind, width: Int?) -> String {
        var c = chart
        if kind == .columns, c.series.count > stackGlyphs.count { c = mergingSmallSeries(c, keep: stackGlyphs.count - 1) }
        // Room for the plot: the terminal's width (or 100 columns) less the y axis.
        let available = max(24, min(width ?? 100, 160))
        let yLabelWidth = 7
        let plotRoom = available - yLabelWidth - 2
        var merged = 1
        if c.bucketCount > plotRoom {
            merged = (c.bucketCount + plotRoom - 1) / plotRoom
            c = merging(c, by: merged)
        }
        let n = c.bucketCount
        let cell = max(1, min(4, plotRoom / max(1, n)))
        var out = ""
        if kind == .line && c.series.count > 1 {
            // Small multiples: one line per series on a common scale.
            let values = c.allValues
            let s = SeriesChart.scale(values.min() ?? 0, values.max() ?? 1, integral: c.integral)
            for one in c.series.prefix(8) {
                out += "── " + (one.name ?? "") + "\n"
                var single = c
                single.series = [one]
                out += lineRows(single, scale: s, cell: cell, yLabelWidth: yLabelWidth, height: smallHeight)
            }
            if c.series.count > 8 { out += "(\(c.series.count - 8) more series not drawn)\n" }
        } else if kind == .line {
            let values = c.allValues
            out += lineRows(c, scale: SeriesChart.scale(values.min() ?? 0, values.max() ?? 1, integral: c.integral), cell: cell, yLabelWidth: yLabelWidth)
        } else {
            if c.series.count > 1 {
                out += String(repeating: " ", count: yLabelWidth + 2)
                    + zip(stackGlyphs, c.series).map { "\($0) \($1.name ?? "")" }.joined(separator: "  ") + "\n"
            }
            out += columnRows(c, cell: cell, yLabelWidth: yLabelWidth)
        }
        out += axis(c, cell: cell, yLabelWidth: yLabelWidth)
        var caption = c.valueName + " · " + chart.caption
        if merged > 1, case .time(let unit, _) = c.axis {
            caption += " · each column \(unit.label), " + (c.integral ? "added" : "averaged")
        }
        // The caption's parts (` · `-separated) on as many lines as the width needs.
        let indent = String(repeating: " ", count: yLabelWidth + 2)
        var line = ""
        for part in caption.split(separator: " · ").map(String.init) {
            if !line.isEmpty, TextWidth.of(line) + 3 + TextWidth.of(part) > available - indent.count {
                out += indent + line + "\n"
                line = part
            } else {
                line += (line.isEmpty ? "" : " · ") + part
            }
        }
        if !line.isEmpty { out += indent + line + "\n" }
        return out
    }

    /// Columns of eighth blocks (one series) or stacked whole cells (several).
    static func columnRows(_ c: SeriesChart, cell: Int, yLabelWidth: Int) -> String {
        let totals = c.stackedTotals
        let s = SeriesChart.scale(0, totals.max() ?? 1, integral: c.integral)
        let high = s.high > 0 ? s.high : 1
        let h = height
        var grid = Array(repeating: Array(repeating: " ", count: c.bucketCount * cell), count: h)
        let barWidth = cell >= 3 ? cell - 1 : cell
        for i in 0..<c.bucketCount {
            var glyphs = Array(repeating: " ", count: h)
            if c.series.count == 1 {
                let eighths = Int((max(0, c.series[0].values[i] ?? 0) / high * Double(h * 8)).rounded())
                let partial = ["", "▁", "▂", "▃", "▄", "▅", "▆", "▇"]
                for r in 0..<h {
                    let filled = eighths - r * 8
                    if filled >= 8 { glyphs[r] = "█" } else if filled > 0 { glyphs[r] = partial[filled] }
                }
                if eighths == 0, (c.series[0].values[i] ?? 0) > 0 { glyphs[0] = "▁" }  // never invisible
            } else {
                var cumulative = 0.0
                var bottom = 0
                for (k, series) in c.series.enumerated() {
                    cumulative += max(0, series.values[i] ?? 0)
                    let top = Int((cumulative / high * Double(h)).rounded())
                    if top > bottom { for r in bottom..<min(h, top) { glyphs[r] = stackGlyphs[k] } }
                    bottom = max(bottom, top)
                }
            }
            for r in 0..<h { for x in 0..<barWidth { grid[r][i * cell + x] = glyphs[r] } }
        }
        // Tick values label the row whose top they reach.
        var labels: [Int: String] = [:]
        var t = s.step
        while t <= high + s.step * 1e-9, s.step > 0, labels.count < h {
            let r = Int((t / high * Double(h)).rounded()) - 1
            if r >= 0, r < h, labels[r] == nil { labels[r] = SeriesChart.axisNumber(t) }
            t += s.step
        }
        var out = ""
        for r in stride(from: h - 1, through: 0, by: -1) {
            let label = labels[r] ?? ""
            out += TextWidth.pad(label, to: yLabelWidth, right: true) + (label.isEmpty ? " │" : " ┤") + trimmed(grid[r].joined()) + "\n"
        }
        return out
    }

    /// A line through the values (gaps where there is no row), on `scale`.
    static func lineRows(_ c: SeriesChart, scale s: (low: Double, high: Double, step: Double), cell: Int,
                         yLabelWidth: Int, height h: Int = height) -> String {
        let values = c.series[0].values
        var grid = Array(repeating: Array(repeating: " ", count: c.bucketCount * cell), count: h)
        func row(_ v: Double) -> Int {
            let span = s.high - s.low
            guard span > 0 else { return 0 }
            return min(h - 1, max(0, Int(((v - s.low) / span * Double(h - 1)).rounded())))
        }
        for i in 0..<values.count {
            guard let v = values[i] else { continue }
            let y = row(v)
            let x = i * cell
            let previous = i > 0 ? values[i - 1].map(row) : nil
            let next = i + 1 < values.count ? values[i + 1] : nil
            if let p = previous, p != y {
                grid[p][x] = y > p ? "╯" : "╮"
                grid[y][x] = y > p ? "╭" : "╰"
                for r in (min(p, y) + 1)..<max(p, y) { grid[r][x] = "│" }
            } else {
                grid[y][x] = previous == nil && next == nil ? "•" : "─"
            }
            if next != nil { for k in 1..<max(1, cell) { grid[y][x + k] = "─" } }
        }
        var labels: [Int: String] = [:]
        var t = s.low
        while t <= s.high + s.step * 1e-9, s.step > 0, labels.count < h {
            let r = row(t)
            if labels[r] == nil { labels[r] = SeriesChart.axisNumber(t) }
            t += s.step
        }
        var out = ""
        for r in stride(from: h - 1, through: 0, by: -1) {
            let label = labels[r] ?? ""
            out += TextWidth.pad(label, to: yLabelWidth, right: true) + (label.isEmpty ? " │" : " ┤") + trimmed(grid[r].joined()) + "\n"
        }
        return out
    }

    /// The x axis: a rule with `┬` at the ticks and their labels under it.
    static func axis(_ c: SeriesChart, cell: Int, yLabelWidth: Int) -> String {
        let n = c.bucketCount
        let labelWidth = (0..<min(n, 50)).map { TextWidth.of(c.tickLabel(at: $0)) }.max() ?? 5
        let ticks = c.ticks(minimumSpacing: Double(labelWidth + 2) / Double(cell))
        var rule = Array(repeating: "─", count: n * cell)
        var labels = Array(repeating: " ", count: n * cell + labelWidth + 2)
        var freeFrom = 0
        for t in ticks where t < n {
            let x = t * cell
            rule[x] = "┬"
            let text = Array(c.tickLabel(at: t)).map(String.init)
            guard x >= freeFrom, x + text.count <= labels.count else { continue }
            for (k, ch) in text.enumerated() { labels[x + k] = ch }
            freeFrom = x + text.count + 1
        }
        let pad = String(repeating: " ", count: yLabelWidth)
        return pad + " └" + rule.joined() + "\n" + pad + "  " + trimmed(labels.joined()) + "\n"
    }

    static func trimmed(_ s: String) -> String {
        var t = s
        while t.hasSuffix(" ") { t.removeLast() }
        return t
    }

    /// Neighbouring buckets merged `by` at a time: counts added, other values averaged.
    static func merging(_ c: SeriesChart, by k: Int) -> SeriesChart {
        var out = c
        out.series = c.series.map { s in
            var values: [Double?] = []
            var i = 0
            while i < s.values.count {
                let group = s.values[i..<min(s.values.count, i + k)].compactMap { $0 }
                if group.isEmpty { values.append(nil) }
                else { values.append(c.integral ? group.reduce(0, +) : group.reduce(0, +) / Double(group.count)) }
                i += k
            }
            return SeriesChart.Series(name: s.name, values: values)
        }
        if case .time(let unit, let p) = c.axis {
            switch unit {
            case .seconds(let s): out.axis = .time(.seconds(s * k), precision: p)
            case .months(let m): out.axis = .time(.months(m * k), precision: p)
            }
        } else if case .rows(let labels) = c.axis {
            out.axis = .rows(stride(from: 0, to: labels.count, by: k).map { labels[$0] })
        }
        return out
    }

    /// The largest `keep` series by total, the rest added into one `other`.
    static func mergingSmallSeries(_ c: SeriesChart, keep: Int) -> SeriesChart {
        let ranked = c.series.sorted { ($0.values.compactMap { $0 }.reduce(0, +)) > ($1.values.compactMap { $0 }.reduce(0, +)) }
        var out = c
        let rest = ranked.dropFirst(keep)
        let other = (0..<c.bucketCount).map { i -> Double? in
            let vs = rest.compactMap { $0.values[i] }
            return vs.isEmpty ? nil : vs.reduce(0, +)
        }
        let kept = Set(ranked.prefix(keep).map { $0.name ?? "" })
        out.series = c.series.filter { kept.contains($0.name ?? "") } + [SeriesChart.Series(name: "other", values: other)]
        return out
    }
}
