// Prints result sets in the current output mode as rows arrive: streaming modes (list, csv, tsv, json,
// jsonl, line, html) write each row at once, so a large export never sits in memory; the modes that need
// column widths (box, table, markdown, bar) collect the rows and print when the statement finishes.
import SQLiteKit

public final class ResultPrinter {
    public var settings: OutputSettings
    public var output: TextOutput
    private var columns: [String] = []
    private var rows: [[SQLValue]] = []
    private var count = 0
    private var lineNameWidth = 0
    /// Results printed in `line` mode so far (sqlite3 separates records with blank lines).
    private var lineRecords = 0

    public init(settings: OutputSettings, output: TextOutput) {
        self.settings = settings
        self.output = output
    }

    public func begin(columns: [String]) {
        self.columns = columns
        rows.removeAll(keepingCapacity: true)
        count = 0
        let show = settings.showHeaders
        switch settings.mode {
        case .list where show: output.write(columns.joined(separator: settings.separator) + "\n")
        case .csv where show: output.write(columns.map { ValueText.csvField($0) }.joined(separator: ",") + "\n")
        case .tsv where show: output.write(columns.map { ValueText.tsvField($0) }.joined(separator: "\t") + "\n")
        case .html: output.write(Markup.htmlStart(columns: columns, showHeaders: show))
        case .line: lineNameWidth = max(5, columns.map { TextWidth.of($0) }.max() ?? 0)  // as sqlite3
        default: break
        }
    }

    public func row(_ values: [SQLValue]) {
        count += 1
        let null = settings.nullText
        switch settings.mode {
        case .list:
            for (j, v) in values.enumerated() {
                if j > 0 { output.write(settings.separator) }
                output.write(ValueText.display(v, null: null))
            }
            output.write("\n")
        case .csv:
            for (j, v) in values.enumerated() {
                if j > 0 { output.write(",") }
                output.write(ValueText.csvField(ValueText.data(v, null: null)))
            }
            output.write("\n")
        case .tsv:
            for (j, v) in values.enumerated() {
                if j > 0 { output.write("\t") }
                output.write(ValueText.tsvField(ValueText.data(v, null: null)))
            }
            output.write("\n")
        case .json:
            output.write(count == 1 ? "[" : ",\n")
            output.write(jsonObject(values))
        case .jsonl:
            output.write(jsonObject(values) + "\n")
        case .line:
            if lineRecords > 0 { output.write("\n") }
            lineRecords += 1
            for (j, v) in values.enumerated() {
                let name = j < columns.count ? columns[j] : ""
                output.write(TextWidth.pad(name, to: lineNameWidth, right: true) + " = " + ValueText.display(v, null: null) + "\n")
            }
        case .html:
            output.write(Markup.htmlRow(values, nullText: null))
        case .box, .table, .markdown, .bar:
            rows.append(values)
        }
    }

    public func end() {
        switch settings.mode {
        case .json: output.write(count == 0 ? "[]\n" : "]\n")
        case .html: output.write(Markup.htmlEnd)
        case .box, .table, .markdown, .bar:
            output.write(Self.render(ResultSet(columns: columns, rows: rows), settings: settings))
            rows.removeAll()
        default: break
        }
    }

    /// Ends a result whose statement failed: rows already shown stay; an empty grid is not drawn.
    public func abandon() {
        if !settings.mode.streams && rows.isEmpty { return }
        end()
    }

    /// A whole result in any mode, as text.
    public static func render(_ r: ResultSet, settings: OutputSettings) -> String {
        switch settings.mode {
        case .box: return Grid.render(r, settings: settings, style: .box)
        case .table: return Grid.render(r, settings: settings, style: .ascii)
        case .markdown: return Markup.markdown(r, settings: settings)
        case .bar: return BarChart.render(r, settings: settings)
        default:
            let memory = TextOutput(.memory)
            let p = ResultPrinter(settings: settings, output: memory)
            p.begin(columns: r.columns)
            for row in r.rows { p.row(row) }
            p.end()
            return memory.text
        }
    }

    private func jsonObject(_ values: [SQLValue]) -> String {
        var s = "{"
        for (j, v) in values.enumerated() {
            if j > 0 { s += "," }
            s += ValueText.jsonString(j < columns.count ? columns[j] : "") + ":" + ValueText.json(v)
        }
        return s + "}"
    }
}
