// A report as one self-contained HTML page (no scripts, fonts or links to fetch): headings, tables with
// numbers right-aligned, and above a chart-shaped result's table an inline SVG: bars for a value per row,
// columns or a line over time (ReportChart decides, HTMLSeriesChart draws). Opens the same from a mail attachment, a file share or a web server.
import SQLiteKit

public enum HTMLReport {
    public static func render(_ doc: ReportDocument) -> String {
        var body = ""
        var titleShown = false
        for block in doc.blocks {
            switch block {
            case .heading(let h):
                let level = min(6, max(1, h.level))
                if level == 1 && !titleShown {
                    titleShown = true
                    body += "<header><h1>\(ValueText.html(h.text))</h1>\(meta(doc))</header>\n"
                } else {
                    body += "<h\(level)>\(ValueText.html(h.text))</h\(level)>\n"
                }
            case .result(let r, _, let choice):
                body += "<section class=\"result\">\n"
                if r.rows.isEmpty {
                    body += "<p class=\"empty\">No rows.</p>\n"
                } else {
                    switch ReportChart.plan(r, choice: choice) {
                    case .bars: if let svg = chart(r) { body += svg }
                    case .series(let c, let kind): body += HTMLSeriesChart.render(c, kind: kind)
                    case .table: break
                    }
                    body += "<div class=\"scroll\">" + Markup.html(r, settings: OutputSettings(mode: .html, headers: true))
                    body += "</div>\n<p class=\"count\">\(r.rows.count) row\(r.rows.count == 1 ? "" : "s")</p>\n"
                }
                body += "</section>\n"
            }
        }
        if !titleShown {
            body = "<header><h1>\(ValueText.html(doc.title))</h1>\(meta(doc))</header>\n" + body
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="strata \(StrataCLIVersion.current)">
            <title>\(ValueText.html(doc.title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            \(body)</main>
            </body>
            </html>

            """
    }

    static func meta(_ doc: ReportDocument) -> String {
        var items: [String] = []
        if !doc.source.isEmpty { items.append("<span>\(ValueText.html(doc.source))</span>") }
        for p in doc.parameters {
            items.append("<span><b>\(ValueText.html(p.name))</b> = \(ValueText.html(ValueText.display(p.value, null: "NULL")))</span>")
        }
        return items.isEmpty ? "" : "<p class=\"meta\">" + items.joined(separator: " ") + "</p>"
    }

    static let style = """
        :root { color-scheme: light; --ink: #1f2430; --muted: #6b7280; --line: #e5e7eb; --bar: #3b6fd8; --zebra: #f7f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #fff; color: var(--ink);
               font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1100px; margin: 0 auto; padding: 32px 24px 64px; }
        header { border-bottom: 2px solid var(--ink); margin-bottom: 24px; }
        h1 { font-size: 28px; margin: 0 0 4px; }
        h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        h3 { font-size: 16px; margin: 24px 0 8px; }
        .meta { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
        .meta span { margin-right: 14px; }
        .meta b { font-weight: 600; color: var(--ink); }
        .result { margin: 12px 0 24px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 14px; font-variant-numeric: tabular-nums; }
        /* break-word, not anywhere: a word is never split while the table can widen (or scroll) instead. */
        th, td { padding: 5px 12px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top;
                 white-space: pre-wrap; max-width: 48em; overflow-wrap: break-word; }
        th { background: #f0f2f5; font-weight: 600; border-bottom: 2px solid #d1d5db; white-space: nowrap; }
        tbody tr:nth-child(even) td { background: var(--zebra); }
        .num { text-align: right; white-space: nowrap; }
        td.null { color: #b0b5bf; }
        .count, .empty { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
        svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 12px; }
        svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
        svg.chart .value { fill: var(--muted); }
        svg.chart rect.bar { fill: var(--bar); }
        svg.chart line { stroke: #c5cad3; }
        svg.chart line.grid { stroke: #eceef2; }
        """

    /// A horizontal bar chart of the result's chart column, each bar labelled with the row's other values.
    static func chart(_ r: ResultSet) -> String? {
        guard let j = BarChart.barColumn(r) else { return nil }
        let labelColumns = (0..<r.columns.count).filter { $0 != j }
        let labels = r.rows.map { row -> String in
            let parts = labelColumns.compactMap { k -> String? in
                guard k < row.count, row[k] != .null else { return nil }
                return TextWidth.singleLine(ValueText.display(row[k]))
            }
            return TextWidth.truncate(parts.joined(separator: " · "), to: 40)
        }
        let values = r.rows.map { j < $0.count ? ValueText.number($0[j]) : nil }
        let peak = values.compactMap { $0 }.filter { $0 > 0 }.max() ?? 0
        guard peak > 0 else { return nil }

        let rowHeight = 22.0, barHeight = 15.0, top = 26.0
        let longest = labels.map { TextWidth.of($0) }.max() ?? 0
        let labelWidth = labelColumns.isEmpty ? 8.0 : min(300.0, 16.0 + 7.0 * Double(longest))
        let width = 760.0
        let valueRoom = 70.0
        let barArea = width - labelWidth - valueRoom
        let height = top + rowHeight * Double(r.rows.count) + 8
        func f(_ x: Double) -> String { let t = (x * 10).rounded() / 10; return t == t.rounded() ? String(Int(t)) : String(t) }

        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
        svg += "viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(ValueText.html(r.columns[j])) by row\">\n"
        svg += "<text x=\"\(f(labelWidth))\" y=\"16\" class=\"value\">\(ValueText.html(r.columns[j]))</text>\n"
        svg += "<line x1=\"\(f(labelWidth))\" y1=\"\(f(top - 4))\" x2=\"\(f(labelWidth))\" y2=\"\(f(height - 6))\"/>\n"
        for (i, row) in r.rows.enumerated() {
            let y = top + rowHeight * Double(i)
            let v = values[i] ?? 0
            let w = v > 0 ? max(1, barArea * v / peak) : 0
            let shown = j < row.count ? ValueText.display(row[j]) : ""
            if !labelColumns.isEmpty {
                svg += "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + barHeight - 3))\" text-anchor=\"end\">\(ValueText.html(labels[i]))</text>"
            }
            svg += "<rect class=\"bar\" x=\"\(f(labelWidth))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(barHeight))\" rx=\"2\">"
            svg += "<title>\(ValueText.html(labels[i].isEmpty ? shown : labels[i] + ": " + shown))</title></rect>"
            svg += "<text class=\"value\" x=\"\(f(labelWidth + w + 6))\" y=\"\(f(y + barHeight - 3))\">\(ValueText.html(shown))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
