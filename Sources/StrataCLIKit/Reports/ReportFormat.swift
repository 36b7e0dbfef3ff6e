// Renders a finished report in one of its formats: `text` (box tables, bar charts for chartable results,
// column and line charts over time, underlined headings), `markdown` (pipe tables, charts in a text block), `csv` (each result with its header
// row, separated by an empty line), `json` (one document) and `html` (HTMLReport).
import SQLiteKit

public enum ReportFormat: String, CaseIterable, Sendable {
    case text, markdown, html, csv, json

    public init?(name: String) {
        switch name.lowercased() {
        case "md": self = .markdown
        case "txt", "box": self = .text
        default:
            guard let f = ReportFormat(rawValue: name.lowercased()) else { return nil }
            self = f
        }
    }

    /// The format an --output file name implies (`.html`, `.md`, `.csv`, `.json`), if any.
    public init?(fileName: String) {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".html") || lower.hasSuffix(".htm") { self = .html }
        else if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { self = .markdown }
        else if lower.hasSuffix(".csv") { self = .csv }
        else if lower.hasSuffix(".json") { self = .json }
        else if lower.hasSuffix(".txt") { self = .text }
        else { return nil }
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The whole report as text. `width` is the terminal width for text reports shown on a terminal.
    public func render(_ doc: ReportDocument, width: Int? = nil) -> String {
        switch self {
        case .text: return Self.text(doc, width: width)
        case .markdown: return Self.markdown(doc)
        case .csv: return Self.csv(doc)
        case .json: return Self.json(doc)
        case .html: return HTMLReport.render(doc)
        }
    }

    static func text(_ doc: ReportDocument, width: Int?) -> String {
        var out = ""
        let settings = OutputSettings(mode: .box, headers: true, width: width)
        for block in doc.blocks {
            switch block {
            case .heading(let h):
                if !out.isEmpty { out += "\n" }
                out += h.text + "\n"
                let rule = h.level == 1 ? "═" : (h.level == 2 ? "─" : "")
                if !rule.isEmpty { out += String(repeating: rule, count: max(3, TextWidth.of(h.text))) + "\n" }
            case .result(let r, _, let choice):
                if r.rows.isEmpty {
                    out += "(no rows)\n"
                    continue
                }
                switch ReportChart.plan(r, choice: choice) {
                case .bars: out += BarChart.render(r, settings: settings)
                case .series(let chart, let kind):
                    out += SeriesText.render(chart, kind: kind, width: width) + "\n"
                    out += Grid.render(r, settings: settings, style: .box)
                case .table: out += Grid.render(r, settings: settings, style: .box)
                }
            }
        }
        return out
    }

    static func markdown(_ doc: ReportDocument) -> String {
        var parts: [String] = []
        let settings = OutputSettings(mode: .markdown, headers: true)
        for block in doc.blocks {
            switch block {
            case .heading(let h):
                parts.append(String(repeating: "#", count: h.level) + " " + h.text + "\n")
            case .result(let r, _, let choice):
                if r.rows.isEmpty {
                    parts.append("*(no rows)*\n")
                    continue
                }
                var s = Markup.markdown(r, settings: settings)
                switch ReportChart.plan(r, choice: choice) {
                case .bars:
                    s += "\n```text\n" + BarChart.render(r, settings: OutputSettings(mode: .bar, headers: false)) + "```\n"
                case .series(let chart, let kind):
                    s += "\n```text\n" + SeriesText.render(chart, kind: kind, width: nil) + "```\n"
                case .table: break
                }
                parts.append(s)
            }
        }
        if !doc.parameters.isEmpty {
            parts.append("<sub>" + doc.parameters.map { "\($0.name) = \(ValueText.markdownCell(ValueText.display($0.value, null: "NULL")))" }
                .joined(separator: " · ") + "</sub>\n")
        }
        return parts.joined(separator: "\n")
    }

    static func csv(_ doc: ReportDocument) -> String {
        var parts: [String] = []
        for case .result(let r, _, _) in doc.blocks {
            parts.append(ResultPrinter.render(r, settings: OutputSettings(mode: .csv, headers: true)))
        }
        return parts.joined(separator: "\n")
    }

    static func json(_ doc: ReportDocument) -> String {
        var s = "{\"title\":" + ValueText.jsonString(doc.title)
        s += ",\"source\":" + ValueText.jsonString(doc.source)
        s += ",\"parameters\":{" + doc.parameters.map { ValueText.jsonString($0.name) + ":" + ValueText.json($0.value) }
            .joined(separator: ",") + "}"
        s += ",\"results\":["
        var first = true
        for case .result(let r, let heading, _) in doc.blocks {
            s += first ? "\n" : ",\n"
            first = false
            s += "{\"heading\":" + (heading.map { ValueText.jsonString($0) } ?? "null")
            s += ",\"columns\":[" + r.columns.map { ValueText.jsonString($0) }.joined(separator: ",") + "]"
            s += ",\"rows\":["
            for (i, row) in r.rows.enumerated() {
                s += i == 0 ? "\n" : ",\n"
                s += "{" + row.enumerated().map { j, v in
                    ValueText.jsonString(j < r.columns.count ? r.columns[j] : "") + ":" + ValueText.json(v)
                }.joined(separator: ",") + "}"
            }
            s += "]}"
        }
        return s + "]}\n"
    }
}
