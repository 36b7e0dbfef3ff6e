// The `bar` mode: the last numeric column drawn as a Unicode bar chart (`█▉▊▋▌▍▎▏`) beside the other
// columns — counts per hour, per level, per job at a glance. The same choice of column decides which report
// results get an SVG chart in HTML.
import SQLiteKit

public enum BarChart {
    /// The column to chart: the last one whose non-NULL values are all numbers (at least one), skipping
    /// identifier columns (`id`, `*_id`), whose sizes mean nothing. Nil when there is none.
    public static func barColumn(_ r: ResultSet) -> Int? {
        let numeric = Grid.numericColumns(r)
        for j in stride(from: r.columns.count - 1, through: 0, by: -1) where numeric[j] {
            let name = r.columns[j].lowercased()
            if name == "id" || name == "rowid" || name.hasSuffix("_id") { continue }
            return j
        }
        return nil
    }

    /// Whether a report result is shaped like a chart: a column to chart with at most two label columns
    /// beside it (wider results stay tables), 2 to 200 rows, and some positive value to draw.
    public static func isChartable(_ r: ResultSet) -> Bool {
        guard r.columns.count <= 3, let j = barColumn(r), (2...200).contains(r.rows.count) else { return false }
        return r.rows.contains { row in j < row.count && (ValueText.number(row[j]) ?? 0) > 0 }
    }

    /// A bar `fraction` (0...1) of `width` cells long, in eighths of a cell.
    public static func bar(_ fraction: Double, width: Int) -> String {
        guard fraction.isFinite, fraction > 0, width > 0 else { return "" }
        let eighths = Int((min(fraction, 1) * Double(width) * 8).rounded())
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = String(repeating: "█", count: eighths / 8)
        s += partial[eighths % 8]
        if s.isEmpty { s = "▏" }  // a non-zero value is never invisible
        return s
    }

    /// Every column aligned as in a table without borders, then the bar of the chart column. Results without
    /// a numeric column print as a box table.
    public static func render(_ r: ResultSet, settings: OutputSettings) -> String {
        guard let chart = barColumn(r) else { return Grid.render(r, settings: settings, style: .box) }
        let n = r.columns.count
        let numeric = Grid.numericColumns(r)
        let cells = r.rows.map { row in
            (0..<n).map { j in TextWidth.singleLine(j < row.count ? ValueText.display(row[j], null: settings.nullText) : "") }
        }
        var widths = r.columns.map { settings.showHeaders ? TextWidth.of(TextWidth.singleLine($0)) : 0 }
        for row in cells { for j in 0..<n { widths[j] = max(widths[j], TextWidth.of(row[j])) } }
        let barMax = 40, barMin = 10
        if let total = settings.width {
            widths = Grid.fit(widths, into: total - 2 * n - barMin)
        }
        let textWidth = widths.reduce(0, +) + 2 * n
        let barWidth = settings.width.map { max(barMin, min(barMax, $0 - textWidth - 1)) } ?? barMax
        let peak = r.rows.compactMap { $0.count > chart ? ValueText.number($0[chart]).map(abs) : nil }.max() ?? 0

        func line(_ values: [String], bar: String, header: Bool = false) -> String {
            var s = ""
            for j in 0..<n {
                let v = TextWidth.truncate(values[j], to: widths[j])
                let cell = TextWidth.pad(v, to: widths[j], right: numeric[j])
                s += (header ? settings.bold(cell) : cell) + "  "
            }
            s += bar
            while s.hasSuffix(" ") { s.removeLast() }
            return s + "\n"
        }
        var out = ""
        if settings.showHeaders {
            out += line(r.columns.map { TextWidth.singleLine($0) }, bar: "", header: true)
            out += line(widths.map { String(repeating: "─", count: $0) }, bar: "")
        }
        for (i, row) in r.rows.enumerated() {
            var drawn = ""
            if chart < row.count, let v = ValueText.number(row[chart]), peak > 0 {
                drawn = v >= 0 ? bar(v / peak, width: barWidth)
                               : "-" + String(repeating: "░", count: max(1, Int((-v / peak * Double(barWidth)).rounded())))
            }
            out += line(cells[i], bar: drawn)
        }
        return out
    }
}
