// The output modes of the shell and batch runs (`.mode NAME`, `--NAME`), and the settings a renderer
// reads: headers, separators, the NULL text and the terminal width that box tables and bars fit into.
import SQLiteKit

public enum OutputMode: String, CaseIterable, Sendable {
    case box, table, csv, tsv, json, jsonl, markdown, html, line, list, bar
    /// The first column into a `.npy` file (`OutputSettings.npyPath`; see NpyOutput.swift).
    case npy

    /// Accepts sqlite3's spellings too (`tabs`, `column`).
    public init?(name: String) {
        switch name.lowercased() {
        case "tabs": self = .tsv
        case "column", "columns": self = .table
        case "md": self = .markdown
        case "ndjson": self = .jsonl
        default:
            guard let m = OutputMode(rawValue: name.lowercased()) else { return nil }
            self = m
        }
    }

    /// Whether rows print as they arrive (true) or after the last one, for column widths (false).
    public var streams: Bool {
        switch self {
        case .csv, .tsv, .json, .jsonl, .line, .list, .html, .npy: return true
        case .box, .table, .markdown, .bar: return false
        }
    }

    /// Whether column names print when the user has not said.
    public var headersByDefault: Bool { self != .list }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

public struct OutputSettings: Sendable {
    public var mode: OutputMode
    /// nil: the mode's default.
    public var headers: Bool?
    /// Column separator of list mode.
    public var separator = "|"
    public var nullText = ""
    /// Terminal columns to fit box tables and bars into; nil when not writing to a terminal.
    public var width: Int?
    /// Bold column names; only when writing to a terminal and NO_COLOR is unset.
    public var color = false
    /// Control characters in values and names shown as `·` (line breaks and tabs kept where the mode keeps
    /// them), so no escape sequence reaches a terminal; set by ResultPrinter when its output is a terminal.
    public var visibleControls = false
    /// The file `.mode npy FILE` / `--npy FILE` writes.
    public var npyPath: String?

    public init(mode: OutputMode, headers: Bool? = nil, separator: String = "|", nullText: String = "", width: Int? = nil) {
        self.mode = mode
        self.headers = headers
        self.separator = separator
        self.nullText = nullText
        self.width = width
    }

    public var showHeaders: Bool { headers ?? mode.headersByDefault }

    /// `text` in bold when colours are on.
    func bold(_ text: String) -> String { color ? "\u{1B}[1m" + text + "\u{1B}[0m" : text }
}

/// One finished result set.
public struct ResultSet: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}
