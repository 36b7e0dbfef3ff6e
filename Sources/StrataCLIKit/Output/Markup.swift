// Markdown (GitHub pipe tables) and HTML table renderings of one result, shared by the `markdown`/`html`
// output modes and by reports.
import SQLiteKit

public enum Markup {
    public static func markdown(_ r: ResultSet, settings: OutputSettings) -> String {
        let n = r.columns.count
        guard n > 0 else { return "" }
        let numeric = Grid.numericColumns(r)
        let visible: (String) -> String = settings.visibleControls ? { TextWidth.visibleControls($0) } : { $0 }
        let header = r.columns.map { ValueText.markdownCell(visible($0)) }
        let cells = r.rows.map { row in
            (0..<n).map { j in
                ValueText.markdownCell(visible(j < row.count ? ValueText.display(row[j], null: settings.nullText) : ""))
            }
        }
        var widths = header.map { max(3, TextWidth.of($0)) }
        for row in cells { for j in 0..<n { widths[j] = max(widths[j], TextWidth.of(row[j])) } }
        func line(_ values: [String]) -> String {
            "|" + (0..<n).map { j in " " + TextWidth.pad(values[j], to: widths[j], right: numeric[j]) + " " }.joined(separator: "|") + "|\n"
        }
        var out = line(header)
        out += "|" + (0..<n).map { j in
            numeric[j] ? String(repeating: "-", count: widths[j] + 1) + ":" : String(repeating: "-", count: widths[j] + 2)
        }.joined(separator: "|") + "|\n"
        for row in cells { out += line(row) }
        return out
    }

    /// `<table>` start with the header row; rows follow with `htmlRow`, then `htmlEnd`.
    public static func htmlStart(columns: [String], numeric: [Bool]? = nil, showHeaders: Bool = true) -> String {
        var out = "<table>\n"
        if showHeaders {
            out += "<thead><tr>"
            for (j, c) in columns.enumerated() {
                let right = numeric.map { j < $0.count && $0[j] } ?? false
                out += right ? "<th class=\"num\">" : "<th>"
                out += ValueText.html(c) + "</th>"
            }
            out += "</tr></thead>\n"
        }
        return out + "<tbody>\n"
    }

    /// One `<tr>`; `visibleControls`: control characters shown as `·` (HTML written to a terminal).
    public static func htmlRow(_ values: [SQLValue], nullText: String = "", visibleControls: Bool = false) -> String {
        var out = "<tr>"
        for v in values {
            switch v {
            case .null: out += "<td class=\"null\">" + ValueText.html(nullText) + "</td>"
            case .integer, .real: out += "<td class=\"num\">" + ValueText.display(v) + "</td>"
            default:
                let text = ValueText.display(v)
                out += "<td>" + ValueText.html(visibleControls ? TextWidth.visibleControls(text) : text) + "</td>"
            }
        }
        return out + "</tr>\n"
    }

    public static let htmlEnd = "</tbody>\n</table>\n"

    public static func html(_ r: ResultSet, settings: OutputSettings) -> String {
        var out = htmlStart(columns: r.columns, numeric: Grid.numericColumns(r), showHeaders: settings.showHeaders)
        for row in r.rows { out += htmlRow(row, nullText: settings.nullText, visibleControls: settings.visibleControls) }
        return out + htmlEnd
    }
}
