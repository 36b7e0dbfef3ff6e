// Prints result sets in the current output mode as rows arrive: streaming modes (list, csv, tsv, json,
// jsonl, line, html) write each row at once, so a large export never sits in memory; the modes that need
// column widths (box, table, markdown, bar) collect the rows and print when the statement finishes.
// On a terminal no mode passes a control character through raw (an ESC in a value could retitle the window,
// clear the screen or rewrite what is shown): grids show them as `·`, and so do the other modes, which keep
// only line breaks and tabs. To a file or a pipe, list, line, csv and the rest write values as they are.
// A header waits for the first row (or the end of a statement that succeeded with none), so a statement that
// fails before producing a row prints nothing at all — no orphan csv header above the error.
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
    /// The file being written in npy mode.
    private var npy: NpyOutput?
    /// Errors of npy mode (a value that fits no array), for the caller to report and count as failures.
    public var errors: [String] = []

    public init(settings: OutputSettings, output: TextOutput) {
        self.settings = settings
        self.output = output
    }

    /// Whether control characters are shown as `·` (the output is a terminal, or the settings say so).
    var showsControls: Bool { settings.visibleControls || output.isTerminal }

    /// `s` as it may be written: control characters made visible on a terminal.
    @inline(__always)
    func shown(_ s: String) -> String { showsControls ? TextWidth.visibleControls(s) : s }

    public func begin(columns: [String]) {
        let columns = showsControls ? columns.map { TextWidth.visibleControls($0) } : columns
        self.columns = columns
        rows.removeAll(keepingCapacity: true)
        count = 0
        headerPending = settings.mode.streams
        if settings.mode == .npy {
            if let path = settings.npyPath { npy = NpyOutput(path: path) } else { errors.append("npy mode needs a file: .mode npy FILE") }
        }
    }

    /// Whether the streaming header (list/csv/tsv column names, html's table start) is still to be written.
    private var headerPending = false

    private func writeHeader() {
        guard headerPending else { return }
        headerPending = false
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
        writeHeader()
        count += 1
        let null = settings.nullText
        switch settings.mode {
        case .list:
            for (j, v) in values.enumerated() {
                if j > 0 { output.write(settings.separator) }
                output.write(shown(ValueText.display(v, null: null)))
            }
            output.write("\n")
        case .csv:
            for (j, v) in values.enumerated() {
                if j > 0 { output.write(",") }
                output.write(ValueText.csvField(shown(ValueText.data(v, null: null))))
            }
            output.write("\n")
        case .tsv:
            for (j, v) in values.enumerated() {
                if j > 0 { output.write("\t") }
                output.write(ValueText.tsvField(shown(ValueText.data(v, null: null))))
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
                output.write(TextWidth.pad(name, to: lineNameWidth, right: true) + " = " + shown(ValueText.display(v, null: null)) + "\n")
            }
        case .html:
            output.write(Markup.htmlRow(values, nullText: null, visibleControls: showsControls))
        case .npy:
            npy?.add(values.first ?? .null)
        case .box, .table, .markdown, .bar:
            rows.append(values)
        }
    }

    public func end() {
        writeHeader()
        switch settings.mode {
        case .json: output.write(count == 0 ? "[]\n" : "]\n")
        case .html: output.write(Markup.htmlEnd)
        case .npy:
            if let failure = npy?.finish() { errors.append(failure) }
            npy = nil
        case .box, .table, .markdown, .bar:
            var s = settings
            s.visibleControls = showsControls
            output.write(Self.render(ResultSet(columns: columns, rows: rows), settings: s))
            rows.removeAll()
        default: break
        }
    }

    /// Ends a result whose statement failed: rows already shown stay (and a streamed result is closed); a
    /// result without rows prints nothing, not even its header.
    public func abandon() {
        if count == 0 {
            headerPending = false
            return
        }
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
            let memory = TextOutput(.memory, isTerminal: settings.visibleControls)
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
