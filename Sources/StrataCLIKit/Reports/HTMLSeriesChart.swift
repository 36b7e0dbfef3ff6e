// A SeriesChart as an inline SVG for HTML reports: columns (stacked by series) or lines over a time axis
// with gridlines, round y ticks, x ticks on round times, a legend for several series and a tooltip on every
// column and point. No script: it opens the same from a mail attachment.
import SQLiteKit

enum HTMLSeriesChart {
    static let palette = ["#3b6fd8", "#e8743b", "#19a979", "#d64550", "#945ecf", "#13a4b4", "#b8860b", "#6c7a89"]

    static func render(_ chart: SeriesChart, kind: SeriesText.Kind) -> String {
        var c = chart
        if kind == .columns, c.series.count > palette.count { c = SeriesText.mergingSmallSeries(c, keep: palette.count - 1) }
        let n = c.bucketCount
        guard n > 0 else { return "" }
        let width = 760.0, height = 300.0
        let left = 56.0, right = 16.0, top = c.series.count > 1 ? 34.0 : 22.0, plotBottom = 240.0
        let plotWidth = width - left - right, plotHeight = plotBottom - top
        let band = plotWidth / Double(n)
        func x(_ i: Int) -> Double { left + (Double(i) + 0.5) * band }

        let scale: (low: Double, high: Double, step: Double)
        if kind == .columns {
            scale = SeriesChart.scale(0, c.stackedTotals.max() ?? 1, integral: c.integral)
        } else {
            let all = c.allValues
            scale = SeriesChart.scale(all.min() ?? 0, all.max() ?? 1, integral: c.integral)
        }
        let span = scale.high - scale.low > 0 ? scale.high - scale.low : 1
        func y(_ v: Double) -> Double { plotBottom - (v - scale.low) / span * plotHeight }

        var svg = "<svg class=\"chart series\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
        svg += "viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(esc(c.valueName)) by \(esc(c.xName))\">\n"
        svg += "<text x=\"\(f(left))\" y=\"14\" class=\"value\">\(esc(c.valueName))</text>\n"
        // Legend.
        if c.series.count > 1 {
            var lx = left + 8 + 7 * Double(c.valueName.count) + 16
            for (k, s) in c.series.enumerated() {
                let color = palette[k % palette.count]
                svg += "<rect x=\"\(f(lx))\" y=\"5\" width=\"10\" height=\"10\" rx=\"2\" fill=\"\(color)\"/>"
                svg += "<text x=\"\(f(lx + 14))\" y=\"14\">\(esc(s.name ?? ""))</text>\n"
                lx += 14 + 7.5 * Double(TextWidth.of(s.name ?? "")) + 16
            }
        }
        // Gridlines and y labels.
        var v = scale.low
        var guardCount = 0
        while v <= scale.high + scale.step * 1e-9, guardCount < 50 {
            let yy = y(v)
            svg += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(width - right))\" y2=\"\(f(yy))\"/>"
            svg += "<text class=\"value\" x=\"\(f(left - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(esc(SeriesChart.axisNumber(v)))</text>\n"
            v += scale.step
            guardCount += 1
        }
        // The data.
        if kind == .columns {
            let barWidth = band >= 4 ? band * 0.8 : band
            for i in 0..<n {
                var base = 0.0
                for (k, s) in c.series.enumerated() {
                    guard let value = s.values[i], value > 0 else { continue }
                    let y0 = y(base), y1 = y(base + value)
                    base += value
                    let title = c.label(at: i) + (s.name.map { " · \($0)" } ?? "") + ": " + SeriesChart.axisNumber(value)
                    svg += "<rect x=\"\(f(x(i) - barWidth / 2))\" y=\"\(f(y1))\" width=\"\(f(barWidth))\" height=\"\(f(max(0.5, y0 - y1)))\" "
                    svg += "fill=\"\(palette[k % palette.count])\"><title>\(esc(title))</title></rect>\n"
                }
            }
        } else {
            for (k, s) in c.series.enumerated() {
                let color = palette[k % palette.count]
                var runs: [[(Int, Double)]] = []
                var current: [(Int, Double)] = []
                for (i, value) in s.values.enumerated() {
                    if let value { current.append((i, value)) } else if !current.isEmpty { runs.append(current); current = [] }
                }
                if !current.isEmpty { runs.append(current) }
                for run in runs where run.count > 1 {
                    let points = run.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
                    svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(points)\"/>\n"
                }
                let dots = n <= 120 || runs.contains { $0.count == 1 }
                for run in runs where dots || run.count == 1 {
                    for (i, value) in run {
                        let title = c.label(at: i) + (s.name.map { " · \($0)" } ?? "") + ": " + SeriesChart.axisNumber(value)
                        svg += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(value)))\" r=\"\(n <= 60 ? 3 : 2)\" fill=\"\(color)\"><title>\(esc(title))</title></circle>"
                    }
                    svg += "\n"
                }
            }
        }
        // The x axis and its ticks.
        svg += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(plotBottom))\" x2=\"\(f(width - right))\" y2=\"\(f(plotBottom))\"/>\n"
        let labelWidth = 7.0 * Double((0..<min(n, 50)).map { TextWidth.of(c.tickLabel(at: $0)) }.max() ?? 5) + 14
        var lastEnd = -Double.infinity
        for t in c.ticks(minimumSpacing: labelWidth / band) where t < n {
            let tx = x(t)
            let text = c.tickLabel(at: t)
            let w = 7.0 * Double(TextWidth.of(text))
            guard tx - w / 2 >= lastEnd else { continue }
            lastEnd = tx + w / 2 + 6
            svg += "<line class=\"axis\" x1=\"\(f(tx))\" y1=\"\(f(plotBottom))\" x2=\"\(f(tx))\" y2=\"\(f(plotBottom + 5))\"/>"
            svg += "<text x=\"\(f(tx))\" y=\"\(f(plotBottom + 19))\" text-anchor=\"middle\">\(esc(text))</text>\n"
        }
        svg += "<text class=\"value\" x=\"\(f(left))\" y=\"\(f(height - 12))\">\(esc(c.caption))</text>\n"
        return svg + "</svg>\n"
    }

    static func f(_ x: Double) -> String {
        let t = (x * 10).rounded() / 10
        return t == t.rounded() && abs(t) < 1e9 ? String(Int(t)) : String(t)
    }

    static func esc(_ s: String) -> String { ValueText.html(s) }
}
